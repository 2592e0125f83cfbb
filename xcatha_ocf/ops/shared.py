"""``xcatha shared init``: the one-time copy of a node's xCAT directories onto
the shared storage that xcat-shared bind-mounts from.

Each directory is copied with ``cp -a -x`` (owners, modes, timestamps, hard
links, ACLs, extended attributes and SELinux labels; mounted filesystems below
it are left out) into a staging directory beside its target, compared with the
original, and only then renamed into place, so an interrupted run never leaves
half a copy that looks complete.  Existing shared data is never overwritten.
"""

import os
import shutil
import stat
import subprocess
import sys

from xcatha_ocf.runtime import busy, distro, mounts
from xcatha_ocf.agents.shared import check_directories, default_directories
from xcatha_ocf.errors import InputError

STAGING_PREFIX = ".xcatha-init."
MISMATCHES_SHOWN = 10


def add_arguments(parser):
    actions = parser.add_subparsers(dest="shared_command", metavar="ACTION")
    init = actions.add_parser("init", help="copy this node's directories onto the shared storage",
                              description="Copy this node's xCAT directories onto the shared "
                                          "storage once, keeping owners, modes, ACLs and xattrs.")
    init.add_argument("--shared-dir", required=True,
                      help="the shared storage, mounted here (xcat-shared's shared_dir)")
    init.add_argument("--directories", default="",
                      help="space-separated directories (default: /install /etc/xcat /root/.xcat "
                           "/var/lib/pgsql or /var/lib/postgresql, /tftpboot)")
    init.add_argument("--dry-run", action="store_true", help="print what would be done, change nothing")
    init.add_argument("--ignore-busy", action="store_true",
                      help="copy even while processes use the directories (the copy may be inconsistent)")


def run(args, out=sys.stdout):
    if args.shared_command != "init":
        raise InputError("say what to do: xcatha shared init --shared-dir DIR")
    shared_dir, directories = checked_arguments(args)
    refuse_busy(directories, args.ignore_busy)
    for directory in directories:
        copy_directory(directory, shared_dir + directory, args.dry_run, out)
    if not args.dry_run:
        out.write("%s now holds %s; configure xcat-shared with shared_dir=%s\n"
                  % (shared_dir, " ".join(directories), shared_dir))
    return 0


def checked_arguments(args):
    try:
        shared_dir = mounts.check_path(args.shared_dir)
        directories = check_directories(args.directories) or default_directories(distro.family())
    except ValueError as error:
        raise InputError(str(error))
    if not os.path.isdir(shared_dir):
        raise InputError("%s does not exist: mount the shared storage there first" % shared_dir)
    for directory in directories:
        if mounts.is_inside(shared_dir, [directory]) or mounts.is_inside(directory, [shared_dir]):
            raise InputError("%s and %s overlap" % (shared_dir, directory))
        if not os.path.isdir(directory) or os.path.realpath(directory) != directory:
            raise InputError("%s is not a real directory on this node (missing or a symlink); "
                             "choose the directories with --directories" % directory)
        target = shared_dir + directory
        if os.path.lexists(target) and not (os.path.isdir(target) and not os.listdir(target)):
            raise InputError("%s already exists on the shared storage; refusing to overwrite "
                             "shared data (remove it yourself if it is stale)" % target)
    return shared_dir, directories


def refuse_busy(directories, ignore_busy):
    holders = busy.find_holders(directories)
    if holders and not ignore_busy:
        raise InputError("processes use these directories; stop them first for a consistent "
                         "copy (or pass --ignore-busy): %s" % busy.describe(holders))


def copy_directory(source, target, dry_run, out):
    """cp -a into a staging directory, verify, rename into place."""
    parent = os.path.dirname(target)
    staging = os.path.join(parent, STAGING_PREFIX + os.path.basename(target))
    command = ["cp", "-a", "-x", "--no-target-directory", source, staging]
    if dry_run:
        if not os.path.isdir(parent):
            out.write("dry-run: would create %s like %s\n" % (parent, os.path.dirname(source)))
        out.write("dry-run: would run: %s, compare, and rename to %s\n" % (" ".join(command), target))
        return
    make_parents(os.path.dirname(source), parent)
    if os.path.lexists(staging):
        out.write("removing %s left by an interrupted run\n" % staging)
        shutil.rmtree(staging)
    result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            universal_newlines=True)
    if result.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        raise InputError("%s failed, nothing was put in place: %s"
                         % (" ".join(command), result.stdout.strip()))
    mismatches = compare_trees(source, staging)
    if mismatches:
        raise InputError("the copy of %s in %s differs from the original (left there for "
                         "inspection): %s" % (source, staging, "; ".join(mismatches[:MISMATCHES_SHOWN])))
    if os.path.isdir(target):
        os.rmdir(target)
    os.rename(staging, target)
    out.write("copied %s to %s and verified it\n" % (source, target))


def make_parents(source_parent, target_parent):
    """Create the target's parent directories with the owners and modes of the source's."""
    if os.path.isdir(target_parent):
        return
    make_parents(os.path.dirname(source_parent), os.path.dirname(target_parent))
    info = os.stat(source_parent)
    os.mkdir(target_parent)
    os.chown(target_parent, info.st_uid, info.st_gid)
    os.chmod(target_parent, info.st_mode & 0o7777)


def compare_trees(source, copy):
    """Differences in type, owner, mode, size, mtime, link target or xattrs (ACLs included)."""
    mismatches = []
    root_device = os.lstat(source).st_dev
    for directory, subdirs, files in os.walk(source):
        relative = os.path.relpath(directory, source)
        for name in [""] + subdirs + files if relative == "." else subdirs + files:
            original = os.path.join(directory, name) if name else directory
            copied = os.path.join(copy, relative, name) if name else copy
            problem = compare_entry(original, copied)
            if problem:
                mismatches.append("%s: %s" % (original, problem))
        subdirs[:] = [d for d in subdirs if os.lstat(os.path.join(directory, d)).st_dev == root_device]
    return mismatches


def compare_entry(original, copied):
    try:
        a, b = os.lstat(original), os.lstat(copied)
    except OSError as error:
        return error.strerror
    if (a.st_mode, a.st_uid, a.st_gid) != (b.st_mode, b.st_uid, b.st_gid):
        return "mode or owner %o %d:%d became %o %d:%d" % (a.st_mode, a.st_uid, a.st_gid,
                                                         b.st_mode, b.st_uid, b.st_gid)
    if stat.S_ISREG(a.st_mode) and (a.st_size, a.st_mtime_ns) != (b.st_size, b.st_mtime_ns):
        return "size or modification time differs"
    if stat.S_ISLNK(a.st_mode) and os.readlink(original) != os.readlink(copied):
        return "symlink target differs"
    kept, made = extended_attributes(original), extended_attributes(copied)
    differing = sorted(name for name in set(kept) | set(made) if kept.get(name) != made.get(name))
    if differing:
        return "extended attributes (ACLs and SELinux labels are ones) differ: %s; does the " \
               "shared storage keep them?" % " ".join(differing)
    return None


def extended_attributes(path):
    try:
        names = os.listxattr(path, follow_symlinks=False)
        return dict((n, os.getxattr(path, n, follow_symlinks=False)) for n in names)
    except OSError:
        return {}
