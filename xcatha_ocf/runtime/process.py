"""Starting a command and collecting what it prints, without the subprocess module:
importing it (with the locale, re and enum modules it pulls in) costs an agent
about 20 ms, more than a monitor of xcat-services spends on anything else.

A command runs in its own session, so that killing its process group at the
deadline also ends whatever it started.  posix_spawn where Python has it (3.8),
fork and exec otherwise (Python 3.6 on RHEL 8).
"""

import os
import select
import time

SIGKILL = 9          # the signal module would import enum
CHUNK = 65536


def executable(name, env):
    """The path of ``name`` on the PATH of ``env``; OSError(ENOENT) when absent."""
    if "/" in name:
        return name
    for directory in env.get("PATH", "").split(os.pathsep):
        candidate = os.path.join(directory, name)
        if directory and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    raise OSError(2, os.strerror(2), name)


def launch(argv, env, stdin=False, output=None):
    """Start ``argv`` with ``env`` in a new session; a Child.  Its output goes to the
    file descriptor ``output`` or, when None, to pipes the Child reads; with
    ``stdin`` it reads a pipe, else /dev/null.  OSError when it cannot start."""
    path = executable(argv[0], env)
    ends = []                                   # the child's ends, closed here after the start
    stdin_read, stdin_write = os.pipe() if stdin else (os.open(os.devnull, os.O_RDONLY), None)
    ends.append(stdin_read)
    if output is None:
        out_read, out_write = os.pipe()
        err_read, err_write = os.pipe()
        ends += [out_write, err_write]
    else:
        out_read = err_read = None
        out_write = err_write = output
    try:
        pid = spawn(path, argv, env, (stdin_read, out_write, err_write))
    except OSError:
        for fd in ends + [stdin_write, out_read, err_read]:
            if fd is not None:
                os.close(fd)
        raise
    for fd in ends:
        os.close(fd)
    return Child(pid, stdin_write, out_read, err_read)


def spawn(path, argv, env, fds):
    """Start ``path`` in a new session with ``fds`` as its stdin, stdout, stderr."""
    if hasattr(os, "posix_spawn"):       # Python 3.8 and later (the vermin check knows)
        actions = [(os.POSIX_SPAWN_DUP2, fd, target)  # novermin
                   for target, fd in enumerate(fds)]
        return os.posix_spawn(path, argv, env, file_actions=actions, setsid=True)  # novermin
    errors_read, errors_write = os.pipe()
    pid = os.fork()
    if pid == 0:                                 # the child: as little as possible until exec
        try:
            os.setsid()
            for target, fd in enumerate(fds):
                os.dup2(fd, target)
            os.execve(path, argv, env)
        except OSError as error:
            os.write(errors_write, str(error.errno).encode())
        os._exit(127)
    os.close(errors_write)
    failure = os.read(errors_read, 64)
    os.close(errors_read)
    if failure:
        os.waitpid(pid, 0)
        errno = int(failure)
        raise OSError(errno, os.strerror(errno), path)
    return pid


class Child(object):
    """A started command: its pipes and, once it ended, its exit status."""

    def __init__(self, pid, stdin, stdout, stderr):
        self.pid = pid
        self.stdin = stdin
        self.streams = (stdout, stderr)
        self.outputs = [fd for fd in self.streams if fd is not None]   # pipes still open
        self.chunks = dict((fd, []) for fd in self.outputs)
        self.status = None

    def feed(self, data):
        """Write ``data`` to its stdin and close it (small inputs: a pipe holds 64 KiB)."""
        if self.stdin is not None:
            try:
                os.write(self.stdin, data.encode())
            except OSError:
                pass                            # it exited without reading
            os.close(self.stdin)
            self.stdin = None

    def communicate(self, timeout):
        """Collect its output until it exits; False when ``timeout`` passed first (it
        is killed, with its process group)."""
        deadline = time.monotonic() + timeout
        while self.read(max(deadline - time.monotonic(), 0)) or not self.done():
            if time.monotonic() >= deadline:
                self.kill()
                return False
        return True

    def read(self, wait):
        """Read what is there (waiting up to ``wait`` s); True while a pipe is open."""
        if not self.outputs:
            time.sleep(min(wait, 0.05))
            return False
        ready = select.select(self.outputs, [], [], wait)[0]
        for fd in ready:
            data = os.read(fd, CHUNK)
            if data:
                self.chunks[fd].append(data)
            else:
                os.close(fd)
                self.outputs.remove(fd)
        return bool(self.outputs)

    def done(self):
        """Whether it exited (reaped)."""
        if self.status is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = status
        return self.status is not None

    def kill(self):
        try:
            os.killpg(self.pid, SIGKILL)
        except OSError:
            pass
        for fd in list(self.outputs):
            os.close(fd)
            self.outputs.remove(fd)
        if self.status is None:
            self.status = os.waitpid(self.pid, 0)[1]

    @property
    def returncode(self):
        """The exit code, or minus the signal that ended it, as subprocess reports."""
        if os.WIFSIGNALED(self.status):
            return -os.WTERMSIG(self.status)
        return os.WEXITSTATUS(self.status)

    def text(self, stream):
        """What it wrote to stdout (0) or stderr (1)."""
        data = b"".join(self.chunks.get(self.streams[stream], []))
        return data.decode("utf-8", "replace")
