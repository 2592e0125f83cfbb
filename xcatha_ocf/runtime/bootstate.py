"""Records an agent keeps for the current boot only, under /run/xcatha.

A record says what an agent set up (start) so that its stop can undo exactly
that, whatever the parameters say by then, and so that its monitor can tell
"started here in this boot" from leftovers.  A node that crashed comes back
with /run emptied (and a new boot id, checked in case /run survived): what such
a record says was done before the crash no longer counts, so the probe after
the node rejoins does not report as running something that the cluster runs
elsewhere.

A record is the boot id on its first line, then ``key=value`` lines: cheap to
read on every monitor (no json, which imports re, and no os).
"""

RUN_DIR = "/run/xcatha"
BOOT_ID_FILE = "/proc/sys/kernel/random/boot_id"


def path(name):
    return RUN_DIR + "/" + name


def boot_id():
    """This boot's id, or "" where the kernel does not tell."""
    try:
        with open(BOOT_ID_FILE) as handle:
            return handle.readline().strip()
    except (IOError, OSError):
        return ""


def save(record, values=None):
    """Write ``record`` (a path) for this boot with ``values``, a dict of one-line strings."""
    import os
    from xcatha_ocf.runtime import files
    lines = [boot_id()]
    for key, value in sorted((values or {}).items()):
        if "\n" in value or "=" in key:
            raise ValueError("cannot record %s=%r" % (key, value))
        lines.append("%s=%s" % (key, value))
    if not os.path.isdir(RUN_DIR):
        os.makedirs(RUN_DIR, 0o755)
    files.replace_atomically(record, "\n".join(lines) + "\n")


def load(record):
    """The values saved in ``record`` during this boot, or None when there is no
    such record from this boot."""
    try:
        with open(record) as handle:
            lines = handle.read().splitlines()
    except (IOError, OSError):
        return None
    if not lines or lines[0] != boot_id():
        return None
    return dict(line.partition("=")[::2] for line in lines[1:])


def remove(record):
    import os
    try:
        os.unlink(record)
    except FileNotFoundError:
        pass
