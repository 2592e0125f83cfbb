"""xcatha failover: the exact commands, run against a CIB file by real pcs -f /
crm_resource and executed by crm_simulate, and the refusals."""

import io
import shutil
import time

import pytest

from xcatha_ocf.agents import GROUP
from xcatha_ocf.errors import InputError
from xcatha_ocf.ops import cluster, failover
from xcatha_ocf.runtime.runner import Runner


@pytest.fixture
def cib(cluster_states, tmp_path):
    """A private copy of a simulated cluster state, by name."""
    def copy(name):
        path = str(tmp_path / (name + ".xml"))
        shutil.copy(cluster_states[name], path)
        return path
    return copy


class Clock(object):
    """A clock that moves only when someone sleeps."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


class Xcatd(object):
    """Records connection attempts; answers after ``failures`` refusals."""

    def __init__(self, failures=0):
        self.attempts = []
        self.failures = failures

    def __call__(self, host, port):
        self.attempts.append((host, port))
        return "Connection refused" if len(self.attempts) <= self.failures else None


def move(cluster, target="xcatmn2", tool="pcs", wait=60, xcatd=None):
    """xcatha failover against a SimulatedCluster; (exit code, output)."""
    out = io.StringIO()
    clock = Clock()
    code = failover.failover(Runner(cluster, out=out), GROUP, target, wait=wait, tool=tool,
                             connect=xcatd or Xcatd(), out=out, clock=clock, sleep=clock.sleep)
    return code, out.getvalue()


def placement(path):
    state = cluster.read_state(Runner(env={"CIB_file": path}))
    return [(member.id, member.role, member.nodes) for member in state.members(GROUP)]


def started_on(node):
    return [(name, "Started", [node]) for name in
            ("xcat-shared", "xcat-vip", "xcat-pgsql-conf", "xcat-services")]


def test_running_group_moves_with_pcs_resource_move(cib, simulated_cluster, cluster_states):
    runner = simulated_cluster(cib("running_xcatmn1"))
    xcatd = Xcatd()
    code, out = move(runner, xcatd=xcatd)
    assert code == 0, out
    assert runner.changes == [["pcs", "resource", "move", GROUP, "xcatmn2", "--wait=60"]]
    assert placement(runner.cib) == started_on("xcatmn2")
    assert "cli-" not in runner.constraints()
    assert xcatd.attempts == [(cluster_states.vip, 3001)]
    assert "xcatd answers on 192.0.2.10:3001" in out
    for member in ("xcat-shared", "xcat-vip", "xcat-pgsql-conf", "xcat-services"):
        assert "%-16s Started on xcatmn2" % member in out   # progress, resource by resource


def test_stopped_group_after_a_crash_uses_move_with_constraint_then_clear(cib, simulated_cluster):
    runner = simulated_cluster(cib("crashed_fenced"))
    code, out = move(runner)
    assert code == 0, out
    assert runner.changes == [["pcs", "resource", "move-with-constraint", GROUP, "xcatmn2", "--wait=60"],
                              ["pcs", "resource", "clear", GROUP]]
    assert placement(runner.cib) == started_on("xcatmn2")
    assert "cli-prefer" not in runner.constraints()


@pytest.mark.parametrize("state", ["running_xcatmn1", "crashed_fenced"])
def test_crmsh_cluster_without_pcs_uses_crm_resource(cib, state, simulated_cluster):
    runner = simulated_cluster(cib(state))
    code, out = move(runner, tool="crm_resource", wait=90)
    assert code == 0, out
    assert runner.changes == [["crm_resource", "--move", "--resource", GROUP, "--node", "xcatmn2"],
                              ["crm_resource", "--wait", "--timeout=90s"],
                              ["crm_resource", "--clear", "--resource", GROUP]]
    assert "using crm_resource (no pcs here: crmsh cluster)" in out
    assert placement(runner.cib) == started_on("xcatmn2")
    assert "cli-prefer" not in runner.constraints()


@pytest.mark.parametrize("state, target, reason", [
    ("standby_xcatmn2", "xcatmn2", "xcatmn2 is in standby: take it out first (`pcs node unstandby xcatmn2`"),
    ("offline_xcatmn2", "xcatmn2", "xcatmn2 is offline"),
    ("pacemaker_stopped_xcatmn2", "xcatmn2", "xcatmn2 is pending: Corosync runs there but Pacemaker "
                                             "has not joined"),
    ("unclean_xcatmn1", "xcatmn2", "xcatmn1 is UNCLEAN: it left the cluster without being fenced"),
    ("maintenance", "xcatmn2", "the cluster is in maintenance mode"),
    ("member_disabled", "xcatmn2", "xcat-services disabled (target-role=Stopped): enable it first: "
                                   "`pcs resource enable xcat-services`"),
    ("group_disabled", "xcatmn2", "xcat-group disabled (target-role=Stopped)"),
])
def test_refusals_run_nothing(cib, state, target, reason, simulated_cluster):
    runner = simulated_cluster(cib(state))
    before = placement(runner.cib)
    code, out = move(runner, target)
    assert code == 1
    assert out.startswith("xcatha failover: refused: ") and reason in out
    assert runner.changes == []
    assert placement(runner.cib) == before


def test_unclean_refusal_names_the_procedures_remedy(cib, simulated_cluster):
    code, out = move(simulated_cluster(cib("unclean_xcatmn1")))
    assert "Power it off or disconnect it from the network" in out
    assert "pcs stonith confirm xcatmn1" in out


def test_unknown_node_is_a_usage_error(cib, simulated_cluster):
    with pytest.raises(InputError, match="xcatmn3 is not a node of this cluster"):
        move(simulated_cluster(cib("running_xcatmn1")), "xcatmn3")


def test_group_already_on_target_only_checks_xcatd(cib, simulated_cluster, cluster_states):
    runner = simulated_cluster(cib("running_xcatmn1"))
    xcatd = Xcatd()
    code, out = move(runner, "xcatmn1", xcatd=xcatd)
    assert code == 0 and runner.changes == []
    assert "already runs on xcatmn1" in out and xcatd.attempts == [(cluster_states.vip, 3001)]


def test_xcatd_silent_on_the_vip_fails_after_the_wait(cib, simulated_cluster):
    runner = simulated_cluster(cib("running_xcatmn1"))
    xcatd = Xcatd(failures=10 ** 6)
    code, out = move(runner, wait=20, xcatd=xcatd)
    assert code == 1
    assert "xcatd does not answer on 192.0.2.10:3001: Connection refused" in out
    assert 15 <= len(xcatd.attempts) <= 25   # retried about once a second for --wait


def test_xcatd_answering_late_is_waited_for(cib, simulated_cluster):
    xcatd = Xcatd(failures=3)
    code, out = move(simulated_cluster(cib("running_xcatmn1")), xcatd=xcatd)
    assert code == 0 and len(xcatd.attempts) == 4


def test_group_failing_to_start_on_target_still_clears_the_constraint(cib, simulated_cluster):
    runner = simulated_cluster(cib("crashed_fenced"), fail_start_on="xcatmn2")
    code, out = move(runner, wait=10)
    assert code == 1
    assert "xcat-group did not start on xcatmn2 in time" in out
    assert "xcat-shared      Started on xcatmn2 (FAILED)" in out
    assert "xcat-shared start on xcatmn2 failed: error" in out
    assert runner.changes[-1] == ["pcs", "resource", "clear", GROUP]
    assert "cli-prefer" not in runner.constraints()


def test_failed_move_command_still_clears_and_reports(cib, simulated_cluster):
    command = ["pcs", "resource", "move-with-constraint", GROUP, "xcatmn2", "--wait=60"]
    runner = simulated_cluster(cib("crashed_fenced"), failing_commands=[command])
    code, out = move(runner)
    assert code == 1
    assert runner.changes == [command, ["pcs", "resource", "clear", GROUP]]
    assert "failed: pcs resource move-with-constraint xcat-group xcatmn2 --wait=60 exited 1: " \
           "Error: simulated failure" in out


def test_dry_run_prints_the_commands_and_changes_nothing(cib):
    path = cib("crashed_fenced")
    with open(path) as handle:
        before = handle.read()
    out = io.StringIO()
    runner = Runner(dry_run=True, out=out, env={"CIB_file": path})
    code = failover.failover(runner, GROUP, "xcatmn2", wait=45, tool="pcs", connect=Xcatd(), out=out)
    assert code == 0
    assert out.getvalue().splitlines()[1:] == [
        "dry-run: would run: pcs resource move-with-constraint xcat-group xcatmn2 --wait=45",
        "dry-run: would run: pcs resource clear xcat-group",
        "dry-run: would then wait up to 45 s for xcat-group on xcatmn2 and check xcatd on the VIP"]
    with open(path) as handle:
        assert handle.read() == before


def test_progress_rewrites_a_waiting_line_only_on_a_terminal():
    from xcatha_ocf.ops.report import Progress
    clock = Clock()
    for terminal in (True, False):
        out = io.StringIO()
        progress = Progress(out, terminal, clock)
        progress.waiting("waiting for pcs")
        progress.event("xcat-vip Started on xcatmn2")
        assert ("\r" in out.getvalue()) == terminal
        assert out.getvalue().endswith("[  0.0s] xcat-vip Started on xcatmn2\n")


def test_fencing_disabled_warns_about_the_old_node(cib, simulated_cluster, cib_tool):
    path = cib("running_xcatmn1")
    cib_tool(["crm_attribute", "--type", "crm_config", "--name", "stonith-enabled", "--update", "false"], path)
    code, out = move(simulated_cluster(path))
    assert code == 0
    assert out.startswith("warning: fencing is disabled. If the old node died, make sure it is powered off")


def test_progress_is_polled_while_a_real_command_runs(cib):
    """A real child process: the cluster state is read until it ends."""
    path = cib("running_xcatmn1")
    runner = Runner(env={"CIB_file": path})
    progress = failover.report.Progress(io.StringIO(), False)
    watcher = failover.Watcher(runner, GROUP, progress)
    looks = []
    original = watcher.look
    watcher.look = lambda: looks.append(1) or original()
    started = time.monotonic()
    result = failover.run_watching(runner, ["sh", "-c", "sleep 1.2; echo moved"], watcher,
                                   time.monotonic() + 10, time.monotonic, time.sleep)
    assert result.ok and result.out == "moved\n"
    assert len(looks) == 3    # at the start, a second later, and when the command ended
    assert time.monotonic() - started < 1.9   # its end is noticed at once, not at the next look (2 s)
    assert watcher.state.members(GROUP)[0].nodes == ["xcatmn1"]


def test_a_command_that_outlives_the_deadline_is_killed(cib):
    runner = Runner()
    progress = failover.report.Progress(io.StringIO(), False)
    watcher = failover.Watcher(Runner(env={"CIB_file": cib("running_xcatmn1")}), GROUP, progress)
    clock = Clock()
    result = failover.run_watching(runner, ["sleep", "30"], watcher, clock() - 30, clock, clock.sleep)
    assert result.timed_out and not result.ok


def test_ssh_runner_quotes_the_remote_command():
    from xcatha_ocf.ops.commands import SshExecutor
    result = Runner(SshExecutor("xcatmn2", ssh="echo")).query(["sh", "-c", "ls -1d /a b 2>/dev/null"])
    assert result.out == ("-o BatchMode=yes -o ConnectTimeout=5 -l root xcatmn2 -- "
                          "sh -c 'ls -1d /a b 2>/dev/null'\n")


def test_ssh_runner_sets_the_runners_environment_on_the_other_node():
    from xcatha_ocf.ops.commands import SshExecutor
    runner = Runner(SshExecutor("xcatmn2", ssh="echo")).with_env({"XCATROOT": "/opt/xcat", "HOME": "/root"})
    assert runner.query(["lsdef", "-t", "site"]).out == (
        "-o BatchMode=yes -o ConnectTimeout=5 -l root xcatmn2 -- "
        "env HOME=/root XCATROOT=/opt/xcat lsdef -t site\n")


def test_target_with_a_failed_start_is_refused_until_cleaned_up(cib, simulated_cluster):
    runner = simulated_cluster(cib("crashed_fenced"), fail_start_on="xcatmn2")
    assert move(runner, wait=5)[0] == 1
    runner.changes[:] = []
    code, out = move(runner)
    assert code == 1 and runner.changes == []
    assert "xcat-shared failed to start on xcatmn2 before (error: User-injected result)" in out
    assert "`pcs resource cleanup xcat-group node=xcatmn2`" in out


def test_failed_pcs_move_clears_the_constraint_pcs_left(cib, simulated_cluster):
    command = ["pcs", "resource", "move", GROUP, "xcatmn2", "--wait=60"]
    runner = simulated_cluster(cib("running_xcatmn1"), failing_commands=[command])
    code, out = move(runner)
    assert code == 1
    assert runner.changes == [command, ["pcs", "resource", "clear", GROUP]]


@pytest.mark.parametrize("state", ["running_xcatmn1", "crashed_fenced"])
def test_pcs_0_10_moves_then_clears(cib, state, simulated_cluster):
    runner = simulated_cluster(cib(state))
    code, out = move(runner, tool="pcs-0.10")
    assert code == 0, out
    assert runner.changes == [["pcs", "resource", "move", GROUP, "xcatmn2", "--wait=60"],
                              ["pcs", "resource", "clear", GROUP]]
    assert placement(runner.cib) == started_on("xcatmn2")


@pytest.mark.parametrize("present, version, tool", [
    (False, "", "crm_resource"), (True, "0.10.8\n", "pcs-0.10"), (True, "0.11.5\n", "pcs"),
    (True, "0.12.0\n", "pcs")])
def test_tool_choice(present, version, tool, fake_executor):
    FakeExecutor = fake_executor
    asked = []

    def pcs(argv):
        asked.append(argv)
        return 0, version, ""

    runner = Runner(FakeExecutor(pcs))
    assert failover.choose_tool(runner, have=lambda name: present) == tool
    assert asked == ([["pcs", "--version"]] if present else [])
