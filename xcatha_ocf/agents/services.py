"""xcat-services: the xCAT service stack of the management-node HA procedure.

Start brings up PostgreSQL, xcatd, DNS, DHCP and the console server in the
documented order (the time service runs on both nodes, outside the group),
waiting for PostgreSQL and xcatd to answer, sets the networks table's
mgtifname to the virtual IP's label and regenerates DNS, DHCP and console
configuration (makedns -n, makedhcp -n, makedhcp -a, makeconservercf or
makegocons), every step bounded by the operation's remaining time.  What was regenerated in this boot for this configuration is
recorded under /run, so starting a running stack redoes nothing expensive.
Stop runs in reverse and keeps going past failures.  The plans are built by
xcatha_ocf.runtime.servicestack; systemd is read through runtime.systemd and
xCAT through runtime.xcat; this module runs the plans.
"""

import os
import time

from xcatha_ocf.runtime import bootstate, checks, distro, netif, xcat
from xcatha_ocf.runtime import servicestack as stack
from xcatha_ocf.runtime.ocf import Action, ResourceAgent, find_binary
from xcatha_ocf.runtime.params import Parameter
from xcatha_ocf.runtime.status import CommandError, ExitStatus, OCFError
from xcatha_ocf.runtime.systemd import SystemdUnavailable, Units

POLL_SECONDS = 1.0
LIVENESS_TIMEOUT = 5   # seconds PostgreSQL and xcatd get to answer a monitor
PG_ISREADY = {1: "rejects connections (starting or shutting down)",
              2: "does not answer within SECONDS s (hung?)",
              3: "was not asked: pg_isready could not try to connect"}
DEBIAN_CLUSTERS = "/etc/postgresql"    # Debian's postgresql-common: VERSION/NAME per cluster
REGENERATION_ROLE = {stack.MAKEDNS: stack.DNS, stack.MAKEDHCP: stack.DHCP,
                     stack.MGTIFNAME: stack.XCATD}


def own_addresses(found):
    """This node's own IPv4 addresses: not loopback, not on an alias label such as
    eth0:0 (the virtual IP)."""
    return set(address for label, address, _ in found
               if ":" not in label and not address.startswith("127."))


class StepSkipped(Exception):
    """A step that does not apply here; the message says why, as a warning."""


def check_services(text):
    stack.parse_services(text)
    return text


def check_regenerate(text):
    return stack.parse_regenerate(text)


def database_instance(family):
    """postgresql@VER-main for the newest Debian cluster named main, if any."""
    if family != distro.DEBIAN:
        return None
    try:
        versions = [name for name in os.listdir(DEBIAN_CLUSTERS)
                    if os.path.isdir(os.path.join(DEBIAN_CLUSTERS, name, "main"))]
    except OSError:
        return None
    versions.sort(key=lambda v: [int(part) if part.isdigit() else 0 for part in v.split(".")])
    return "postgresql@%s-main" % versions[-1] if versions else None


class Services(ResourceAgent):
    NAME = "xcat-services"
    SHORTDESC = "The xCAT service stack: PostgreSQL, xcatd, DNS, DHCP, console"
    LONGDESC = (
        "Starts postgresql, xcatd, named, the DHCP server and conserver or "
        "goconserver in the order of xCAT's management-node HA procedure, waits for PostgreSQL "
        "and xcatd to answer, sets networks.mgtifname to the virtual IP's label and regenerates "
        "DNS, DHCP and console configuration (makedns -n, makedhcp -n, makedhcp -a, "
        "makeconservercf or makegocons). Unit names follow the distribution. What was "
        "regenerated in this boot is recorded in /run/xcatha/INSTANCE.state, so starting a "
        "running stack redoes nothing expensive. Stop stops the units in reverse order and "
        "reports every failure. The time service (chrony or ntpd) is not part of the stack: "
        "both nodes keep their clocks in sync all the time, so it is never stopped or "
        "disabled, and start only warns when it does not run. Monitor depth 0 asks systemd about the units and then "
        "whether PostgreSQL (pg_isready) and xcatd (a TLS handshake on its port) answer "
        "within 5 s each, so a hung postmaster or xcatd, whose port stays open, fails it; "
        "depth 20 runs lsxcatd -a, a round trip through xcatd to its database.")
    PARAMETERS = (
        Parameter("services", default="", check=check_services,
                  shortdesc="Units to manage (override)",
                  longdesc="Space-separated systemd units replacing the detected ones, as UNIT or "
                           "ROLE=UNIT with ROLE one of database, xcatd, dns, dhcp, time, console "
                           "(for example 'postgresql@15-main xcatd named dhcp=kea-dhcp4-server "
                           "chrony'). They always run in role order; a role left out is not "
                           "managed; the time unit is only checked. Empty: detected per "
                           "distribution (RHEL/SLES postgresql, xcatd, named, dhcpd, chronyd or "
                           "ntpd; Debian/Ubuntu postgresql@VER-main or postgresql, xcatd, named, "
                           "isc-dhcp-server, chrony or ntpsec)."),
        Parameter("console", default="auto", check=checks.one_of(*stack.CONSOLE_CHOICES),
                  shortdesc="Console service: auto, conserver, goconserver or none",
                  longdesc="Which console server to run, never both. auto: the one installed; "
                           "when both are, the one xCAT's site.consoleservice names (conserver "
                           "when unset); when neither is, none."),
        Parameter("regenerate", default="makedns makedhcp makeconservercf", check=check_regenerate,
                  shortdesc="Configuration to regenerate on start",
                  longdesc="Space-separated subset of makedns (makedns -n), makedhcp (makedhcp -n "
                           "and makedhcp -a) and makeconservercf (makeconservercf, or makegocons "
                           "for goconserver); 'none' for none."),
        Parameter("makedns_timeout", type="integer", default="900", minimum=1, maximum=86400,
                  shortdesc="Seconds allowed for makedns -n",
                  longdesc="Seconds allowed for makedns -n (minutes on a 5,000-node cluster). "
                           "The start operation's remaining time bounds it too."),
        Parameter("makedhcp_timeout", type="integer", default="900", minimum=1, maximum=86400,
                  shortdesc="Seconds allowed for each of makedhcp -n and -a"),
        Parameter("console_timeout", type="integer", default="600", minimum=1, maximum=86400,
                  shortdesc="Seconds allowed for makeconservercf or makegocons"),
        Parameter("parallel_regenerate", type="boolean", default="false",
                  shortdesc="Regenerate DNS and DHCP at the same time",
                  longdesc="Run the DNS steps (makedns -n, start named) and the DHCP steps "
                           "(makedhcp -n, start DHCP, makedhcp -a) concurrently."),
        Parameter("mgtifname", default="", check=checks.interface_label,
                  shortdesc="Value for networks.mgtifname",
                  longdesc="Interface label written to mgtifname of the xCAT network that "
                           "contains its address (eth0:0). Empty: the one alias label on this "
                           "host, which is the virtual IP's. none: leave the table alone."),
        Parameter("disable_boot_units", type="boolean", default="true",
                  shortdesc="Disable the units at boot on start",
                  longdesc="Start runs systemctl disable for managed units enabled at boot, and "
                           "on Debian sets the PostgreSQL cluster's start.conf from auto to "
                           "manual (its generator would enable it again at every boot), so a "
                           "rebooted node cannot start xCAT beside the active one. Prepare "
                           "both nodes the same way with xcatha node prepare. validate-all "
                           "reports enabled units either way."),
        Parameter("xcatd_port", type="integer", default=str(xcat.XCATD_PORT), minimum=1, maximum=65535,
                  shortdesc="xcatd's port (site.xcatdport)"),
    )
    ACTIONS = (
        Action("start", timeout=1800),
        Action("stop", timeout=300),
        Action("monitor", timeout=30, interval=30, depth=0),
        Action("monitor", timeout=60, interval=301, depth=20),
        Action("validate-all", timeout=60),
    )

    def __init__(self, *args):
        ResourceAgent.__init__(self, *args)
        self.override = stack.parse_services(self.params.services) if self.params.services else None
        self.systemd = Units(self.run)
        self.xcat = xcat.Client(self.run.with_env(xcat.environment(self.params.xcatd_port)))
        self.units = {}
        self.family_name = None
        self.enabled = None
        self.active = set()
        self.done = set()
        self._lock = None
        self.record_path = bootstate.path("%s.state" % (self.op.instance or self.NAME))

    # -- configuration ---------------------------------------------------------------

    def settings(self):
        p = self.params
        return stack.Settings(p.regenerate, p.parallel_regenerate, p.mgtifname, p.xcatd_port,
                              p.makedns_timeout, p.makedhcp_timeout, p.console_timeout)

    def validate(self, full=True):
        override = self.override
        if override is not None:
            console = self.params.console
            for kind in (stack.CONSERVER, stack.GOCONSERVER):
                if console in stack.CONSOLE_CHOICES[1:3] and kind in override and kind != console:
                    raise OCFError(ExitStatus.ERR_CONFIGURED,
                                   "console=%s but services lists %s" % (console, override[kind]))
            needs_xcatd = self.params.regenerate or self.params.mgtifname != "none"
            if stack.XCATD not in override and needs_xcatd:
                raise OCFError(ExitStatus.ERR_CONFIGURED,
                               "services has no xcatd unit, but regenerate or mgtifname need "
                               "xcatd: add it, or set regenerate=none and mgtifname=none")
        if not full:
            return
        if find_binary("systemctl") is None:
            raise OCFError(ExitStatus.ERR_INSTALLED, "systemctl is not installed")
        self.inspect_or_fail()
        missing = [unit for unit in stack.ordered_units(self.units)
                   if not self.systemd.loaded(unit)]
        if missing:
            raise OCFError(ExitStatus.ERR_INSTALLED,
                           "not installed: %s (set services or console to leave units out)"
                           % " ".join(missing))
        for tool in self.required_tools():
            if find_binary(tool, self.xcat.run.env["PATH"]) is None:
                raise OCFError(ExitStatus.ERR_INSTALLED, "%s is not installed" % tool)
        self.report_boot_units()

    def required_tools(self):
        tools = ["pg_isready"] if stack.DATABASE in self.units else []
        regenerate = self.params.regenerate
        tools += ["makedns"] if stack.MAKEDNS in regenerate and stack.DNS in self.units else []
        tools += ["makedhcp"] if stack.MAKEDHCP in regenerate and stack.DHCP in self.units else []
        if stack.MAKECONSOLE in regenerate:
            tools += ["makeconservercf"] if stack.CONSERVER in self.units else []
            tools += ["makegocons"] if stack.GOCONSERVER in self.units else []
        if self.params.mgtifname != "none" and stack.XCATD in self.units:
            tools += ["lsdef", "chdef"]
        return tools

    def report_boot_units(self):
        enabled = self.enabled_boot_units()
        if enabled and not self.params.disable_boot_units:
            self.log.warning("enabled at boot, so a rebooted node starts them outside the "
                             "cluster: %s (systemctl disable them, or set disable_boot_units)"
                             % " ".join(enabled))
        elif enabled and self.op.action == "validate-all":
            self.log.warning("enabled at boot; start will disable them: %s" % " ".join(enabled))

    # -- systemd ----------------------------------------------------------------------

    def query_names(self, family, instance):
        names = stack.candidate_units(family, self.override, instance)
        database = self.override.get(stack.DATABASE) if self.override else instance
        if database:
            names += stack.boot_units({stack.DATABASE: database}, family)
        unique = []
        for name in names:
            if name not in unique:
                unique.append(name)
        return unique

    def inspect(self, also=()):
        """Ask systemd once about every candidate unit (and the units ``also``);
        resolve the units to manage."""
        family = distro.family()
        instance = None if self.override else database_instance(family)
        names = self.query_names(family, instance)
        self.systemd.inspect(names + [unit for unit in also if unit not in names])
        self.enabled = None
        loaded = set(name for name in names if self.systemd.loaded(name))
        self.units = stack.resolve_units(family, loaded, self.override, self.params.console,
                                         instance)
        self.family_name = family
        return self.units

    def inspect_or_fail(self):
        """inspect(), or OCFError: ERR_INSTALLED where systemd is not the init system
        (this node lacks what the agent needs), else ERR_GENERIC."""
        try:
            return self.inspect()
        except SystemdUnavailable as error:
            if error.not_booted:
                raise OCFError(ExitStatus.ERR_INSTALLED, "systemd is not running on this node "
                                                         "(%s)" % error.reason)
            raise OCFError(ExitStatus.ERR_GENERIC, "cannot ask systemd: %s" % error.reason)

    def enabled_boot_units(self):
        if self.enabled is None:
            self.enabled = [unit for unit in stack.boot_units(self.units, self.family_name)
                            if self.systemd.enabled_at_boot(unit)]
        return self.enabled

    def monitored_units(self, record):
        """The units that must run; of two installed consoles the one start chose."""
        units = dict(self.units)
        if stack.CONSERVER in units and stack.GOCONSERVER in units:
            chosen = record.get("console")
            running = [units[k] for k in (stack.CONSERVER, stack.GOCONSERVER)
                       if self.systemd.is_up(units[k])]
            keep = chosen if chosen in units.values() else (running or [units[stack.CONSERVER]])[0]
            for kind in (stack.CONSERVER, stack.GOCONSERVER):
                if units[kind] != keep:
                    del units[kind]
        return stack.ordered_units(units)

    # -- what this boot has done ----------------------------------------------------

    def configuration(self):
        """The settings a recorded regeneration is valid for, as one line."""
        p = self.params
        return "units=%s regenerate=%s mgtifname=%s console=%s" % (
            ",".join(stack.ordered_units(self.units)), ",".join(sorted(p.regenerate)),
            p.mgtifname, p.console)

    def read_record(self):
        """What this boot's record says ({} after a reboot or before the first start)."""
        return bootstate.load(self.record_path) or {}

    def load_record(self):
        """This boot's record for this configuration, or a fresh one."""
        record = self.read_record()
        if record.get("config") != self.configuration():
            record = {"config": self.configuration(), "done": ""}
        record["units"] = " ".join(stack.ordered_units(self.units))
        return record

    def save_record(self, record):
        if not self.run.dry_run:
            bootstate.save(self.record_path, record)

    def forget_record(self):
        if os.path.exists(self.record_path):
            self.run.change("forget this boot's regenerations (%s)" % self.record_path,
                            lambda: bootstate.remove(self.record_path))

    def done_regenerations(self, record):
        """Regenerations recorded for this boot whose service still runs."""
        console = record.get("console") or next(
            (self.units[k] for k in (stack.CONSERVER, stack.GOCONSERVER) if k in self.units), None)
        done = set()
        for name in record.get("done", "").split():
            role = REGENERATION_ROLE.get(name)
            unit = console if name == stack.MAKECONSOLE else self.units.get(role)
            if unit is not None and unit in self.active:
                done.add(name)
        return done

    def record(self, record, name):
        with self.lock():
            done = record["done"].split()
            if name not in done:
                record["done"] = " ".join(done + [name])
            self.save_record(record)

    def lock(self):
        if self._lock is None:
            import threading
            self._lock = threading.Lock()
        return self._lock

    # -- actions ------------------------------------------------------------------------

    def start(self):
        self.validate(full=True)
        record = self.load_record()
        self.active = set(u for u in stack.ordered_units(self.units) if self.systemd.is_up(u))
        self.done = self.done_regenerations(record)
        enabled = self.enabled_boot_units() if self.params.disable_boot_units else []
        if self.params.disable_boot_units:
            self.cluster_start_manual()
        plan = stack.start_plan(self.units, self.settings(), self.active, self.done, enabled)
        if not plan:
            self.log.info("xCAT stack already running; nothing to do")
        self.save_record(record)      # first: a start that dies half-way is still undone
        self.execute(plan, record)
        if stack.XCATD in self.units:
            self.check_site_table(record)
        self.check_time_service()
        return ExitStatus.SUCCESS

    def cluster_start_manual(self):
        """Debian's PostgreSQL cluster starts at boot while its start.conf says auto:
        set it to manual (still started by systemctl), then let systemd rerun the
        generator that reads it."""
        from xcatha_ocf.runtime import pgfiles
        change = pgfiles.boot_start_conf(self.units.get(stack.DATABASE, ""))
        if change:
            self.run.replace_files([change], pgfiles.ENCODING, pgfiles.ERRORS)
            self.run(["systemctl", "daemon-reload"], timeout=stack.UNIT_TIMEOUT)

    def check_site_table(self, record):
        """site.master, site.nameservers and cfgloc's host must be the virtual IP, or
        compute and service nodes follow this node's own address, which is gone after
        a failover.  What is wrong goes into the record; the monitor reports it as
        degraded, so it shows in pcs status without stopping anything."""
        own = own_addresses(netif.ipv4_addresses())
        values, _ = self.xcat.site("master", "nameservers")
        found = [("site.master", values["master"])] + [
            ("site.nameservers", value.strip()) for value in values["nameservers"].split(",")] + [
            ("the host in %s" % xcat.CFGLOC, xcat.cfgloc_host() or "")]
        problems = ["%s is %s, this node's own address" % (what, value)
                    for what, value in found if value in own]
        record["site"] = ("%s: the virtual IP belongs there (chdef -t site master=VIP "
                          "nameservers=VIP; cfgloc host=VIP)" % "; ".join(problems)
                          if problems else "")
        if problems:
            self.log.warning(record["site"])
        self.save_record(record)

    def check_time_service(self):
        """The procedure wants the clocks of both nodes in sync: a warning, never a
        failure, since the time service is not part of the group."""
        unit = self.units.get(stack.TIME)
        if unit and not self.systemd.is_up(unit):
            self.log.warning("the time service %s does not run here: enable and start it on "
                             "both nodes (systemctl enable --now %s); xCAT needs synchronized "
                             "clocks" % (unit, unit))

    def stop(self):
        """Stop the units, in reverse order: those start ran in this boot (recorded,
        whatever the parameters say now) and those the parameters name."""
        self.validate(full=False)
        started = self.read_record().get("units", "").split()
        if find_binary("systemctl") is None:
            self.log.info("systemctl is not installed, so no unit can be running")
            return self.stopped()
        try:
            self.inspect(also=started)
        except SystemdUnavailable as error:
            if error.not_booted:
                self.log.info("systemd is not running, so no unit can be running")
                return self.stopped()
            raise OCFError(ExitStatus.ERR_GENERIC, "cannot ask systemd: %s" % error.reason)
        running = set(u for u in self.systemd.states if not self.systemd.is_down(u))
        managed = stack.ordered_units(self.units)
        steps = [stack.Step("stop", unit=unit, timeout=stack.UNIT_TIMEOUT)
                 for unit in reversed(started) if unit not in managed and unit in running]
        failures = []
        for step in steps + stack.stop_plan(self.units, running):
            try:
                result = self.run(["systemctl", "stop", step.unit], timeout=step.timeout)
            except OCFError as error:
                failures.append("%s: %s" % (step.unit, error.reason))
                break
            if not result.ok:
                failures.append(result.summary())
        if failures:   # the record stays: the next stop still knows every unit start ran
            raise OCFError(ExitStatus.ERR_GENERIC, "stop failed: " + "; ".join(failures))
        return self.stopped()

    def stopped(self):
        self.forget_record()
        return ExitStatus.SUCCESS

    def monitor(self):
        self.validate(full=False)
        if find_binary("systemctl") is None:
            if self.op.expects_stopped:
                return ExitStatus.NOT_RUNNING
            raise OCFError(ExitStatus.ERR_INSTALLED, "systemctl is not installed")
        try:
            self.inspect()
        except SystemdUnavailable as error:
            if self.op.expects_stopped:
                self.log.info("cannot ask systemd (%s); reporting not running" % error.reason)
                return ExitStatus.NOT_RUNNING
            raise OCFError(ExitStatus.ERR_GENERIC, "cannot ask systemd: %s" % error.reason)
        record = self.read_record()
        units = self.monitored_units(record)
        if all(self.systemd.is_down(u) for u in units):
            self.log.debug("stopped: %s" % " ".join(units))
            return ExitStatus.NOT_RUNNING
        if self.is_stray(record):
            return self.stray("running: %s" % ", ".join(
                "%s (%s)" % (u, self.systemd.active_state(u)) for u in units if not self.systemd.is_down(u)))
        not_up = [u for u in units if not self.systemd.is_up(u)]
        if not_up:
            raise OCFError(ExitStatus.ERR_GENERIC, "partly running: %s not running" % ", ".join(
                "%s (%s)" % (u, self.systemd.active_state(u)) for u in not_up))
        self.check_answers()
        if self.op.check_level >= 20 and stack.XCATD in self.units:
            result = self.xcat.round_trip()
            if not result.ok:
                raise OCFError(ExitStatus.ERR_GENERIC,
                               "xCAT round trip failed: " + result.summary())
            self.check_site_table(record)
        site = record.get("site")
        if site:
            raise OCFError(ExitStatus.DEGRADED, site)
        return ExitStatus.SUCCESS

    def check_answers(self):
        """Units reported active can still hang (a stopped postmaster or xcatd keeps
        its port open): each must answer within LIVENESS_TIMEOUT seconds."""
        if stack.DATABASE in self.units:
            result = self.run.query(["pg_isready", "-q", "-t", LIVENESS_TIMEOUT],
                                    timeout=LIVENESS_TIMEOUT + 2)
            if not result.ok:
                raise OCFError(ExitStatus.ERR_GENERIC, "PostgreSQL %s" % PG_ISREADY.get(
                    result.rc, "check failed: " + result.summary()).replace(
                        "SECONDS", str(LIVENESS_TIMEOUT)))
        if stack.XCATD in self.units:
            silence = xcat.xcatd_silence(self.params.xcatd_port,
                                         self.op.budget(LIVENESS_TIMEOUT))
            if silence:
                raise OCFError(ExitStatus.ERR_GENERIC, silence)

    # -- executing a plan --------------------------------------------------------------

    def execute(self, steps, record):
        for step in steps:
            self.execute_step(step, record)

    def execute_step(self, step, record):
        if step.kind == "parallel":
            return self.execute_parallel(step.branches, record)
        began = time.monotonic()
        try:
            getattr(self, "step_" + step.kind.replace("-", "_"))(step, record)
        except StepSkipped as skipped:
            self.log.warning(str(skipped))
            return
        except (OCFError, CommandError) as error:
            if step.fatal:
                raise
            self.log.warning("%s failed, continuing: %s" % (step.describe(), error))
            return
        if not self.run.dry_run:
            self.log.info("done in %.1fs: %s" % (time.monotonic() - began, step.describe()))
        if step.record:
            self.record(record, step.record)

    def execute_parallel(self, branches, record):
        if self.run.dry_run:
            self.run.change("run these %d sequences in parallel:" % len(branches), lambda: None)
            for branch in branches:
                self.execute(branch, record)
            return
        import threading
        errors = [None] * len(branches)

        def worker(index):
            try:
                self.execute(branches[index], record)
            except OCFError as error:
                errors[index] = error.reason
            except Exception as error:  # a bug in one branch must not hide the other's result
                errors[index] = "%s: %s" % (type(error).__name__, error)

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(branches))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        failed = [error for error in errors if error]
        if failed:
            raise OCFError(ExitStatus.ERR_GENERIC, "; ".join(failed))

    def step_run(self, step, record):
        runner = self.xcat.run if step.argv[0] in xcat.COMMANDS else self.run
        result = runner(step.argv, timeout=step.timeout)
        if not result.ok:
            raise OCFError(ExitStatus.ERR_GENERIC, result.summary())

    def step_makedns(self, step, record):
        """xCAT's HA procedure runs makedns -n only when site.domain is set: without
        one it cannot make the zones, and DNS is not worth failing the start for."""
        values, result = self.xcat.site("domain")
        if not values["domain"] and (result.ok or self.run.dry_run):
            raise StepSkipped("site.domain is not set, so %s is skipped: set it (chdef -t "
                              "site domain=cluster.example) and restart xcat-services"
                              % step.describe())
        self.step_run(step, record)

    def step_start(self, step, record):
        result = self.run(["systemctl", "start", step.unit], timeout=step.timeout)
        if not result.ok:
            raise OCFError(ExitStatus.ERR_GENERIC, result.summary())

    def step_wait_database(self, step, record):
        self.wait_for("%s accepts connections" % step.unit, step.timeout, lambda: self.run.query(
            ["pg_isready", "-q", "-t", "2"], timeout=5).ok)

    def step_wait_xcatd(self, step, record):
        self.wait_for("xcatd answers on port %d" % step.port, step.timeout,
                      lambda: xcat.xcatd_silence(step.port, self.op.budget(2)) is None)

    def wait_for(self, what, ceiling, check):
        def wait():
            deadline = time.monotonic() + self.op.budget(ceiling)
            while not check():
                if time.monotonic() >= deadline:
                    raise OCFError(ExitStatus.ERR_GENERIC, "gave up after %ds waiting until %s"
                                   % (ceiling, what))
                time.sleep(POLL_SECONDS)
        self.run.change("wait up to %ds until %s" % (ceiling, what), wait)

    def step_mgtifname(self, step, record):
        label, addresses = self.management_label(step.label)
        if self.run.dry_run:
            self.run.change("set networks.mgtifname=%s on the xCAT network containing %s "
                            "(lsdef -t network, chdef)" % (label, " ".join(addresses)),
                            lambda: None)
            return
        networks = self.xcat.networks()
        matches = sorted(name for name, attrs in networks.items() if any(
            xcat.network_contains(attrs.get("net", ""), attrs.get("mask", ""), ip)
            for ip in addresses))
        if not matches:
            raise OCFError(ExitStatus.ERR_GENERIC, "no xCAT network contains %s"
                           % " ".join(addresses))
        for name in matches:
            if networks[name].get("mgtifname") != label:
                result = self.xcat.set_mgtifname(name, label)
                if not result.ok:
                    raise OCFError(ExitStatus.ERR_GENERIC, result.summary())

    def management_label(self, wanted):
        """(label, its addresses): the given label, or the host's one alias label."""
        found = netif.ipv4_addresses()
        labels = [wanted] if wanted else sorted(set(label for label, _, _ in found if ":" in label))
        if len(labels) != 1:
            raise OCFError(ExitStatus.ERR_GENERIC, "cannot tell the virtual IP's label (%s): set "
                           "mgtifname" % (" ".join(labels) or "no alias label on this host"))
        addresses = [ip for label, ip, _ in found if label == labels[0]]
        if not addresses:
            raise OCFError(ExitStatus.ERR_GENERIC, "%s has no address on this host" % labels[0])
        return labels[0], addresses

    def step_console_auto(self, step, record):
        values, result = self.xcat.site("consoleservice")
        named = values["consoleservice"]
        kind = stack.GOCONSERVER if named == stack.GOCONSERVER else stack.CONSERVER
        if not result.ok and not self.run.dry_run:
            self.log.warning("cannot read site.consoleservice (%s); using conserver"
                             % result.summary())
        self.log.info("site.consoleservice=%r: running %s" % (named, self.units[kind]))
        record["console"] = self.units[kind]
        self.execute(stack.console_steps(kind, self.units[kind], self.settings(), self.active,
                                         self.done), record)


AGENT = Services
