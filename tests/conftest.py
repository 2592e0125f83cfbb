"""Fixtures shared by the test modules: test modules get every helper from here,
the larger ones living in tests/support/.

Fakes stand in only where the real thing cannot run on this host (no systemd as
PID 1, no xCAT): they replace the *execution* of commands (an executor given to
the real ``Runner``), never the runner's own logic, and are named as fakes.
"""

import glob
import io
import os
import sys
from types import SimpleNamespace

import pytest

from xcatha_ocf import install
from xcatha_ocf.runtime import log
from xcatha_ocf.runtime.ocf import Operation
from xcatha_ocf.runtime.params import read_params
from xcatha_ocf.runtime.runner import Result, Runner

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The lab driver lives beside the lab, not in the package (cluster-lab/xcathalab).
sys.path.insert(0, os.path.join(REPO, "cluster-lab"))
pytest.register_assert_rewrite("support")    # its asserts report like the tests' own

from support import agentrun, cibstates, crmlab, fakenode, mountns, netns, pgsql_files  # noqa: E402
from xcathalab.nscluster import LiveCluster  # noqa: E402


# -- agents as Pacemaker runs them -----------------------------------------------------------

@pytest.fixture(autouse=True)
def without_records_of_earlier_tests():
    """The agents the tests run keep their records for this boot in the host's
    /run/xcatha, under the instance name "test" (agentrun): a test whose namespace
    went away with a resource started leaves its records, removed here."""
    yield
    from xcatha_ocf.runtime import bootstate
    for path in glob.glob(bootstate.path("test.*")) + glob.glob(bootstate.path("*.test.parameters")):
        os.unlink(path)


@pytest.fixture(scope="session")
def ocf_agent():
    """This tree's agents run the way Pacemaker runs them: the launcher executed in a
    bare environment with the OCF variables (tests/support/agentrun.py).
    ``ocf_agent.run(name, action, params=None, netns=None, args=(), timeout=60,
    interval_ms=10000, timeout_ms=20000, extra=None)``: the CompletedProcess;
    ``.path(name)``: the launcher; ``.environment(params, ...)``: the environment."""
    return SimpleNamespace(run=agentrun.run_agent, path=agentrun.agent_path,
                           environment=agentrun.ocf_environment)


@pytest.fixture(scope="session")
def exit_reason():
    """``exit_reason(result)``: the ocf-exit-reason an agent printed, or None."""
    return agentrun.exit_reason


@pytest.fixture(scope="session")
def system_agents():
    """This tree's agents installed where Pacemaker, pcs and crmsh look for them
    (/usr/lib/ocf), once per session; the OCF root."""
    install.install(install.DEFAULT_OCF_ROOT, out=lambda message: None)
    return install.DEFAULT_OCF_ROOT


@pytest.fixture(scope="session")
def pgsql_text():
    """Generated postgresql.conf and pg_hba.conf texts, hypothesis strategies to draw
    with st.data(): ``conf_files``, ``hba_files``; and the property every managed-block
    edit keeps: ``assert_only_the_block_was_added(original, new)``
    (tests/support/pgsql_files.py)."""
    return SimpleNamespace(
        conf_files=pgsql_files.files(pgsql_files.CONF_LINES),
        hba_files=pgsql_files.files(pgsql_files.HBA_LINES),
        assert_only_the_block_was_added=pgsql_files.assert_only_the_block_was_added)


# -- Pacemaker's tools on CIB files ----------------------------------------------------------

@pytest.fixture(scope="session")
def crm_agent_root(tmp_path_factory):
    """The xcat agents' meta-data for pcs and crmsh without touching the host
    (tests/support/crmlab.py): ``crm_agent_root.run(argv, env=None)`` runs argv where
    /usr/lib/ocf shows this tree's agents installed in a temporary OCF root."""
    return crmlab.AgentRoot(str(tmp_path_factory.mktemp("crm-agents")))


@pytest.fixture(scope="session")
def crm_tools():
    """``normalized(cib_text)``: the configuration as pcs, crmsh and the XML output must
    agree on it; ``simulate(cib, out, *options)``: crm_simulate with quorum;
    ``placement(cib)``: {resource: node or None} (tests/support/crmlab.py)."""
    return SimpleNamespace(normalized=crmlab.normalized, simulate=crmlab.simulate,
                           placement=crmlab.placement)


@pytest.fixture(scope="session")
def cluster_states(tmp_path_factory):
    """{name: CIB file} of the cluster states crm_simulate made from the generated
    configuration of tests/support/simulated-site.yaml (tests/support/cibstates.py):
    nodes_up, running_xcatmn1, crashed_fenced, unclean_xcatmn1, standby_xcatmn2,
    offline_xcatmn2, pacemaker_stopped_xcatmn2, failed_monitor, leftover_constraint,
    maintenance, member_disabled, group_disabled; with ``vip`` and ``failed_reason``.
    Shared by the session: copy a state before changing it."""
    return cibstates.build_states(tmp_path_factory.mktemp("cluster-states"))


@pytest.fixture(scope="session")
def simulated_cluster():
    """``simulated_cluster(cib, fail_start_on=None, failing_commands=())``: an executor
    for the real Runner backed by a CIB file; queries go to the real crm_mon and
    cibadmin, cluster commands to real pcs -f / crm_resource and crm_simulate
    executes their transition (``changes``, ``constraints()``)."""
    return cibstates.SimulatedCluster


@pytest.fixture(scope="session")
def cib_tool():
    """``cib_tool(argv, cib, check=True)``: a Pacemaker tool run on the CIB file ``cib``."""
    return cibstates.tool


# -- namespaces ------------------------------------------------------------------------------

@pytest.fixture
def mount_namespace():
    """A private mount namespace (tests/support/mountns.py): ``run(argv, env=None)``,
    ``sh(script)``, ``spawn``, ``alive``, ``mount_points(under)``; whatever is mounted
    there disappears with it."""
    namespace = mountns.MountNamespace()
    yield namespace
    namespace.close()


@pytest.fixture(scope="session")
def netns_pair():
    """``netns_pair(prefix, node_nic, node_addresses, peer_nic, peer_addresses)``: two
    network namespaces joined by a veth pair (tests/support/netns.py); the caller
    removes them with ``remove()``."""
    return netns.NamespacePair


@pytest.fixture(scope="module")
def live_cluster():
    """A live two-node Pacemaker cluster in network namespaces, the generated xCAT
    group configured and stopped (cluster-lab/xcathalab/nscluster.py), removed after
    the module: ``on(node, *argv)``, ``xcatha(node, *args)``, ``pcs(*argv)``,
    ``crash(node)``, ``settle()``, ``vip_on(node)``, ``vip``."""
    cluster = LiveCluster()
    try:
        cluster.up()
        cluster.configure()
        yield cluster
    finally:
        cluster.down()


# -- a fake xCAT management node -------------------------------------------------------------

@pytest.fixture(scope="session")
def _fake_node():
    """The session's FakeNode (tests/support/fakenode.py): its PostgreSQL cluster is made once."""
    if not fakenode.postgres_available():
        pytest.skip("PostgreSQL 15 server binaries are not installed")
    node = fakenode.FakeNode.create()
    yield node
    node.remove()


@pytest.fixture
def fake_node(_fake_node):
    """A FAKE xCAT management node for agents run as Pacemaker runs them, reset for the
    test (tests/support/fakenode.py): tests/fakes' systemctl, service(8), xcatd and xCAT
    commands first on PATH, and a real PostgreSQL as the postgresql unit.
    ``environment(instance)``: the agent's environment; ``port``: xcatd's;
    ``run(*argv)``: a command in that environment; ``calls()``: the fake systemctl's
    command lines; ``main_pid(unit)``; ``reset(site=None)``: start over with these
    site table values; ``read``, ``exists``: files under its ``root``.  Every unit the
    test left running is stopped afterwards."""
    _fake_node.reset()
    yield _fake_node
    _fake_node.stop_units()


# -- a fake executor -------------------------------------------------------------------------

class FakeExecutor(object):
    """Records every command and answers with ``respond(argv) -> (rc, out, err)``
    (by default: success, no output)."""

    def __init__(self, respond=None):
        self.respond = respond or (lambda argv: (0, "", ""))
        self.commands = []
        self.timeouts = []

    def describe(self, argv):
        return " ".join(argv)

    def run(self, argv, timeout, stdin=None, env=None):
        assert timeout is not None, "every command needs a timeout: %s" % argv
        self.commands.append(argv)
        self.timeouts.append(timeout)
        rc, out, err = self.respond(argv)
        return Result(argv, rc, out, err)

    def lines(self):
        """The commands run, each as one line."""
        return [" ".join(argv) for argv in self.commands]


@pytest.fixture
def fake_executor():
    """A FakeExecutor factory: ``fake_executor(respond=None)``."""
    return FakeExecutor


@pytest.fixture
def make_agent():
    """``make_agent(AgentClass, environ, executor, action="start", dry_run=False)``: an
    agent instance as the runtime builds it, its commands going to ``executor``."""
    def make(agent_class, environ, executor, action="start", dry_run=False):
        op = Operation(action, environ, dry_run=dry_run)
        logger = log.Logger(agent_class.NAME, {}, stream=io.StringIO())
        runner = Runner(executor, dry_run=dry_run, out=io.StringIO(), log=logger, budget=op.budget)
        return agent_class(read_params(agent_class.PARAMETERS, environ), op, runner, logger)
    return make


# -- xcat-services without systemd -----------------------------------------------------------

OS_RELEASES = {"rhel": 'ID="rocky"\nID_LIKE="rhel centos fedora"\n',
               "debian": 'ID=debian\nVERSION_ID="12"\n'}
XCAT_NETWORKS = (
    "10_0_0_0-255_255_255_0: net=10.0.0.0\n10_0_0_0-255_255_255_0: mask=255.255.255.0\n"
    "10_0_0_0-255_255_255_0: mgtifname=eth0\n"
    "192_168_9_0-255_255_255_0: net=192.168.9.0\n192_168_9_0-255_255_255_0: mask=255.255.255.0\n")


class FakeSystemdHost(object):
    """A FAKE host for xcat-services' unit tests (this host has no systemd as PID 1):
    units with states, answering like systemctl, pg_isready and xCAT's lsdef.
    ``units``: name -> [ActiveState, UnitFileState]; names absent are not installed;
    ``failing``: command lines that exit 1; ``answers``: command line -> (rc, out, err)."""

    def __init__(self, units, failing=(), consoleservice=None, domain="cluster.lab"):
        self.units = dict((name, list(state)) for name, state in units.items())
        self.failing = set(failing)
        self.site = {"consoleservice": consoleservice, "domain": domain}
        self.sysv_enabled = {}    # units generated from SysV scripts: name -> enabled
        self.answers = {}

    def show(self, names):
        blocks = []
        for name in names:
            if name in self.units:
                active, enabled = self.units[name]
                load = "loaded"
            else:
                active, enabled, load = "inactive", "", "not-found"
            blocks.append("Id=%s.service\nLoadState=%s\nActiveState=%s\nSubState=%s\n"
                          "UnitFileState=%s\n" % (name, load, active,
                                                   "running" if active == "active" else "dead",
                                                   enabled))
        return "\n".join(blocks)

    def respond(self, argv):
        if " ".join(argv) in self.failing:
            return 1, "", "%s failed on purpose" % argv[0]
        if " ".join(argv) in self.answers:
            return self.answers[" ".join(argv)]
        verb = argv[:2]
        if verb == ["systemctl", "show"]:
            return 0, self.show(argv[argv.index("--") + 1:]), ""
        if verb == ["systemctl", "start"]:
            self.units[argv[2]][0] = "active"
        if verb == ["systemctl", "stop"]:
            self.units[argv[2]][0] = "inactive"
        if verb == ["systemctl", "is-enabled"]:
            enabled = self.sysv_enabled.get(argv[2], False)
            return (0 if enabled else 1), "enabled\n" if enabled else "disabled\n", ""
        if verb == ["systemctl", "disable"]:
            for name in argv[2:]:
                self.units[name][1] = "disabled"
        if argv[:3] == ["lsdef", "-t", "network"]:
            return 0, XCAT_NETWORKS, ""
        if argv[:3] == ["lsdef", "-t", "site"]:
            attributes = argv[argv.index("-i") + 1].split(",")
            return 0, "".join("clustersite: %s=%s\n" % (name, self.site[name])
                              for name in attributes if self.site.get(name)), ""
        return 0, "", ""


@pytest.fixture
def systemd_host():
    """``systemd_host(names, active="inactive", enabled="disabled", **options)``: a FakeSystemdHost."""
    def make(names, active="inactive", enabled="disabled", **options):
        return FakeSystemdHost(dict((name, (active, enabled)) for name in names), **options)
    return make


@pytest.fixture
def services_agent(tmp_path, monkeypatch, make_agent, fake_executor):
    """``services_agent(host, params=None, action="start", os_release="rhel", role=None, ...)``:
    xcat-services on a FakeSystemdHost, with this host's files (os-release, boot id,
    /etc/postgresql, /run/xcatha) and its addresses and xcatd's port replaced."""
    from xcatha_ocf.agents import services
    from xcatha_ocf.runtime import bootstate, distro, netif, pgfiles, xcat

    def make(host, params=None, action="start", os_release="rhel", dry_run=False,
             check_level=0, interval_ms=0, role=None, pg_versions=(), xcatd_answers=True,
             addresses=(("eth0", "10.0.0.2", 24), ("eth0:0", "10.0.0.1", 24)), boot_id="boot-1"):
        (tmp_path / "os-release").write_text(OS_RELEASES[os_release])
        (tmp_path / "boot_id").write_text(boot_id + "\n")
        clusters = tmp_path / "etc-postgresql"
        for version in pg_versions:
            (clusters / version / "main").mkdir(parents=True, exist_ok=True)
        monkeypatch.setattr(distro, "OS_RELEASE", str(tmp_path / "os-release"))
        monkeypatch.setattr(services, "DEBIAN_CLUSTERS", str(clusters))
        monkeypatch.setattr(pgfiles, "START_CONF", str(clusters / "%s" / "%s" / "start.conf"))
        monkeypatch.setattr(bootstate, "BOOT_ID_FILE", str(tmp_path / "boot_id"))
        monkeypatch.setattr(bootstate, "RUN_DIR", str(tmp_path / "run"))
        monkeypatch.setattr(xcat, "xcatd_silence", lambda port, timeout: None if xcatd_answers
                            else "xcatd does not answer on port %d: no TLS handshake" % port)
        monkeypatch.setattr(netif, "ipv4_addresses", lambda: list(addresses))
        environ = dict(("OCF_RESKEY_" + key, value) for key, value in (params or {}).items())
        environ.update({"OCF_RESKEY_CRM_meta_timeout": "600000",
                        "OCF_RESKEY_CRM_meta_interval": str(interval_ms),
                        "OCF_CHECK_LEVEL": str(check_level)})
        if role:
            environ["OCF_RESKEY_CRM_meta_role"] = role
        return make_agent(services.Services, environ, fake_executor(host.respond), action,
                          dry_run)
    return make
