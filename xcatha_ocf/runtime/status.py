"""OCF exit codes and the exceptions that end an action.

``ExitStatus`` is a plain int subclass rather than an IntEnum: importing enum
costs every monitor a few milliseconds, and Pacemaker starts an agent for every
monitor, forever.
"""


class ExitStatus(int):
    """An OCF exit code (OCF Resource Agent API 1.1, section "Return codes")."""

    __slots__ = ()

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

    @property
    def name(self):
        return NAMES.get(int(self), str(int(self)))

    def __repr__(self):
        return "<ExitStatus.%s: %d>" % (self.name, self)

    __str__ = int.__repr__


NAMES = dict((value, key) for key, value in vars(ExitStatus).items()
             if key.isupper() and isinstance(value, int))
for _code, _name in NAMES.items():
    setattr(ExitStatus, _name, ExitStatus(_code))


class OCFError(Exception):
    """Ends the current action with ``status`` and a one-line exit reason."""

    def __init__(self, status, reason):
        Exception.__init__(self, reason)
        self.status = ExitStatus(status)
        self.reason = reason


class CommandError(Exception):
    """A command run with ``check=True`` failed; ``result`` says how.  The action
    ends with OCF_ERR_GENERIC and the command's summary as the exit reason."""

    def __init__(self, result):
        Exception.__init__(self, result.summary())
        self.result = result
