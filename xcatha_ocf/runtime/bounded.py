"""I/O that may hang on a dead NFS server, run in a child process with a deadline."""

import os
import time


class Hung(Exception):
    """The storage did not answer in time."""


def call(function, timeout):
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
    import select
    from xcatha_ocf.runtime.process import SIGKILL
    chunks = []
    while True:
        left = deadline - time.monotonic()
        ready = select.select([reader], [], [], max(left, 0))[0] if left > 0 else []
        if not ready:
            os.kill(pid, SIGKILL)
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
