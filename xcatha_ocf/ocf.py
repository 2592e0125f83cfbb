"""The OCF Resource Agent API 1.1 runtime shared by every xcat agent.

An agent is a subclass of ``ResourceAgent`` that declares its parameters and
actions once; this module turns the declaration into meta-data, parses and
validates ``OCF_RESKEY_*`` from it, and dispatches the action named by the
first argument.  Everything here runs on every monitor, so it imports only
light standard-library modules (Python 3.6 and later).
"""

import os
import sys
import time
from enum import IntEnum

from xcatha_ocf import log


class ExitStatus(IntEnum):
    """OCF exit codes (OCF Resource Agent API 1.1, section "Return codes")."""

    SUCCESS = 0
    ERR_GENERIC = 1
    ERR_ARGS = 2
    ERR_UNIMPLEMENTED = 3
    ERR_PERM = 4
    ERR_INSTALLED = 5
    ERR_CONFIGURED = 6
    NOT_RUNNING = 7
    RUNNING_PROMOTED = 8
    FAILED_PROMOTED = 9
    DEGRADED = 190
    DEGRADED_PROMOTED = 191


class OCFError(Exception):
    """Ends the current action with ``status`` and a one-line exit reason."""

    def __init__(self, status, reason):
        Exception.__init__(self, reason)
        self.status = ExitStatus(status)
        self.reason = reason


TRUE_WORDS = ("1", "yes", "true", "on", "y")
FALSE_WORDS = ("0", "no", "false", "off", "n", "")


def parse_boolean(text):
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError("expected yes or no, got %r" % text)


def parse_integer(text):
    try:
        return int(text.strip())
    except ValueError:
        raise ValueError("expected a whole number, got %r" % text)


CONVERTERS = {"string": str, "integer": parse_integer, "boolean": parse_boolean}


class Parameter(object):
    """One instance attribute: documented, converted and checked from one declaration.

    ``check`` is an optional callable taking the converted value and returning
    the normalized value or raising ``ValueError`` with a message for the admin.
    """

    __slots__ = ("name", "type", "default", "required", "unique", "shortdesc",
                 "longdesc", "check", "minimum", "maximum")

    def __init__(self, name, type="string", default=None, required=False, unique=False,
                 shortdesc="", longdesc="", check=None, minimum=None, maximum=None):
        if type not in CONVERTERS:
            raise ValueError("unknown parameter type %r" % type)
        self.name = name
        self.type = type
        self.default = default
        self.required = required
        self.unique = unique
        self.shortdesc = shortdesc
        self.longdesc = longdesc or shortdesc
        self.check = check
        self.minimum = minimum
        self.maximum = maximum

    def parse(self, text):
        """Convert the raw environment text; raise ValueError naming the problem."""
        value = CONVERTERS[self.type](text)
        if self.minimum is not None and value < self.minimum:
            raise ValueError("must be at least %d" % self.minimum)
        if self.maximum is not None and value > self.maximum:
            raise ValueError("must be at most %d" % self.maximum)
        if self.check is not None:
            value = self.check(value)
        return value


class Action(object):
    """An action as advertised in meta-data (timeouts and intervals in seconds)."""

    __slots__ = ("name", "timeout", "interval", "depth")

    def __init__(self, name, timeout, interval=None, depth=None):
        self.name = name
        self.timeout = timeout
        self.interval = interval
        self.depth = depth


class Params(object):
    """Converted parameter values, read as attributes (``params.cidr_netmask``)."""

    def __init__(self, values):
        self.__dict__.update(values)

    def __repr__(self):
        return "Params(%r)" % self.__dict__


def read_params(parameters, environ):
    """Parse ``OCF_RESKEY_<name>`` for every declared parameter.

    Raises OCFError(ERR_CONFIGURED) naming the first missing or malformed one.
    """
    values = {}
    for param in parameters:
        raw = environ.get("OCF_RESKEY_" + param.name)
        if raw is None or (raw == "" and (param.required or param.type != "string")):
            if param.required:
                raise OCFError(ExitStatus.ERR_CONFIGURED,
                               "required parameter %s is not set" % param.name)
            raw = param.default
        if raw is None:
            values[param.name] = None
            continue
        try:
            values[param.name] = param.parse(raw)
        except ValueError as error:
            raise OCFError(ExitStatus.ERR_CONFIGURED,
                           "parameter %s=%r: %s" % (param.name, raw, error))
    return Params(values)


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
    ACTIONS and implement start, stop, monitor and validate.

    ``validate(full)`` checks the configuration: with ``full`` false only what
    can be checked without looking at the host (used by probes and stop).
    """

    NAME = None
    VERSION = None
    SHORTDESC = ""
    LONGDESC = ""
    PARAMETERS = ()
    ACTIONS = ()
    HANDLERS = ("start", "stop", "monitor", "validate-all")

    def __init__(self, params, op, runner, logger):
        self.params = params
        self.op = op
        self.run = runner
        self.log = logger

    def start(self):
        raise NotImplementedError

    def stop(self):
        raise NotImplementedError

    def monitor(self):
        raise NotImplementedError

    def validate(self, full=True):
        """Raise OCFError for a bad configuration; return None when it is fine."""

    @classmethod
    def declared_timeout(cls, action):
        """The meta-data timeout of ``action``: the budget when run by hand."""
        for declared in cls.ACTIONS:
            if declared.name == action:
                return float(declared.timeout)
        return Operation.DEFAULT_TIMEOUT

    def validate_all(self):
        self.validate(full=True)
        return ExitStatus.SUCCESS

    def dispatch(self, action):
        handler = {"start": self.start, "stop": self.stop, "monitor": self.monitor,
                   "validate-all": self.validate_all}[action]
        result = handler()
        return ExitStatus.SUCCESS if result is None else ExitStatus(result)


USAGE = "usage: %s {start|stop|monitor|validate-all|meta-data|usage} [--dry-run]\n"


def split_arguments(argv):
    """Return (action, dry_run) from the command line; action may be None."""
    words = [arg for arg in argv[1:] if arg != "--dry-run"]
    dry_run = len(words) != len(argv) - 1
    if words and words[0] in ("-h", "--help", "help"):
        return "usage", dry_run
    return (words[0] if words else None), dry_run


def dry_run_requested(environ, flag):
    return flag or parse_boolean_quiet(environ.get("XCATHA_DRY_RUN", ""))


def parse_boolean_quiet(text):
    try:
        return parse_boolean(text)
    except ValueError:
        return False


def main(agent_class, argv=None, environ=None):
    """Run one OCF action of ``agent_class`` and return its exit status."""
    argv = sys.argv if argv is None else argv
    environ = os.environ if environ is None else environ
    program = os.path.basename(argv[0]) if argv else agent_class.NAME
    action, dry_flag = split_arguments(argv)
    if action == "meta-data":
        from xcatha_ocf.metadata import render
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
    try:
        op = Operation(action, environ, dry_run=dry_run_requested(environ, dry_flag),
                       default_timeout=agent_class.declared_timeout(action))
        logger.instance = op.instance
        return run_action(agent_class, action, op, environ, logger)
    except OCFError as error:
        return fail(logger, error.status, error.reason)
    except KeyboardInterrupt:
        return fail(logger, ExitStatus.ERR_GENERIC, "interrupted")
    except Exception as error:  # a bug: one line for Pacemaker, details in the log
        logger.debug_traceback()
        return fail(logger, ExitStatus.ERR_GENERIC,
                    "internal error in %s %s: %s: %s"
                    % (agent_class.NAME, action, type(error).__name__, error))


def run_action(agent_class, action, op, environ, logger):
    from xcatha_ocf.runner import Runner
    try:
        params = read_params(agent_class.PARAMETERS, environ)
        agent = agent_class(params, op, Runner(op, logger), logger)
        status = agent.dispatch(action)
    except OCFError as error:
        if error.status != ExitStatus.ERR_CONFIGURED or not (action == "stop" or op.is_probe):
            raise
        # A resource with an unusable configuration cannot have been started: stop
        # succeeds (a failed stop would fence the node) and a probe finds it stopped.
        logger.warning("%s; reporting it as not running" % error.reason)
        return ExitStatus.SUCCESS if action == "stop" else ExitStatus.NOT_RUNNING
    logger.debug("%s %s returned %d (%s)" % (agent_class.NAME, action, status, status.name))
    return status


def fail(logger, status, reason):
    """Log the reason and hand it to Pacemaker as the exit reason."""
    level = "info" if status == ExitStatus.NOT_RUNNING else "error"
    logger.log(level, reason)
    sys.stderr.write("ocf-exit-reason:%s\n" % reason.replace("\n", " "))
    return status


def run_agent(agent_class):
    """Entry point for the launcher scripts in agents/."""
    sys.exit(int(main(agent_class)))
