"""The one command runner of xcatha-ocf: agents, operator commands, the
configuration generator and the lab run processes through ``Runner`` (but for
``xcatha shared init``'s copy, which takes as long as the data needs).

A Runner decides *whether* and *how long*: no shell, a timeout on every command
(bounded by the operation's remaining time in an agent), every command logged
with its result when a logger is given, and a dry-run mode that prints each
change instead of making it.  Queries (``query``, or ``changes=False``) also run
in dry-run mode, so a printed plan reflects the real state of the host.

An Executor does the running: ``LocalExecutor`` on this host, or a wrapper such
as an ssh executor for a peer.  Tests inject a fake executor and keep the
real Runner, so dry-run and timeout handling are what production runs.
"""

import os
import sys

from xcatha_ocf.runtime.status import CommandError

SAFE_PATH = "/usr/sbin:/usr/bin:/sbin:/bin:/usr/local/sbin:/usr/local/bin"
DEFAULT_TIMEOUT = 30


SAFE_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                            "0123456789@%+=:,./-_")


def quote(argv):
    """Render argv for a human, shell-style (as shlex.quote, which imports re)."""
    return " ".join(arg if arg and set(arg) <= SAFE_CHARACTERS
                    else "'" + arg.replace("'", "'\"'\"'") + "'" for arg in argv)


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


def command_environment(overlay=None):
    """The caller's environment with ``overlay`` on top, the system directories
    at the end of PATH and the C locale."""
    env = dict(os.environ)
    env.update(overlay or {})
    path = env.get("PATH", "")
    env["PATH"] = path + ":" + SAFE_PATH if path else SAFE_PATH
    env["LC_ALL"] = "C"
    return env


class Finished(object):
    """Handle of a command that already ended (dry-run, or it could not start)."""

    def __init__(self, result):
        self.result = result

    def poll(self):
        return self.result

    def kill(self):
        pass


class Running(object):
    """Handle of a command started with ``Runner.start``."""

    def __init__(self, argv, child):
        self.argv = argv
        self.child = child

    def poll(self):
        """None while the command runs, then its Result."""
        self.child.read(0)                      # keeps its pipes from filling up
        if not self.child.done():
            return None
        self.child.communicate(10)
        return result_of(self.argv, self.child)

    def kill(self):
        self.child.kill()


def result_of(argv, child, timed_out=False):
    return Result(argv, child.returncode, child.text(0), child.text(1), timed_out)


def cannot_run(argv, error):
    return Result(argv, 127, err="cannot run %s: %s" % (argv[0], error.strerror))


class LocalExecutor(object):
    """Runs commands on this host, each in its own session so that a timeout
    kills the command together with anything it started (runtime.process)."""

    def describe(self, argv):
        return quote(argv)

    def run(self, argv, timeout, stdin=None, env=None):
        from xcatha_ocf.runtime import process
        try:
            child = process.launch(argv, command_environment(env), stdin=stdin is not None)
        except OSError as error:
            return cannot_run(argv, error)
        child.feed(stdin or "")
        finished = child.communicate(timeout)
        return result_of(argv, child, timed_out=not finished)

    def start(self, argv, env=None):
        from xcatha_ocf.runtime import process
        try:
            return Running(argv, process.launch(argv, command_environment(env)))
        except OSError as error:
            return Finished(cannot_run(argv, error))

    def spawn(self, argv, env=None, output=None):
        """Start a detached command, its output appended to the file ``output`` (None:
        discarded); its PID (OSError if it cannot start)."""
        from xcatha_ocf.runtime import process
        sink = os.open(output or os.devnull, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            return process.launch(argv, command_environment(env), output=sink).pid
        finally:
            os.close(sink)


class Runner(object):
    """``runner(["ip", "addr"], timeout=5)`` runs a command that changes something;
    ``runner.query(...)`` one that does not.

    ``budget(wanted)`` turns a requested timeout (None: as long as allowed) into
    the one to use; an agent passes its operation's budget, which also ends the
    action when no time is left.  ``log`` is an agent's logger, or None.
    ``env`` is added to every command's environment.
    """

    def __init__(self, executor=None, dry_run=False, out=None, log=None, budget=None, env=None):
        self.executor = executor or LocalExecutor()
        self.dry_run = dry_run
        self.out = out if out is not None else sys.stdout
        self.log = log
        self.budget = budget or default_budget
        self.env = env or {}

    def with_env(self, env):
        """A runner like this one whose commands also get ``env``."""
        merged = dict(self.env)
        merged.update(env)
        return Runner(self.executor, self.dry_run, self.out, self.log, self.budget, merged)

    def __call__(self, argv, timeout=None, changes=True, check=False, stdin=None):
        argv = [str(arg) for arg in argv]
        if self.dry_run and changes:
            return self.pretend(argv)
        result = self.executor.run(argv, self.budget(timeout), stdin, self.env)
        if self.log is not None:
            level = "info" if changes else "debug"
            self.log.log(level if result.ok else "warning", result.summary())
        if check and not result.ok:
            raise CommandError(result)
        return result

    def query(self, argv, timeout=None, check=False, stdin=None):
        """Run a command that changes nothing (it runs in dry-run mode too)."""
        return self(argv, timeout=timeout, changes=False, check=check, stdin=stdin)

    def pretend(self, argv):
        self.out.write("dry-run: would run: %s\n" % self.executor.describe(argv))
        return Result(argv, 0, dry_run=True)

    def start(self, argv):
        """Start a long command that changes something and return its handle
        (``poll()``, ``kill()``); the caller watches it end."""
        argv = [str(arg) for arg in argv]
        if self.dry_run:
            return Finished(self.pretend(argv))
        return self.executor.start(argv, self.env)

    def background(self, argv, output=None):
        """Start a command that may outlive the action (gratuitous ARP, a daemon);
        don't wait.  Its output goes to the file ``output`` (None: nowhere).
        Returns its PID, or None in dry-run mode or when it could not start."""
        argv = [str(arg) for arg in argv]
        if self.dry_run:
            self.out.write("dry-run: would start in the background: %s\n" % quote(argv))
            return None
        try:
            pid = self.executor.spawn(argv, self.env, output)
        except OSError as error:
            self.note("warning", "cannot start %s: %s" % (quote(argv), error.strerror))
            return None
        self.note("info", "started in the background (pid %d): %s" % (pid, quote(argv)))
        return pid

    def change(self, description, apply):
        """Make a change that is not a command (a mkdir, a rename) unless dry-running."""
        if self.dry_run:
            self.out.write("dry-run: would %s\n" % description)
            return None
        self.note("info", description)
        return apply()

    def replace_files(self, changes, encoding=None, errors=None):
        """Replace each (path, text) of ``changes`` atomically, all of them or none
        (files.FileChangeError names the file that could not be written)."""
        from xcatha_ocf.runtime import files
        if self.dry_run:
            for path, text in changes:
                self.out.write("dry-run: would rewrite %s:\n%s"
                               % (path, files.diff(path, text, encoding, errors)))
            return
        files.replace_together(changes, encoding, errors)
        for path, _ in changes:
            self.note("info", "rewrote %s" % path)

    def note(self, level, message):
        if self.log is not None:
            self.log.log(level, message)


def default_budget(wanted):
    return DEFAULT_TIMEOUT if wanted is None else wanted


