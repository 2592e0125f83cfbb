"""Fixtures for tests that run the xCAT STAND-IN (cluster-lab/xcat-standin) for
real: a temporary PostgreSQL cluster on loopback, run as the postgres user and
stopped by its PID, the stand-in's database made by its own setup-db.sh, a
state directory for the systemctl STAND-IN (tests/standin/systemctl), and
xcatd stand-ins on free ports."""

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STANDIN = os.path.join(REPO, "cluster-lab", "xcat-standin")
XCATSTANDIN = os.path.join(STANDIN, "xcatstandin.py")
SYSTEMCTL_STANDIN_DIR = os.path.join(REPO, "tests", "standin")
PG_BIN = "/usr/lib/postgresql/15/bin"
PASSWORD = "standin-pw"
COMMANDS = ("lsxcatd", "lsdef", "chdef", "chtab", "makedns", "makedhcp", "makeconservercf",
            "makegocons")


def free_port():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def as_postgres(argv, **kwargs):
    return subprocess.run(["runuser", "-u", "postgres", "--"] + argv, capture_output=True,
                          text=True, timeout=60, **kwargs)


@contextlib.contextmanager
def temporary_postgres():
    """(socket dir, port) of a fresh cluster: local trust, TCP 127.0.0.1 with scram."""
    base = tempfile.mkdtemp(prefix="svcstandin-pg.")
    os.chmod(base, 0o755)
    postgres_user = pwd.getpwnam("postgres")
    os.chown(base, postgres_user.pw_uid, postgres_user.pw_gid)
    data, port = os.path.join(base, "data"), free_port()
    pid = None
    try:
        initdb = as_postgres([os.path.join(PG_BIN, "initdb"), "-D", data, "-U", "postgres",
                              "--auth-local=trust", "--auth-host=scram-sha-256"])
        assert initdb.returncode == 0, initdb.stderr
        started = as_postgres([os.path.join(PG_BIN, "pg_ctl"), "-D", data, "-l",
                               os.path.join(base, "log"), "-w", "-o",
                               "-k %s -p %d -c listen_addresses=127.0.0.1" % (base, port), "start"])
        assert started.returncode == 0, started.stderr
        with open(os.path.join(data, "postmaster.pid")) as handle:
            pid = int(handle.readline())
        yield base, port
    finally:
        if pid is not None:
            os.kill(pid, signal.SIGINT)  # fast shutdown of our postmaster only
            for _ in range(100):
                if not os.path.exists("/proc/%d" % pid):
                    break
                time.sleep(0.1)
        shutil.rmtree(base, ignore_errors=True)


@contextlib.contextmanager
def standin_root(socket_dir, port, nodes=5):
    """A root directory with the stand-in's database set up and cfgloc written."""
    root = tempfile.mkdtemp(prefix="svcstandin-root.")
    try:
        for directory in ("etc/xcat", "etc/bind", "var/lib/bind", "etc/dhcp", "etc/default",
                          "etc/conserver", "systemd"):
            os.makedirs(os.path.join(root, directory))
        open(os.path.join(root, "etc/default/isc-dhcp-server"), "w").close()
        env = dict(os.environ, PGHOST=socket_dir, PGPORT=str(port))
        setup = subprocess.run([os.path.join(STANDIN, "setup-db.sh"), "127.0.0.1", PASSWORD,
                                "cluster.lab", "127.0.0.0", "255.0.0.0", "lo", str(nodes),
                                os.path.join(root, "etc/xcat/cfgloc")],
                               env=env, capture_output=True, text=True, timeout=60)
        assert setup.returncode == 0, setup.stderr + setup.stdout
        for unit in ("named", "isc-dhcp-server", "conserver-server"):
            open(os.path.join(root, "systemd", unit + ".service"), "w").close()
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def postgres():
    if not os.path.exists(os.path.join(PG_BIN, "initdb")):
        pytest.skip("PostgreSQL 15 server binaries are not installed")
    with temporary_postgres() as server:
        yield server


@pytest.fixture(scope="module")
def xcat_root(postgres):
    with standin_root(*postgres) as root:
        yield root


def standin_env(root, port, **extra):
    env = {
        "PATH": "%s:/usr/sbin:/usr/bin:/sbin:/bin" % SYSTEMCTL_STANDIN_DIR,
        "XCAT_STANDIN_ROOT": root,
        "XCATHOST": "localhost:%d" % port,
        "XCATHA_SYSTEMCTL_STANDIN": os.path.join(root, "systemd"),
    }
    env.update(extra)
    return env


def start_xcatd(root, ports, **extra):
    """Start the xcatd stand-in; returns the Popen once it listens (or has exited)."""
    process = subprocess.Popen([XCATSTANDIN, "xcatd", "--ports", ",".join(map(str, ports))],
                               env=standin_env(root, ports[0], **extra), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    for _ in range(100):
        if process.poll() is not None:
            return process
        try:
            socket.create_connection(("127.0.0.1", ports[0]), timeout=1).close()
            return process
        except OSError:
            time.sleep(0.05)
    return process


def prepare_stack(root, postgres, bin_dir, instance):
    """Units for the systemctl stand-in (state reset, xcatd launched from its ExecStart)
    and xCAT commands in bin_dir; returns the agent's (params, environment)."""
    socket_dir, pg_port = postgres
    units = os.path.join(root, "systemd")
    for name in os.listdir(units):
        if not name.endswith(".service"):
            os.unlink(os.path.join(units, name))
    ports = [free_port(), free_port()]
    for name in ("postgresql", "chrony"):
        open(os.path.join(units, name + ".service"), "w").close()
    with open(os.path.join(units, "xcatd.service"), "w") as handle:
        handle.write("ExecStart=%s xcatd --ports %d,%d\n" % (XCATSTANDIN, ports[0], ports[1]))
    os.makedirs(bin_dir, exist_ok=True)
    for command in COMMANDS:
        link = os.path.join(bin_dir, command)
        if not os.path.islink(link):
            os.symlink(XCATSTANDIN, link)
    env = standin_env(root, ports[0], PGHOST=socket_dir, PGPORT=str(pg_port),
                      OCF_RESOURCE_INSTANCE=instance)
    env["PATH"] = "%s:%s" % (bin_dir, env["PATH"])
    params = {"services": "postgresql xcatd named isc-dhcp-server chrony conserver-server",
              "xcatd_port": ports[0], "mgtifname": "lo"}
    return params, env


def stop_process(process):
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
    process.communicate()


def xcat(root, port, command, *args, **extra):
    return subprocess.run([XCATSTANDIN, command] + list(args),
                          env=standin_env(root, port, **extra), capture_output=True, text=True,
                          timeout=60)
