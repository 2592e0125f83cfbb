"""A PostgreSQL server as found on this host: its postmaster, the addresses it
listens on, the systemd unit that runs it, its major version and its owner."""

import os

TCP_LISTEN = "0A"


def postmaster(data_dir):
    """(pid, port) of the live postmaster of ``data_dir``, or (None, None)."""
    try:
        with open(os.path.join(data_dir, "postmaster.pid")) as handle:
            lines = handle.read().split("\n")
        pid = int(lines[0])
        with open("/proc/%d/comm" % pid) as handle:
            command = handle.read().strip()
        directory = os.readlink("/proc/%d/cwd" % pid)
    except (IOError, OSError, ValueError):
        return None, None
    if command not in ("postgres", "postmaster") or \
            directory != os.path.realpath(data_dir):
        return None, None  # a stale file (after a crash) whose PID is now another process
    port = int(lines[3]) if len(lines) > 3 and lines[3].strip().isdigit() else 5432
    return pid, port


def listening_addresses(port, table="/proc/net/tcp"):
    """IPv4 addresses with a TCP socket listening on ``port`` in this network namespace."""
    import socket
    import struct
    found = set()
    try:
        with open(table) as handle:
            rows = handle.read().splitlines()[1:]
    except (IOError, OSError):
        return found
    for row in rows:
        fields = row.split()
        address, _, hex_port = fields[1].partition(":")
        if fields[3] == TCP_LISTEN and int(hex_port, 16) == port:
            found.add(socket.inet_ntoa(struct.pack("=I", int(address, 16))))
    return found


def systemd_unit(pid, proc="/proc", systemd_dir="/run/systemd/system"):
    """The systemd service running ``pid``, or None when systemd does not manage it."""
    if not os.path.isdir(systemd_dir):
        return None
    try:
        with open("%s/%d/cgroup" % (proc, pid)) as handle:
            paths = [line.split(":", 2)[-1].strip() for line in handle]
    except (IOError, OSError):
        return None
    for path in paths:
        unit = path.rstrip("/").rsplit("/", 1)[-1]
        if unit.endswith(".service"):
            return unit
    return None


def server_version(data_dir):
    """The major version in PG_VERSION (9 for "9.6", 15 for "15"), or None."""
    try:
        with open(os.path.join(data_dir, "PG_VERSION")) as handle:
            return int(handle.read().strip().split(".")[0])
    except (IOError, OSError, ValueError):
        return None


def owner_name(path):
    import pwd
    uid = os.stat(path).st_uid
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def send_reload(pid):
    """SIGHUP: the postmaster rereads pg_hba.conf and the reloadable settings."""
    import signal
    os.kill(pid, signal.SIGHUP)


def pg_ctl_of(pid):
    """The pg_ctl that belongs to the running server's binaries."""
    return os.path.join(os.path.dirname(os.path.realpath("/proc/%d/exe" % pid)), "pg_ctl")
