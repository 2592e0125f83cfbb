"""Mount-table reading and path checks for xcat-shared and ``xcatha shared init``.

The mount table comes from the kernel's own /proc/self/mountinfo: no findmnt is
needed, the monitor's depth-0 check forks nothing, and this module imports
nothing (not even os) so that check stays cheap.  Python 3.6.
"""

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
    if text == "/":
        raise ValueError("/ cannot be used")
    if not is_normal(text):
        raise ValueError("%r is not in normal form (no '//', '.', '..' or trailing '/')" % text)
    return text


def is_normal(path):
    """What os.path.normpath leaves unchanged, for an absolute path."""
    parts = path.split("/")[1:]
    return all(part not in ("", ".", "..") for part in parts)


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
