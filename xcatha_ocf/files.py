"""Atomic, owner-preserving file replacement shared by the agents that edit
configuration files."""

import os
import tempfile


def read_text(path):
    """The file's text with line endings kept as they are, or None if absent."""
    try:
        with open(path, "r", newline="") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def diff(path, new_text):
    """A unified diff from the file's current text to ``new_text``."""
    import difflib
    old_text = read_text(path) or ""
    lines = difflib.unified_diff(old_text.splitlines(True), new_text.splitlines(True),
                                 fromfile=path, tofile=path + " (new)")
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def replace_atomically(path, text):
    """Write ``text`` to a temporary file beside ``path``, fsync it, give it the
    original's owner, group and mode, rename it over ``path`` and fsync the
    directory: readers see the old file or the new one, never a mix."""
    directory = os.path.dirname(os.path.abspath(path))
    try:
        original = os.stat(path)
    except FileNotFoundError:
        original = None
    fd, temporary = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", dir=directory)
    try:
        with os.fdopen(fd, "w", newline="") as handle:
            handle.write(text)
            handle.flush()
            if original is not None:
                os.fchmod(handle.fileno(), original.st_mode & 0o7777)
                os.fchown(handle.fileno(), original.st_uid, original.st_gid)
            os.fsync(handle.fileno())
        os.rename(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    fsync_directory(directory)


def fsync_directory(directory):
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
