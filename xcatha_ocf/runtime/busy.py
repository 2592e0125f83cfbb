"""The processes that keep a mount busy, found by reading /proc/PID/{cwd,root,
exe,fd,maps} as fuser and lsof do (neither is needed), and how to end them.
Used by xcat-shared's stop and ``xcatha shared init``."""

import os

from xcatha_ocf.runtime.mounts import is_inside


class Holder(object):
    __slots__ = ("pid", "command", "uses")

    def __init__(self, pid, command):
        self.pid = pid
        self.command = command
        self.uses = []

    def __str__(self):
        return "%s[%d] (%s)" % (self.command, self.pid, ", ".join(self.uses[:3]))


def describe(holders):
    return ", ".join(str(h) for h in holders)


def _link(path):
    try:
        target = os.readlink(path)
    except OSError:
        return None
    return target[:-len(" (deleted)")] if target.endswith(" (deleted)") else target


def _mapped_files(pid, proc):
    try:
        with open("%s/%d/maps" % (proc, pid)) as handle:
            lines = handle.read().splitlines()
    except (IOError, OSError):
        return []
    files = set()
    for line in lines:
        fields = line.split(None, 5)
        if len(fields) == 6 and fields[5].startswith("/"):
            path = fields[5]
            files.add(path[:-len(" (deleted)")] if path.endswith(" (deleted)") else path)
    return sorted(files)


def _uses(pid, proc):
    """(what, path) pairs: the cwd, root, executable, open files and mapped files."""
    base = "%s/%d" % (proc, pid)
    for what in ("cwd", "root", "exe"):
        yield what, _link(base + "/" + what)
    try:
        fds = os.listdir(base + "/fd")
    except OSError:
        fds = []
    for fd in fds:
        yield "fd " + fd, _link("%s/fd/%s" % (base, fd))
    for path in _mapped_files(pid, proc):
        yield "mapped", path


def _command(pid, proc):
    try:
        with open("%s/%d/comm" % (proc, pid)) as handle:
            return handle.read().strip()
    except (IOError, OSError):
        return "?"


def find_holders(paths, proc="/proc", exclude=()):
    """Processes in this mount namespace that use anything at or below ``paths``."""
    try:
        own_namespace = os.readlink(proc + "/self/ns/mnt")
    except OSError:
        own_namespace = None
    skip = set(exclude) | {os.getpid()}
    holders = []
    for name in os.listdir(proc):
        if not name.isdigit() or int(name) in skip:
            continue
        pid = int(name)
        if own_namespace and _link("%s/%d/ns/mnt" % (proc, pid)) != own_namespace:
            continue
        holder = None
        for what, path in _uses(pid, proc):
            if path and path.startswith("/") and is_inside(path, paths):
                holder = holder or Holder(pid, _command(pid, proc))
                holder.uses.append("%s %s" % (what, path))
        if holder:
            holders.append(holder)
    return holders


def ancestors(proc="/proc"):
    """PIDs of this process's parent, grandparent and so on."""
    found, pid = [], os.getppid()
    while pid > 1:
        found.append(pid)
        try:
            with open("%s/%d/stat" % (proc, pid)) as handle:
                pid = int(handle.read().rpartition(")")[2].split()[1])
        except (IOError, OSError, IndexError, ValueError):
            break
    return found


def signal_holders(holders, signum):
    for holder in holders:
        try:
            os.kill(holder.pid, signum)
        except OSError:
            pass


def alive(pid):
    """True while ``pid`` exists and is not a zombie."""
    try:
        with open("/proc/%d/stat" % pid) as handle:
            return handle.read().rpartition(")")[2].split()[0] != "Z"
    except (IOError, OSError, IndexError):
        return False
