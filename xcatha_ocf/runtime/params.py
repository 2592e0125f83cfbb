"""Instance parameters: declared once per agent, and from that one declaration
documented in the meta-data, converted from ``OCF_RESKEY_*`` and checked."""

from xcatha_ocf.runtime.status import ExitStatus, OCFError

TRUE_WORDS = ("1", "yes", "true", "on", "y")
FALSE_WORDS = ("0", "no", "false", "off", "n")


def parse_boolean(text):
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError("expected yes or no (true, false, 1, 0, on, off), got %r" % text)


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
    An integer parameter must declare its range (``minimum`` and ``maximum``).
    """

    __slots__ = ("name", "type", "default", "required", "unique", "shortdesc",
                 "longdesc", "check", "minimum", "maximum")

    def __init__(self, name, type="string", default=None, required=False, unique=False,
                 shortdesc="", longdesc="", check=None, minimum=None, maximum=None):
        if type not in CONVERTERS:
            raise ValueError("unknown parameter type %r" % type)
        if type == "integer" and (minimum is None or maximum is None):
            raise ValueError("integer parameter %s needs a minimum and a maximum" % name)
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

    def is_unset(self, raw):
        """No value given: absent, or empty (for numbers and booleans, only spaces)."""
        if raw is None:
            return True
        if self.type != "string":
            return raw.strip() == ""
        return raw == "" and self.required


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
        if param.is_unset(raw):
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
