"""Command runners for the operator commands.

A runner is called as ``runner(argv, timeout=30, changes=False)`` and returns a
``runner.Result``; ``runner.start(argv)`` starts a long command (a move that
waits for the cluster) and returns a handle whose ``poll()`` gives None while it
runs and the Result once it ended.  With ``dry_run`` every command that changes
something is printed instead of run; queries still run, so a dry-run plans from
the real state of the cluster.
"""

import os
import shlex
import subprocess
import sys

from xcatha_ocf.runner import Result, command_environment, quote


class Finished(object):
    """Handle of a command that already ended (dry-run, or a test double)."""

    def __init__(self, result):
        self.result = result

    def poll(self):
        return self.result

    def kill(self):
        pass


class Running(object):
    def __init__(self, argv, process):
        self.argv = argv
        self.process = process

    def poll(self):
        if self.process.poll() is None:
            return None
        out, err = self.process.communicate()
        return Result(self.argv, self.process.returncode, out, err)

    def kill(self):
        self.process.kill()
        self.process.communicate()


class CommandRunner(object):
    """Runs commands on this host."""

    def __init__(self, dry_run=False, out=None, env=None):
        self.dry_run = dry_run
        self.out = out if out is not None else sys.stdout
        self.env = env

    def describe(self, argv):
        return quote(argv)

    def __call__(self, argv, timeout=30, changes=False):
        argv = [str(arg) for arg in argv]
        if self.dry_run and changes:
            return self._pretend(argv)
        try:
            process = self._popen(argv)
        except OSError as error:
            return Result(argv, 127, err="cannot run %s: %s" % (argv[0], error.strerror))
        try:
            out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            out, err = process.communicate()
            return Result(argv, process.returncode, out, err, timed_out=True)
        return Result(argv, process.returncode, out, err)

    def start(self, argv):
        argv = [str(arg) for arg in argv]
        if self.dry_run:
            return Finished(self._pretend(argv))
        try:
            return Running(argv, self._popen(argv))
        except OSError as error:
            return Finished(Result(argv, 127, err="cannot run %s: %s" % (argv[0], error.strerror)))

    def _pretend(self, argv):
        self.out.write("dry-run: would run: %s\n" % self.describe(argv))
        return Result(argv, 0, dry_run=True)

    def _popen(self, argv):
        env = command_environment()
        env.update(self.env or {})
        return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=env, universal_newlines=True,
                                start_new_session=True)


class SshRunner(CommandRunner):
    """Runs commands on another node as root over ssh, without prompting."""

    def __init__(self, host, dry_run=False, out=None, ssh="ssh"):
        CommandRunner.__init__(self, dry_run, out)
        self.host = host
        self.ssh = ssh

    def describe(self, argv):
        return "ssh %s %s" % (self.host, quote(argv))

    def _popen(self, argv):
        remote = " ".join(shlex.quote(arg) for arg in argv)
        return CommandRunner._popen(self, [
            self.ssh, "-o", "BatchMode=yes", "-o", "ConnectTimeout=5", "-l", "root",
            self.host, "--", remote])


def have(binary):
    """True when ``binary`` is on PATH (or the admin's usual sbin directories)."""
    import shutil
    return shutil.which(binary, path=command_environment()["PATH"]) is not None


def tcp_connect(host, port, timeout=3.0):
    """None when a TCP connection to host:port succeeds, else the error text."""
    import socket
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as error:
        return error.strerror or str(error)
    return None


def on_terminal(stream):
    return hasattr(stream, "isatty") and stream.isatty() and os.environ.get("TERM") != "dumb"
