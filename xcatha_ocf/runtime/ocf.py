"""The OCF Resource Agent API 1.1 runtime shared by every xcat agent.

An agent is a subclass of ``ResourceAgent`` that declares its parameters and
actions once; this module turns the declaration into meta-data, parses and
validates ``OCF_RESKEY_*`` from it, and dispatches the action named by the
first argument.  Everything here runs on every monitor, so it imports only
what is already loaded when Python starts with -IS: not even os, which costs a
monitor about 2 ms (a fifth of the interpreter's own start-up).  Functions that
only start, stop or validate-all reach import it themselves.  Python 3.6 and later.
"""

import sys
import time

from xcatha_ocf.runtime import log
from xcatha_ocf.runtime.params import TRUE_WORDS, read_params
from xcatha_ocf.runtime.status import CommandError, ExitStatus, OCFError


class Action(object):
    """An action as advertised in meta-data (timeouts and intervals in seconds)."""

    __slots__ = ("name", "timeout", "interval", "depth")

    def __init__(self, name, timeout, interval=None, depth=None):
        self.name = name
        self.timeout = timeout
        self.interval = interval
        self.depth = depth


class Operation(object):
    """What Pacemaker told us about the operation being run.

    ``deadline`` is the monotonic time at which Pacemaker gives up on the
    operation; ``remaining()`` lets long steps budget their time against it.
    """

    DEFAULT_TIMEOUT = 20.0
    MARGIN = 0.5

    def __init__(self, action, environ, dry_run=False, clock=time.monotonic,
                 default_timeout=DEFAULT_TIMEOUT):
        self.action = action
        self.clock = clock
        self.dry_run = dry_run
        self.interval_ms = self._milliseconds(environ, "OCF_RESKEY_CRM_meta_interval", 0)
        timeout_ms = self._milliseconds(environ, "OCF_RESKEY_CRM_meta_timeout", 0)
        self.timeout = timeout_ms / 1000.0 if timeout_ms > 0 else default_timeout
        self.deadline = clock() + self.timeout
        self.check_level = self._check_level(environ.get("OCF_CHECK_LEVEL", "0"))
        self.instance = environ.get("OCF_RESOURCE_INSTANCE", "")
        self.node = environ.get("OCF_RESKEY_CRM_meta_on_node", "")
        self.role = environ.get("OCF_RESKEY_CRM_meta_role", "")

    @staticmethod
    def _milliseconds(environ, key, default):
        try:
            return int(environ.get(key, default))
        except ValueError:
            return default

    @staticmethod
    def _check_level(text):
        try:
            return int(text)
        except ValueError:
            raise OCFError(ExitStatus.ERR_CONFIGURED, "OCF_CHECK_LEVEL=%r is not a number" % text)

    @property
    def is_probe(self):
        """A monitor with interval 0 is Pacemaker's one-off probe."""
        return self.action == "monitor" and self.interval_ms == 0

    @property
    def expects_stopped(self):
        """A probe or a role=Stopped monitor: Pacemaker does not run the resource here."""
        return self.is_probe or self.action == "monitor" and self.role == "Stopped"

    def remaining(self):
        """Seconds left before Pacemaker's timeout, less a safety margin."""
        return self.deadline - self.clock() - self.MARGIN

    def budget(self, wanted):
        """The smaller of ``wanted`` and the time left; OCFError when none is left."""
        left = self.remaining()
        if left <= 0:
            raise OCFError(ExitStatus.ERR_GENERIC,
                           "%s ran out of its %gs timeout" % (self.action, self.timeout))
        return left if wanted is None else min(wanted, left)


def find_binary(name, path=None):
    """Absolute path of an executable on PATH (or the standard dirs), else None.

    Honours ``OCF_TESTER_FAIL_HAVE_BINARY`` as ocf-tester uses it, so tests can
    prove that probes survive missing software.
    """
    import os
    if os.environ.get("OCF_TESTER_FAIL_HAVE_BINARY"):
        return None
    if os.sep in name:
        return name if os.access(name, os.X_OK) else None
    dirs = (path or os.environ.get("PATH") or "").split(os.pathsep)
    for directory in dirs + ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]:
        candidate = os.path.join(directory, name)
        if directory and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


class ResourceAgent(object):
    """Base class: subclasses declare NAME, SHORTDESC, LONGDESC, PARAMETERS and
    ACTIONS (start, stop and their monitors) and implement start, stop, monitor
    and validate.  The runtime supplies meta-data and validate-all.

    ``validate(full)`` checks the configuration: with ``full`` false only what
    can be checked without looking at the host (used by probes and stop).
    """

    NAME = None
    VERSION = None
    SHORTDESC = ""
    LONGDESC = ""
    PARAMETERS = ()
    ACTIONS = ()
    # What the runtime adds to ACTIONS unless an agent declares it itself.
    STANDARD_ACTIONS = (Action("validate-all", timeout=20), Action("meta-data", timeout=5))
    HANDLERS = ("start", "stop", "monitor", "validate-all")

    def __init__(self, params, op, runner, logger):
        self.params = params
        self.op = op
        self._runner = runner
        self.log = logger

    @property
    def run(self):
        """The command runner; made on first use, so a monitor that runs no command
        does not import it."""
        if self._runner is None:
            from xcatha_ocf.runtime.runner import Runner
            self._runner = Runner(dry_run=self.op.dry_run, log=self.log, budget=self.op.budget)
        return self._runner

    def start(self):
        raise NotImplementedError

    def stop(self):
        raise NotImplementedError

    def monitor(self):
        raise NotImplementedError

    def validate(self, full=True):
        """Raise OCFError for a bad configuration; return None when it is fine."""

    @classmethod
    def actions(cls):
        """Every action the meta-data advertises: the declared ones, then the standard ones."""
        declared = set(action.name for action in cls.ACTIONS)
        return tuple(cls.ACTIONS) + tuple(action for action in cls.STANDARD_ACTIONS
                                          if action.name not in declared)

    @classmethod
    def action(cls, name):
        """The first advertised action called ``name``; KeyError when there is none."""
        for action in cls.actions():
            if action.name == name:
                return action
        raise KeyError("%s declares no %s action" % (cls.NAME, name))

    @classmethod
    def monitors(cls):
        """The recurring monitors, shallowest first."""
        found = [a for a in cls.ACTIONS if a.name == "monitor" and a.interval]
        return sorted(found, key=lambda action: action.depth or 0)

    @classmethod
    def parameter(cls, name):
        """The declared Parameter called ``name``, or None."""
        for param in cls.PARAMETERS:
            if param.name == name:
                return param
        return None

    @classmethod
    def declared_timeout(cls, action):
        """The meta-data timeout of ``action``: the budget when run by hand."""
        try:
            return float(cls.action(action).timeout)
        except KeyError:
            return Operation.DEFAULT_TIMEOUT

    def validate_all(self):
        self.validate(full=True)
        return ExitStatus.SUCCESS

    def is_stray(self, recorded):
        """Whether what a monitor found here is a stray copy: a bind, an address or a
        service someone started by hand where Pacemaker does not run the resource, and
        no start ran here in this boot (no record).  Where Pacemaker runs it, a missing
        record (agents upgraded under it) must hide no failure."""
        return not recorded and self.op.expects_stopped

    def stray(self, reason):
        """Reporting a stray copy as running (not as failed) makes Pacemaker stop it here,
        where the resource must be stopped, without counting a failure against this node."""
        self.log.warning("%s, but this node did not start it in this boot: reporting it "
                         "running, so that the cluster stops it here" % reason)
        return ExitStatus.SUCCESS

    def dispatch(self, action):
        handler = {"start": self.start, "stop": self.stop, "monitor": self.monitor,
                   "validate-all": self.validate_all}[action]
        result = handler()
        return ExitStatus.SUCCESS if result is None else ExitStatus(result)


USAGE = "usage: %s {start|stop|monitor|validate-all|meta-data|usage} [--dry-run]\n"
EXIT_REASON_PREFIX = "ocf-exit-reason:"


def split_arguments(argv):
    """Return (action, dry_run) from the command line; action may be None."""
    words = [arg for arg in argv[1:] if arg != "--dry-run"]
    dry_run = len(words) != len(argv) - 1
    if words and words[0] in ("-h", "--help", "help"):
        return "usage", dry_run
    return (words[0] if words else None), dry_run


def dry_run_requested(environ, flag):
    return flag or environ.get("XCATHA_DRY_RUN", "").strip().lower() in TRUE_WORDS


def main(agent_class, argv=None, environ=None):
    """Run one OCF action of ``agent_class`` and return its exit status."""
    argv = sys.argv if argv is None else argv
    environ = process_environment() if environ is None else environ
    program = argv[0].rpartition("/")[2] if argv else agent_class.NAME
    action, dry_flag = split_arguments(argv)
    if action == "meta-data":
        from xcatha_ocf.runtime.metadata import render
        sys.stdout.write(render(agent_class))
        return ExitStatus.SUCCESS
    if action in ("usage", None):
        stream = sys.stdout if action == "usage" else sys.stderr
        stream.write(USAGE % program)
        return ExitStatus.SUCCESS if action == "usage" else ExitStatus.ERR_ARGS
    if action not in agent_class.HANDLERS:
        sys.stderr.write(USAGE % program)
        return ExitStatus.ERR_UNIMPLEMENTED

    logger = log.Logger(agent_class.NAME, environ)
    prefix = environ.get("OCF_EXIT_REASON_PREFIX") or EXIT_REASON_PREFIX
    try:
        op = Operation(action, environ, dry_run=dry_run_requested(environ, dry_flag),
                       default_timeout=agent_class.declared_timeout(action))
        logger.instance = op.instance
        return run_action(agent_class, action, op, environ, logger)
    except OCFError as error:
        return fail(logger, error.status, error.reason, prefix)
    except CommandError as error:
        return fail(logger, ExitStatus.ERR_GENERIC, str(error), prefix)
    except KeyboardInterrupt:
        return fail(logger, ExitStatus.ERR_GENERIC, "interrupted", prefix)
    except Exception as error:  # a bug: one line for Pacemaker, details in the log
        logger.debug_traceback()
        return fail(logger, ExitStatus.ERR_GENERIC,
                    "internal error in %s %s: %s: %s"
                    % (agent_class.NAME, action, type(error).__name__, error), prefix)


def process_environment():
    """The environment as os.environ gives it, read from posix without importing os."""
    import posix
    encoding, errors = sys.getfilesystemencoding(), sys.getfilesystemencodeerrors()
    return dict((key.decode(encoding, errors), value.decode(encoding, errors))
                for key, value in posix.environ.items())


def run_action(agent_class, action, op, environ, logger):
    if action == "start" and not op.dry_run:
        save_parameters(agent_class, op, environ, logger)
    try:
        status = run_with(agent_class, action, op, environ, logger)
    except OCFError as error:
        if error.status != ExitStatus.ERR_CONFIGURED or not (action == "stop" or op.expects_stopped):
            raise
        status = run_as_started(agent_class, action, op, environ, logger, error.reason)
    if action == "stop" and status == ExitStatus.SUCCESS and not op.dry_run:
        from xcatha_ocf.runtime import bootstate
        bootstate.remove(parameters_record(agent_class, op))
    logger.debug("%s %s returned %d (%s)" % (agent_class.NAME, action, status, status.name))
    return status


def run_with(agent_class, action, op, environ, logger):
    params = read_params(agent_class.PARAMETERS, environ)
    return agent_class(params, op, None, logger).dispatch(action)


def run_as_started(agent_class, action, op, environ, logger, reason):
    """A stop, or a monitor where Pacemaker does not run the resource (a probe, a
    role=Stopped monitor), given an unusable configuration (``reason``).  If the
    parameters changed since a start in this boot (pcs resource update, an upgrade
    that checks more), what runs here was started with the recorded ones: it runs with
    those.  Otherwise nothing can have been started: stop succeeds (a failed stop
    would fence the node) and the monitor finds it stopped."""
    started_with = started_parameters(agent_class, op, environ)
    if started_with is not None:
        logger.warning("%s; %s with the parameters of its start in this boot" % (reason, action))
        try:
            return run_with(agent_class, action, op, started_with, logger)
        except OCFError as error:
            if error.status != ExitStatus.ERR_CONFIGURED:
                raise
            reason = error.reason
    logger.warning("%s; reporting it as not running" % reason)
    return ExitStatus.SUCCESS if action == "stop" else ExitStatus.NOT_RUNNING


def parameters_record(agent_class, op):
    from xcatha_ocf.runtime import bootstate
    return bootstate.path("%s.%s.parameters" % (agent_class.NAME, op.instance or "-"))


def declared_values(agent_class, environ):
    """The OCF_RESKEY_* variables of ``agent_class``'s parameters that ``environ`` sets."""
    keys = ["OCF_RESKEY_" + param.name for param in agent_class.PARAMETERS]
    return dict((key, environ[key]) for key in keys if key in environ)


def save_parameters(agent_class, op, environ, logger):
    """Record the parameters a start runs with, for a stop or monitor given unusable
    ones (run_as_started)."""
    from xcatha_ocf.runtime import bootstate, files
    try:
        bootstate.save(parameters_record(agent_class, op), declared_values(agent_class, environ))
    except (OSError, ValueError, files.FileChangeError) as error:   # a multi-line value, no /run
        logger.warning("cannot record the parameters of this start: %s" % error)


def started_parameters(agent_class, op, environ):
    """``environ`` with the parameters of this boot's start in place of its own, or None
    when there was no such start or it ran with these very parameters."""
    from xcatha_ocf.runtime import bootstate
    recorded = bootstate.load(parameters_record(agent_class, op))
    current = declared_values(agent_class, environ)
    if recorded is None or recorded == current:
        return None
    others = dict((key, value) for key, value in environ.items() if key not in current)
    others.update(recorded)
    return others


def fail(logger, status, reason, prefix=EXIT_REASON_PREFIX):
    """Log the reason and hand it to Pacemaker as the exit reason."""
    level = {ExitStatus.NOT_RUNNING: "info", ExitStatus.DEGRADED: "warning"}.get(status, "error")
    logger.log(level, reason)
    sys.stderr.write("%s%s\n" % (prefix, reason.replace("\n", " ")))
    return status


def run_agent(agent_class):
    """Entry point for the launcher scripts in agents/."""
    sys.exit(int(main(agent_class)))
