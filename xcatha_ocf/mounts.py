"""Mount-table reading, path checks, holder search and time-bounded I/O for
xcat-shared and ``xcatha shared init``.

Everything reads the kernel's own files (/proc/self/mountinfo,
/proc/PID/{cwd,root,exe,fd,maps}): no fuser, findmnt or lsof is needed, and
the monitor's depth-0 check forks nothing.  Standard library only, Python 3.6.
"""

import os
import select
import signal
import time

MOUNTINFO = "/proc/self/mountinfo"
PATH_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/_.-+@%=,:~")
# Shadowing these with a shared directory would break the node itself.
SYSTEM_DIRECTORIES = frozenset(["/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/proc",
                                "/run", "/sbin", "/sys", "/tmp", "/usr", "/var", "/var/lib", "/root"])
KERNEL_TREES = ("/proc", "/sys", "/dev", "/run")


# -- paths ---------------------------------------------------------------------

def check_path(text):
    """An absolute, normalized path of plain characters; ValueError otherwise."""
    odd = sorted(set(text) - PATH_CHARACTERS)
    if odd:
        raise ValueError("%r contains %s: paths may use only letters, digits and / _ . - + @ %% = , : ~"
                         % (text, ", ".join(repr(c) for c in odd)))
    if not text.startswith("/"):
        raise ValueError("%r is not an absolute path" % text)
    if os.path.normpath(text) != text or text.startswith("//"):
        raise ValueError("%r is not in normal form (write %s)" % (text, os.path.normpath(text)))
    if text == "/":
        raise ValueError("/ cannot be used")
    return text


def check_directory(text):
    """A directory that may be replaced by a shared one."""
    check_path(text)
    if text in SYSTEM_DIRECTORIES or is_inside(text, KERNEL_TREES):
        raise ValueError("%s is a system directory and cannot be shared" % text)
    return text


def is_inside(path, parents):
    """True when ``path`` is one of ``parents`` or lies below one of them."""
    return any(path == parent or path.startswith(parent.rstrip("/") + "/") for parent in parents)


def overlaps(paths):
    """Pairs (a, b) where b equals a or lies inside a."""
    return [(a, b) for a in paths for b in paths if a is not b and is_inside(b, [a])]


# -- /proc/self/mountinfo --------------------------------------------------------

class Mount(object):
    """One line of mountinfo (proc(5)); paths are unescaped."""

    __slots__ = ("id", "parent", "device", "root", "point", "fstype", "source")

    def __init__(self, id, parent, device, root, point, fstype, source):
        self.id = id
        self.parent = parent
        self.device = device
        self.root = root
        self.point = point
        self.fstype = fstype
        self.source = source

    def __repr__(self):
        return "Mount(%s on %s: %s %s root %s)" % (self.device, self.point, self.fstype,
                                                   self.source, self.root)


def unescape(field):
    """Undo the kernel's octal escapes (\\040 for a space, \\134 for a backslash)."""
    if "\\" not in field:
        return field
    out, i = [], 0
    while i < len(field):
        if field[i] == "\\" and field[i + 1:i + 4].isdigit():
            out.append(chr(int(field[i + 1:i + 4], 8)))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return "".join(out)


def parse_mountinfo(text):
    mounts = []
    for line in text.splitlines():
        before, _, after = line.partition(" - ")
        fields, tail = before.split(), after.split()
        if len(fields) < 5 or len(tail) < 2:
            continue
        mounts.append(Mount(fields[0], fields[1], fields[2], unescape(fields[3]),
                            unescape(fields[4]), tail[0], unescape(tail[1])))
    return mounts


def read_mountinfo(path=MOUNTINFO):
    with open(path) as handle:
        return parse_mountinfo(handle.read())


def stack_at(mounts, point):
    """The mounts on ``point`` from the bottom one to the visible (top) one."""
    here = [m for m in mounts if m.point == point]
    parents = set(m.parent for m in here)
    tops = [m for m in here if m.id not in parents]
    if not tops:
        return here
    by_id = dict((m.id, m) for m in here)
    chain, mount = [], tops[-1]
    while mount is not None:
        chain.append(mount)
        mount = by_id.get(mount.parent)
    return chain[::-1]


def containing_mount(mounts, path):
    """The visible mount that holds ``path`` (a normalized absolute path)."""
    best = None
    for mount in mounts:
        if is_inside(path, [mount.point]) and (best is None or len(mount.point) > len(best.point)):
            best = mount
    return stack_at(mounts, best.point)[-1] if best else None


def origin(mounts, path):
    """(device, root) that a bind mount of ``path`` shows in mountinfo."""
    mount = containing_mount(mounts, path)
    if mount is None:
        return None
    rest = path[len(mount.point):].lstrip("/") if mount.point != "/" else path.lstrip("/")
    root = mount.root.rstrip("/") + "/" + rest if rest else mount.root
    return mount.device, root


def mounts_below(mounts, point):
    return sorted(set(m.point for m in mounts if m.point.startswith(point + "/")))


# -- processes holding a mount -----------------------------------------------------

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


# -- I/O that may hang on a dead NFS server ------------------------------------------

class Hung(Exception):
    """The storage did not answer in time."""


def bounded(function, timeout):
    """Run ``function()`` in a child process and return its text result.

    The child's stdio goes to /dev/null, so a child stuck in the kernel on a
    hung NFS server holds no pipe of Pacemaker's open; it gets SIGKILL at the
    deadline and is left to init.  Raises Hung on timeout and OSError (with the
    child's message) when ``function`` failed.
    """
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        status = 0
        try:
            os.close(reader)
            null = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(null, fd)
            message = "ok " + (function() or "")
        except BaseException as error:  # reported to the parent as text
            status, message = 1, "error " + _describe_error(error)
        os.write(writer, message.encode("utf-8", "replace"))
        os._exit(status)
    os.close(writer)
    try:
        return _collect(pid, reader, time.monotonic() + timeout, timeout)
    finally:
        os.close(reader)


def _collect(pid, reader, deadline, timeout):
    chunks = []
    while True:
        left = deadline - time.monotonic()
        ready = select.select([reader], [], [], max(left, 0))[0] if left > 0 else []
        if not ready:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, os.WNOHANG)
            raise Hung("no answer within %gs" % timeout)
        chunk = os.read(reader, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    os.waitpid(pid, 0)
    text = b"".join(chunks).decode("utf-8", "replace")
    if text.startswith("ok "):
        return text[3:]
    raise OSError(text[len("error "):] if text.startswith("error ") else "the check died")


def _describe_error(error):
    if isinstance(error, OSError) and error.strerror:
        return "%s: %s" % (error.filename, error.strerror) if error.filename else error.strerror
    return "%s: %s" % (type(error).__name__, error)
