"""The xCAT service stack as data: which systemd units play which role on each
distribution, and the ordered plans that start and stop them.

Everything here is pure: the xcat-services agent asks systemd once for the
state of every candidate unit, then these functions decide what to run, and
an executor in the agent runs the steps.  Tests assert plans and commands
without a host.
"""

from xcatha_ocf.runtime import distro
from xcatha_ocf.runtime.xcat import XCATD_PORT

DATABASE, XCATD, DNS, DHCP, TIME, CONSOLE = "database", "xcatd", "dns", "dhcp", "time", "console"
ROLES = (DATABASE, XCATD, DNS, DHCP, TIME, CONSOLE)
CONSERVER, GOCONSERVER = "conserver", "goconserver"
# The roles the stack starts and stops, in start order.  The time service is not one:
# both nodes keep their clocks in sync all the time; it is only checked.
MANAGED = (DATABASE, XCATD, DNS, DHCP, CONSERVER, GOCONSERVER)
CONSOLE_CHOICES = ("auto", CONSERVER, GOCONSERVER, "none")
MAKEDNS, MAKEDHCP, MAKECONSOLE, MGTIFNAME = "makedns", "makedhcp", "makeconservercf", "mgtifname"
REGENERATIONS = (MAKEDNS, MAKEDHCP, MAKECONSOLE)
UNIT_TIMEOUT = 120      # systemctl start/stop of one unit (systemd's own default is 90 s)
READY_TIMEOUT = 120     # waiting for PostgreSQL or xcatd to answer
UNIT_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789:-_.@\\")

# role -> candidate unit names, preferred first; consoles by kind.
_RHEL_UNITS = {
    DATABASE: ["postgresql"], XCATD: ["xcatd"], DNS: ["named"], DHCP: ["dhcpd"],
    TIME: ["chronyd", "ntpd"], CONSERVER: ["conserver"], GOCONSERVER: ["goconserver"],
}
CANDIDATES = {
    distro.RHEL: _RHEL_UNITS,
    distro.SUSE: _RHEL_UNITS,
    distro.DEBIAN: {
        DATABASE: ["postgresql"], XCATD: ["xcatd"], DNS: ["named"], DHCP: ["isc-dhcp-server"],
        TIME: ["chrony", "ntpsec", "ntp"], CONSERVER: ["conserver-server"],
        GOCONSERVER: ["goconserver"],
    },
}

# How a name given in the services parameter tells its role.
ROLE_OF_NAME = (
    (DATABASE, ("postgresql",)), (XCATD, ("xcatd",)), (DNS, ("named", "bind9")),
    (DHCP, ("dhcpd", "isc-dhcp-server", "dhcp")),
    (TIME, ("chronyd", "chrony", "ntpd", "ntpsec", "ntp")),
    (GOCONSERVER, ("goconserver",)), (CONSERVER, ("conserver", "conserver-server")),
)


def base_name(unit):
    return unit[:-len(".service")] if unit.endswith(".service") else unit


def role_of_unit(unit):
    """The role a unit name plays (conserver/goconserver for consoles), or None."""
    name = base_name(unit)
    for role, names in ROLE_OF_NAME:
        if name in names or (role == DATABASE and name.startswith("postgresql@")):
            return role
    return None


def parse_services(text):
    """``services`` parameter -> {role: unit}; words are UNIT or ROLE=UNIT."""
    units = {}
    for word in text.replace(",", " ").split():
        role, sep, unit = word.partition("=")
        if not sep:
            unit, role = word, role_of_unit(word)
            if role is None:
                raise ValueError("cannot tell the role of %s: write ROLE=%s with ROLE one of %s"
                                 % (word, word, ", ".join(ROLES)))
        elif role not in ROLES:
            raise ValueError("unknown role %r (one of %s)" % (role, ", ".join(ROLES)))
        elif role == CONSOLE:
            role = GOCONSERVER if "goconserver" in unit else CONSERVER
        if not unit or not set(unit) <= UNIT_CHARACTERS:
            raise ValueError("%r is not a unit name" % unit)
        if role in units:
            raise ValueError("two units for the %s role: %s and %s" % (role, units[role], unit))
        units[role] = unit
    if CONSERVER in units and GOCONSERVER in units:
        raise ValueError("conserver and goconserver cannot both run: list only one")
    return units


def parse_regenerate(text):
    """``regenerate`` parameter -> frozenset of REGENERATIONS."""
    words = text.replace(",", " ").split()
    if words == ["none"]:
        return frozenset()
    chosen = set()
    for word in words:
        word = MAKECONSOLE if word == "makegocons" else word
        if word not in REGENERATIONS:
            raise ValueError("%r is not one of %s" % (word, ", ".join(REGENERATIONS)))
        chosen.add(word)
    return frozenset(chosen)


def candidate_units(family, override=None, database_instance=None):
    """Every unit name worth asking systemd about, in role order."""
    table = CANDIDATES.get(family, _RHEL_UNITS)
    names = []
    for role in ROLES[:-1] + (CONSERVER, GOCONSERVER):
        if override:
            names += [override[role]] if role in override else []
            continue
        if role == DATABASE and database_instance:
            names.append(database_instance)
        names += table[role]
    return names


def resolve_units(family, loaded, override=None, console="auto", database_instance=None):
    """{role: unit} for this host; consoles as CONSERVER/GOCONSERVER keys.

    ``loaded`` is the set of unit names systemd knows.  A role none of whose
    candidates is installed maps to its preferred name, so that start fails
    naming it and monitor reports it as not running.
    """
    if override:
        units = dict(override)
    else:
        table = CANDIDATES.get(family, _RHEL_UNITS)
        units = {}
        for role in (DATABASE, XCATD, DNS, DHCP, TIME, CONSERVER, GOCONSERVER):
            names = table[role]
            if role == DATABASE and database_instance:
                names = [database_instance] + names
            units[role] = next((name for name in names if name in loaded), names[0])
    return select_console(units, loaded, console, listed=bool(override))


def select_console(units, loaded, console, listed=False):
    """Keep the console units ``console`` asks for.  auto keeps the installed ones
    (both: the site table decides at start; none: no console service), or what
    the services parameter lists (``listed``)."""
    if console == "none":
        kinds = ()
    elif console in (CONSERVER, GOCONSERVER):
        kinds = (console,)
    elif listed:
        kinds = (CONSERVER, GOCONSERVER)
    else:
        kinds = tuple(kind for kind in (CONSERVER, GOCONSERVER) if units.get(kind) in loaded)
    for kind in (CONSERVER, GOCONSERVER):
        if kind not in kinds:
            units.pop(kind, None)
    return units


def ordered_units(units):
    """The managed units (no time service), in start order."""
    return [units[role] for role in MANAGED if role in units]


class Step(object):
    """One step of a plan.

    kind: "run" (argv), "makedns" (argv, when xCAT's site.domain is set), "start" /
    "stop" (unit), "wait-database", "wait-xcatd",
    "mgtifname" (label), "console-auto" (choose from xCAT's site table, then
    run the chosen console's steps), "parallel" (branches: lists of steps).
    ``record`` names the regeneration the step completes; ``fatal`` false makes
    a failure a warning.
    """

    __slots__ = ("kind", "argv", "unit", "timeout", "record", "fatal", "branches", "label", "port")

    def __init__(self, kind, argv=None, unit=None, timeout=None, record=None, fatal=True,
                 branches=None, label=None, port=None):
        self.kind = kind
        self.argv = argv
        self.unit = unit
        self.timeout = timeout
        self.record = record
        self.fatal = fatal
        self.branches = branches
        self.label = label
        self.port = port

    def describe(self):
        if self.kind in ("run", "makedns"):
            return " ".join(self.argv)
        if self.kind in ("start", "stop"):
            return "systemctl %s %s" % (self.kind, self.unit)
        if self.kind == "wait-database":
            return "wait until %s accepts connections (pg_isready)" % self.unit
        if self.kind == "wait-xcatd":
            return "wait until xcatd answers on port %d" % self.port
        if self.kind == "mgtifname":
            return "set networks.mgtifname=%s on the xCAT network of that interface" % self.label
        if self.kind == "console-auto":
            return "start the console service that site.consoleservice names"
        return "in parallel: " + " | ".join(
            ", ".join(step.describe() for step in branch) for branch in self.branches)

    def __repr__(self):
        return "<Step %s>" % self.describe()


class Settings(object):
    """What the plan depends on besides the units (the agent's parameters)."""

    def __init__(self, regenerate=REGENERATIONS, parallel=False, mgtifname="", xcatd_port=XCATD_PORT,
                 makedns_timeout=900, makedhcp_timeout=900, console_timeout=600):
        self.regenerate = frozenset(regenerate)
        self.parallel = parallel
        self.mgtifname = mgtifname
        self.xcatd_port = xcatd_port
        self.makedns_timeout = makedns_timeout
        self.makedhcp_timeout = makedhcp_timeout
        self.console_timeout = console_timeout


def start_unit(unit, active):
    return [] if unit in active else [Step("start", unit=unit, timeout=UNIT_TIMEOUT)]


def regenerate(settings, name, done):
    return name in settings.regenerate and name not in done


def dns_steps(units, settings, active, done):
    if DNS not in units:
        return []
    steps = []
    if regenerate(settings, MAKEDNS, done):
        steps.append(Step("makedns", ["makedns", "-n"], timeout=settings.makedns_timeout,
                          record=MAKEDNS))
    return steps + start_unit(units[DNS], active)


def dhcp_steps(units, settings, active, done):
    """makedhcp -n first: dhcpd refuses to start without a subnet for its network."""
    if DHCP not in units:
        return []
    if not regenerate(settings, MAKEDHCP, done):
        return start_unit(units[DHCP], active)
    timeout = settings.makedhcp_timeout
    return ([Step("run", ["makedhcp", "-n"], timeout=timeout)]
            + start_unit(units[DHCP], active)
            + [Step("run", ["makedhcp", "-a"], timeout=timeout, record=MAKEDHCP, fatal=False)])


def console_steps(kind, unit, settings, active, done):
    """conserver needs its configuration before it starts (it exits with no
    consoles); makegocons talks to a running goconserver."""
    if not regenerate(settings, MAKECONSOLE, done):
        return start_unit(unit, active)
    if kind == CONSERVER:
        return [Step("run", ["makeconservercf"], timeout=settings.console_timeout,
                     record=MAKECONSOLE)] + start_unit(unit, active)
    return start_unit(unit, active) + [
        Step("run", ["makegocons"], timeout=settings.console_timeout, record=MAKECONSOLE)]


def start_plan(units, settings, active=(), done=(), enabled=()):
    """The ordered steps that bring the stack up.

    units: {role: unit} from resolve_units; active: units already running;
    done: regenerations already made in this boot for this configuration (the
    caller only counts those whose service is still running); enabled: units
    to disable at boot first.
    """
    active = set(active)
    steps = []
    if enabled:
        steps.append(Step("run", ["systemctl", "disable"] + list(enabled), timeout=UNIT_TIMEOUT))
    if DATABASE in units:
        steps += start_unit(units[DATABASE], active)
        steps.append(Step("wait-database", unit=units[DATABASE], timeout=READY_TIMEOUT))
    if XCATD in units:
        steps += start_unit(units[XCATD], active)
        steps.append(Step("wait-xcatd", unit=units[XCATD], timeout=READY_TIMEOUT,
                          port=settings.xcatd_port))
        if settings.mgtifname != "none" and MGTIFNAME not in done:
            steps.append(Step("mgtifname", label=settings.mgtifname, record=MGTIFNAME,
                              fatal=False))
    dns = dns_steps(units, settings, active, done)
    dhcp = dhcp_steps(units, settings, active, done)
    regenerating = [any(step.kind in ("run", "makedns") for step in side) for side in (dns, dhcp)]
    if settings.parallel and all(regenerating):
        steps.append(Step("parallel", branches=[dns, dhcp]))
    else:
        steps += dns + dhcp
    consoles = [kind for kind in (CONSERVER, GOCONSERVER) if kind in units]
    if len(consoles) == 2:
        steps.append(Step("console-auto"))
    elif consoles:
        steps += console_steps(consoles[0], units[consoles[0]], settings, active, done)
    return steps


def stop_plan(units, running):
    """Stop every unit that is not already down, in the reverse of start order."""
    return [Step("stop", unit=unit, timeout=UNIT_TIMEOUT)
            for unit in reversed(ordered_units(units)) if unit in running]


def boot_units(units, family):
    """Units whose enablement would start the stack at boot.  On Debian the
    postgresql umbrella unit starts every cluster, so it counts with an instance."""
    names = ordered_units(units)
    database = units.get(DATABASE, "")
    if family == distro.DEBIAN and database.startswith("postgresql@"):
        names.insert(0, "postgresql")
    return names
