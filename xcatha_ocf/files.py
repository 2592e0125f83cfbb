"""Atomic, owner-preserving file replacement shared by the agents that edit
configuration files."""

import os
import tempfile


def read_text(path, encoding=None, errors=None):
    """The file's text with line endings kept as they are, or None if absent.

    ``encoding="utf-8", errors="surrogateescape"`` reads any bytes and writes
    them back unchanged (configuration files with Latin-1 comments)."""
    try:
        with open(path, "r", newline="", encoding=encoding, errors=errors) as handle:
            return handle.read()
    except FileNotFoundError:
        return None


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
    directory = os.path.dirname(os.path.abspath(path))
    try:
        original = os.stat(path)
    except FileNotFoundError:
        original = None
    fd, temporary = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", dir=directory)
    try:
        with os.fdopen(fd, "w", newline="", encoding=encoding, errors=errors) as handle:
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
