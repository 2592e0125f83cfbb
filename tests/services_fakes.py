"""A fake host for the xcat-services unit tests: systemd units with states, and
a runner (the agent's injected command runner, as pcs injects its runner in
its tests) that records every command and answers like systemctl, pg_isready
and xCAT's lsdef would."""

import io

from xcatha_ocf import log, ocf
from xcatha_ocf.agents import services
from xcatha_ocf.runner import Result

RHEL_OS = 'ID="rocky"\nID_LIKE="rhel centos fedora"\n'
DEBIAN_OS = 'ID=debian\nVERSION_ID="12"\n'
NETWORKS = ("10_0_0_0-255_255_255_0: net=10.0.0.0\n10_0_0_0-255_255_255_0: mask=255.255.255.0\n"
            "10_0_0_0-255_255_255_0: mgtifname=eth0\n"
            "192_168_9_0-255_255_255_0: net=192.168.9.0\n192_168_9_0-255_255_255_0: mask=255.255.255.0\n")


class FakeHost(object):
    """units: name -> [ActiveState, UnitFileState]; names absent are not installed."""

    def __init__(self, units, failing=(), consoleservice=None):
        self.units = {name: list(state) for name, state in units.items()}
        self.failing = set(failing)
        self.consoleservice = consoleservice
        self.sysv_enabled = {}    # units generated from SysV scripts: name -> enabled

    def show(self, names):
        blocks = []
        for name in names:
            if name in self.units:
                active, enabled = self.units[name]
                load = "loaded"
            else:
                active, enabled, load = "inactive", "", "not-found"
            blocks.append("Id=%s.service\nLoadState=%s\nActiveState=%s\nSubState=%s\nUnitFileState=%s\n"
                          % (name, load, active, "running" if active == "active" else "dead", enabled))
        return "\n".join(blocks)

    def respond(self, argv):
        line = " ".join(argv)
        if line in self.failing:
            return 1, "", "%s failed on purpose" % argv[0]
        if argv[:2] == ["systemctl", "show"]:
            return 0, self.show(argv[argv.index("--") + 1:]), ""
        if argv[:2] == ["systemctl", "start"]:
            self.units[argv[2]][0] = "active"
        if argv[:2] == ["systemctl", "stop"]:
            self.units[argv[2]][0] = "inactive"
        if argv[:2] == ["systemctl", "is-enabled"]:
            enabled = self.sysv_enabled.get(argv[2], False)
            return (0 if enabled else 1), "enabled\n" if enabled else "disabled\n", ""
        if argv[:2] == ["systemctl", "disable"]:
            for name in argv[2:]:
                self.units[name][1] = "disabled"
        if argv[:3] == ["lsdef", "-t", "network"]:
            return 0, NETWORKS, ""
        if argv[:3] == ["lsdef", "-t", "site"]:
            value = self.consoleservice
            return 0, "clustersite: consoleservice=%s\n" % value if value else "", ""
        return 0, "", ""


class FakeRunner(object):
    def __init__(self, host, dry_run=False):
        self.host = host
        self.dry_run = dry_run
        self.commands = []
        self.out = io.StringIO()

    def __call__(self, argv, timeout=None, changes=True, check=False, stdin=None):
        argv = [str(arg) for arg in argv]
        assert timeout is not None, "every command needs a timeout: %s" % argv
        if self.dry_run and changes:
            self.out.write("dry-run: would run: %s\n" % " ".join(argv))
            return Result(argv, 0, dry_run=True)
        self.commands.append(" ".join(argv))
        rc, out, err = self.host.respond(argv)
        result = Result(argv, rc, out, err)
        if check and not result.ok:
            raise ocf.OCFError(ocf.ExitStatus.ERR_GENERIC, result.summary())
        return result

    def query(self, argv, timeout=None, check=False):
        return self(argv, timeout=timeout, changes=False, check=check)

    def change(self, description, apply):
        if self.dry_run:
            self.out.write("dry-run: would %s\n" % description)
            return None
        return apply()


def make_agent(tmp_path, host, params=None, action="start", os_release=RHEL_OS, dry_run=False,
               check_level=0, interval_ms=0, pg_versions=(), xcatd_answers=True,
               addresses=(("eth0", "10.0.0.2"), ("eth0:0", "10.0.0.1")), boot_id="boot-1"):
    environ = {"OCF_RESKEY_" + key: value for key, value in (params or {}).items()}
    environ["OCF_RESKEY_CRM_meta_timeout"] = "600000"
    environ["OCF_RESKEY_CRM_meta_interval"] = str(interval_ms)
    environ["OCF_CHECK_LEVEL"] = str(check_level)
    parsed = ocf.read_params(services.Services.PARAMETERS, environ)
    op = ocf.Operation(action, environ, dry_run=dry_run)
    runner = FakeRunner(host, dry_run)
    logger = log.Logger("xcat-services", {}, stream=io.StringIO())
    agent = services.Services(parsed, op, runner, logger)
    (tmp_path / "os-release").write_text(os_release)
    (tmp_path / "boot_id").write_text(boot_id + "\n")
    etc = tmp_path / "etc-postgresql"
    for version in pg_versions:
        (etc / version / "main").mkdir(parents=True)
    agent.OS_RELEASE = str(tmp_path / "os-release")
    agent.POSTGRESQL_ETC = str(etc)
    agent.BOOT_ID_FILE = str(tmp_path / "boot_id")
    agent.state_file = str(tmp_path / "run" / "services.state")
    agent.port_open = lambda port, timeout: xcatd_answers
    agent.sleep = lambda seconds: None
    agent.addresses = lambda: list(addresses)
    return agent


def logged(agent):
    return agent.log.stream.getvalue()
