"""Records an agent keeps for the current boot only, under /run/xcatha.

A node that crashed comes back with /run emptied (and a new boot id, checked in
case /run survived): what such a record says was done before the crash no
longer counts, so the probe after the node rejoins does not report as running
something that the cluster runs elsewhere.
"""

import os

RUN_DIR = "/run/xcatha"
BOOT_ID_FILE = "/proc/sys/kernel/random/boot_id"


def path(name):
    return os.path.join(RUN_DIR, name)


def ensure_run_dir():
    if not os.path.isdir(RUN_DIR):
        os.makedirs(RUN_DIR, 0o755)


def boot_id(boot_id_file=BOOT_ID_FILE):
    """This boot's id, or "" where the kernel does not tell."""
    try:
        with open(boot_id_file) as handle:
            return handle.readline().strip()
    except (IOError, OSError):
        return ""


def mark(record, boot_id_file=BOOT_ID_FILE):
    """Write ``record`` (a path) for this boot."""
    from xcatha_ocf import files
    ensure_run_dir()
    files.replace_atomically(record, boot_id(boot_id_file) + "\n")


def marked(record, boot_id_file=BOOT_ID_FILE):
    """Whether ``record`` was written in this boot."""
    try:
        with open(record) as handle:
            return handle.readline().strip() == boot_id(boot_id_file)
    except (IOError, OSError):
        return False


def unmark(record):
    try:
        os.unlink(record)
    except FileNotFoundError:
        pass
