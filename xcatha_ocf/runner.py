"""Runs commands and changes files for an agent: no shell, a timeout on every
command bounded by the operation's remaining time, output captured, every
command logged with its result, and a dry-run mode that prints each change
instead of making it.  Queries (``changes=False``) also run in dry-run mode,
so the printed plan reflects the real state of the host.
"""

import os
import sys

from xcatha_ocf.ocf import ExitStatus, OCFError

SAFE_PATH = "/usr/sbin:/usr/bin:/sbin:/bin:/usr/local/sbin:/usr/local/bin"


def quote(argv):
    """Render argv for a human, shell-style."""
    import shlex
    return " ".join(shlex.quote(arg) for arg in argv)


class Result(object):
    __slots__ = ("argv", "rc", "out", "err", "timed_out", "dry_run")

    def __init__(self, argv, rc, out="", err="", timed_out=False, dry_run=False):
        self.argv = argv
        self.rc = rc
        self.out = out
        self.err = err
        self.timed_out = timed_out
        self.dry_run = dry_run

    @property
    def ok(self):
        return self.rc == 0

    def summary(self):
        """One line saying how the command ended, for logs and exit reasons."""
        if self.timed_out:
            return "%s timed out" % quote(self.argv)
        detail = (self.err or self.out).strip().splitlines()
        tail = ": " + detail[-1] if detail else ""
        return "%s exited %s%s" % (quote(self.argv), self.rc, tail)


def command_environment():
    env = dict(os.environ)
    path = env.get("PATH", "")
    env["PATH"] = path + ":" + SAFE_PATH if path else SAFE_PATH
    env["LC_ALL"] = "C"
    return env


class Runner(object):
    """``Runner(op, logger)`` is callable: ``runner(["ip", "addr"], timeout=5)``."""

    def __init__(self, op, logger, out=None):
        self.op = op
        self.log = logger
        self.dry_run = op.dry_run
        self.out = out if out is not None else sys.stdout

    def __call__(self, argv, timeout=None, changes=True, check=False, stdin=None):
        argv = [str(arg) for arg in argv]
        if self.dry_run and changes:
            self.out.write("dry-run: would run: %s\n" % quote(argv))
            return Result(argv, 0, dry_run=True)
        result = self._execute(argv, self.op.budget(timeout), stdin)
        level = "info" if changes else "debug"
        self.log.log(level if result.ok else "warning", result.summary())
        if check and not result.ok:
            raise OCFError(ExitStatus.ERR_GENERIC, result.summary())
        return result

    def query(self, argv, timeout=None, check=False):
        """Run a command that changes nothing (it runs in dry-run mode too)."""
        return self(argv, timeout=timeout, changes=False, check=check)

    @staticmethod
    def _execute(argv, timeout, stdin):
        import subprocess  # costs ~10 ms: only actions that run commands pay it
        try:
            process = subprocess.Popen(
                argv, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=command_environment(),
                universal_newlines=True, start_new_session=True)
        except OSError as error:
            return Result(argv, 127, err="cannot run %s: %s" % (argv[0], error.strerror))
        try:
            out, err = process.communicate(stdin, timeout=timeout)
        except subprocess.TimeoutExpired:
            kill_group(process)
            out, err = process.communicate()
            return Result(argv, process.returncode, out, err, timed_out=True)
        return Result(argv, process.returncode, out, err)

    def background(self, argv):
        """Start a command that may outlive the action (gratuitous ARP); don't wait.
        Returns its PID, or None in dry-run mode or when it could not start."""
        import subprocess
        argv = [str(arg) for arg in argv]
        if self.dry_run:
            self.out.write("dry-run: would start in the background: %s\n" % quote(argv))
            return None
        try:
            process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL, env=command_environment(),
                                       start_new_session=True)
        except OSError as error:
            self.log.warning("cannot start %s: %s" % (quote(argv), error.strerror))
            return None
        self.log.info("started in the background (pid %d): %s" % (process.pid, quote(argv)))
        return process.pid

    def change(self, description, apply):
        """Make a change that is not a command (a mkdir, a rename) unless dry-running."""
        if self.dry_run:
            self.out.write("dry-run: would %s\n" % description)
            return None
        self.log.info(description)
        return apply()

    def replace_file(self, path, text, encoding=None, errors=None):
        """Replace ``path`` atomically with ``text``, keeping its owner, group and mode."""
        from xcatha_ocf import files
        if self.dry_run:
            self.out.write("dry-run: would rewrite %s:\n%s"
                           % (path, files.diff(path, text, encoding, errors)))
            return
        files.replace_atomically(path, text, encoding, errors)
        self.log.info("rewrote %s" % path)


def kill_group(process):
    """Kill a timed-out command together with anything it started."""
    import signal
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except OSError:
        process.kill()
