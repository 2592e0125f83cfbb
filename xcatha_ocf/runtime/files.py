"""Atomic, owner-preserving file replacement shared by the agents that edit
configuration files, one file at a time or several together."""

import os


class FileChangeError(Exception):
    """``path`` could not be changed; ``error`` is the OSError saying why."""

    def __init__(self, path, error):
        Exception.__init__(self, "cannot write %s: %s" % (path, error.strerror or error))
        self.path = path
        self.error = error


def read_text(path, encoding=None, errors=None):
    """The file's text with line endings kept as they are, or None if absent.

    ``encoding="utf-8", errors="surrogateescape"`` reads any bytes and writes
    them back unchanged (configuration files with Latin-1 comments)."""
    try:
        with open(path, "r", newline="", encoding=encoding, errors=errors) as handle:
            return handle.read()
    except FileNotFoundError:
        return None


FS_IOC_GETFLAGS = 0x80086601
FS_IMMUTABLE_FL, FS_APPEND_FL = 0x10, 0x20


def unwritable(path):
    """Why ``path`` cannot be replaced by a file renamed over it, or None."""
    directory = os.path.dirname(os.path.abspath(path))
    try:
        if os.path.exists(path):
            os.close(os.open(path, os.O_WRONLY))
    except OSError as error:
        return error.strerror + attribute_hint(path)
    if not os.access(directory, os.W_OK | os.X_OK):
        return "cannot create files in %s%s" % (directory, attribute_hint(directory))
    return None


def attribute_hint(path):
    """ " (immutable: chattr -i PATH)" when a file attribute forbids the change."""
    import fcntl
    import sys
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        try:
            flags = int.from_bytes(fcntl.ioctl(fd, FS_IOC_GETFLAGS, bytes(8))[:4], sys.byteorder)
        finally:
            os.close(fd)
    except OSError:
        return ""
    for flag, name, letter in ((FS_IMMUTABLE_FL, "immutable", "i"), (FS_APPEND_FL, "append-only", "a")):
        if flags & flag:
            return " (%s: chattr -%s %s)" % (name, letter, path)
    return ""


def diff(path, new_text, encoding=None, errors=None):
    """A unified diff from the file's current text to ``new_text``."""
    import difflib
    old_text = read_text(path, encoding, errors) or ""
    lines = difflib.unified_diff(old_text.splitlines(True), new_text.splitlines(True),
                                 fromfile=path, tofile=path + " (new)")
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def replace_atomically(path, text, encoding=None, errors=None):
    """Write ``text`` to a temporary file beside ``path``, fsync it, give it the
    original's owner, group and mode, rename it over ``path`` and fsync the
    directory: readers see the old file or the new one, never a mix."""
    replace_together([(path, text)], encoding, errors)


def replace_together(changes, encoding=None, errors=None):
    """Replace each (path, text) of ``changes`` atomically, and all or none of them.

    Every file is first checked for writing (an immutable file, a read-only
    filesystem or missing permission is found here) and its new text staged
    beside it; only then are they renamed into place.  Should a rename still
    fail, the files already replaced get their old text back.  Raises
    FileChangeError naming the file and the cause; the files are then as before.
    A symbolic link keeps pointing at its file: the file it names is replaced.
    """
    changes = [(os.path.realpath(path), text) for path, text in changes]
    staged = []
    try:
        for path, text in changes:
            try:
                old_text = read_text(path, encoding, errors)
            except (OSError, UnicodeError) as error:
                raise FileChangeError(path, error)
            staged.append((path, old_text, stage(path, text, encoding, errors)))
        committed = []
        for path, old_text, temporary in staged:
            try:
                os.rename(temporary, path)
            except OSError as error:
                restore(committed, encoding, errors)
                raise FileChangeError(path, error)
            committed.append((path, old_text))
    finally:
        for _, _, temporary in staged:
            if os.path.exists(temporary):
                os.unlink(temporary)
    for directory in set(os.path.dirname(os.path.abspath(path)) for path, _ in changes):
        fsync_directory(directory)


def stage(path, text, encoding, errors):
    """A fsync'ed temporary file beside ``path`` holding ``text`` with the owner,
    group and mode of ``path``; FileChangeError when ``path`` cannot be replaced."""
    import tempfile  # not on the monitor path: it costs several imports
    try:
        original = os.stat(path)
    except FileNotFoundError:
        original = None
    except OSError as error:
        raise FileChangeError(path, error)
    try:
        if original is not None:
            os.close(os.open(path, os.O_WRONLY))   # immutable, read-only or not ours: fail now
        fd, temporary = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".",
                                         dir=os.path.dirname(os.path.abspath(path)))
    except OSError as error:
        raise FileChangeError(path, error)
    try:
        with os.fdopen(fd, "w", newline="", encoding=encoding, errors=errors) as handle:
            handle.write(text)
            handle.flush()
            if original is not None:
                os.fchmod(handle.fileno(), original.st_mode & 0o7777)
                os.fchown(handle.fileno(), original.st_uid, original.st_gid)
            os.fsync(handle.fileno())
    except OSError as error:
        os.unlink(temporary)
        raise FileChangeError(path, error)
    return temporary


def restore(committed, encoding, errors):
    """Put back the (path, old text) pairs already replaced when a later rename of
    the same change failed (None: the file did not exist)."""
    for path, old_text in committed:
        if old_text is None:
            os.unlink(path)
        else:
            replace_together([(path, old_text)], encoding, errors)


def fsync_directory(directory):
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def copy_preserving(source, target):
    """Copy ``source`` to ``target`` with its mode, times, owner and group, through a
    fsync'ed temporary file renamed into place (OSError when it cannot)."""
    import shutil
    import tempfile
    fd, temporary = tempfile.mkstemp(prefix="." + os.path.basename(target) + ".",
                                     dir=os.path.dirname(os.path.abspath(target)))
    os.close(fd)
    try:
        shutil.copy2(source, temporary)
        status = os.stat(source)
        os.chown(temporary, status.st_uid, status.st_gid)
        with open(temporary, "rb") as handle:
            os.fsync(handle.fileno())
        os.rename(temporary, target)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
