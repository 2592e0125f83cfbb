"""xcatha status, failover and check in the lab, run inside a node where
node/setup.sh installed the command, as an admin runs them; check reaches the
other node over root's ssh."""

import json
import time

from support.labnodes import GROUP, check_results, xcatha
from xcatha_ocf.ops import check
from xcathalab import cluster


def leftover_constraints():
    return [line for line in cluster.pcs("constraint", "--full").out.splitlines() if "cli-" in line]


def test_status_shows_the_group_and_the_vip(lab):
    active = cluster.active_node()
    result = xcatha("xcatmn2", "status", "--json")
    assert result.rc == 0, result.out + result.err
    status = json.loads(result.out)
    assert status["group"]["state"] == "started" and status["group"]["node"] == active
    assert status["vip"]["address"] == cluster.VIP and status["vip"]["nodes"] == [active]
    assert sorted(node["state"] for node in status["nodes"]) == ["online", "online"]
    assert status["cluster"]["stonith_enabled"] is True
    text = xcatha("xcatmn2", "status").out
    assert "Group:     %s started on %s" % (GROUP, active) in text and "\033[" not in text


def test_failover_there_and_back(lab):
    for target in ("xcatmn2", "xcatmn1"):
        started = time.monotonic()
        result = xcatha(target, "failover", "--to", target, "--wait", "180")
        assert result.rc == 0, result.out + result.err
        lab("xcatha failover --to %s: %.1f s to xcatd answering on the VIP"
            % (target, time.monotonic() - started))
        assert "using pcs: the group runs on" in result.out
        for member in ("xcat-shared", "xcat-vip", "xcat-pgsql-conf", "xcat-services"):
            assert "%-16s Started on %s" % (member, target) in result.out
        assert "xcatd answers on %s:3001" % cluster.VIP in result.out
        assert cluster.active_node() == target
        assert leftover_constraints() == []


def test_failover_dry_run_changes_nothing(lab):
    active = cluster.active_node()
    other = "xcatmn2" if active == "xcatmn1" else "xcatmn1"
    result = xcatha(active, "failover", "--to", other, "--dry-run")
    assert result.rc == 0
    assert "dry-run: would run: pcs resource move %s %s --wait=300" % (GROUP, other) in result.out
    assert cluster.active_node() == active


def test_failover_refuses_a_standby_target(lab):
    cluster.pcs("node", "standby", "xcatmn2")
    try:
        result = xcatha("xcatmn1", "failover", "--to", "xcatmn2")
        assert result.rc == 1
        assert "refused: xcatmn2 is in standby" in result.out
    finally:
        cluster.pcs("node", "unstandby", "xcatmn2")
    assert cluster.active_node() == "xcatmn1"


def xcatmn2_seen(predicate):
    """A wait_for predicate: xcatmn1's crm_mon reports xcatmn2 and ``predicate(that NodeStatus)`` holds."""
    def check():
        node = cluster.node_state("xcatmn2", observer="xcatmn1")
        return node is not None and predicate(node)
    return check


def assert_failover_to_xcatmn2_refused(stop, start, state, seen, timeout):
    """With ``stop`` run on xcatmn2 and xcatmn1 seeing it (``seen``), `xcatha failover
    --to xcatmn2` is refused as ``state``; ``start`` brings xcatmn2 back."""
    cluster.on("xcatmn2", *stop, timeout=120)
    try:
        cluster.wait_for("xcatmn2 " + state, xcatmn2_seen(seen), timeout=timeout, interval=2)
        result = xcatha("xcatmn1", "failover", "--to", "xcatmn2")
        assert result.rc == 1 and "refused: xcatmn2 is %s" % state in result.out
    finally:
        cluster.on("xcatmn2", *start, timeout=120)
        cluster.wait_for("xcatmn2 joined", cluster.both_online, timeout=120, interval=2)


def test_failover_refuses_an_offline_target(lab):
    # the whole cluster stack stops there (with Corosync up the node would be pending)
    assert_failover_to_xcatmn2_refused(("pcs", "cluster", "stop"), ("pcs", "cluster", "start"),
                                       "offline", lambda node: not node.online, timeout=120)


def test_failover_refuses_a_target_where_only_pacemaker_stopped(lab):
    # Corosync keeps running there: crm_mon shows the node online, in standby and pending
    assert_failover_to_xcatmn2_refused(("systemctl", "stop", "pacemaker"),
                                       ("systemctl", "start", "pacemaker"),
                                       "pending", lambda node: node.pending, timeout=60)


def test_unclean_node_is_refused_until_fenced_then_the_stopped_group_is_started(lab):
    victim, survivor = "xcatmn1", "xcatmn2"
    assert cluster.active_node() == victim
    cluster.stop_fence_watcher()           # fencing cannot complete: the victim stays UNCLEAN
    try:
        cluster.run(["docker", "kill", victim])
        cluster.wait_for("%s UNCLEAN" % victim, lambda: "UNCLEAN" in xcatha(survivor, "status").out,
                         timeout=60)
        result = xcatha(survivor, "failover", "--to", survivor, "--wait", "30")
        assert result.rc == 1 and "refused: %s is UNCLEAN" % victim in result.out
    finally:
        cluster.start_fence_watcher()
    cluster.wait_for("%s fenced" % victim,
                     lambda: json.loads(xcatha(survivor, "status", "--json").out)["group"]["state"]
                     == "stopped", timeout=180, interval=2)
    started = time.monotonic()
    result = xcatha(survivor, "failover", "--to", survivor, "--wait", "180")
    assert result.rc == 0, result.out + result.err
    lab("xcatha failover of the stopped group after fencing: %.1f s" % (time.monotonic() - started))
    assert "the group is stopped: pcs resource move-with-constraint, then clear" in result.out
    assert cluster.active_node() == survivor and leftover_constraints() == []
    cluster.wait_for("%s rejoined" % victim, cluster.both_online, timeout=180, interval=2)
    assert xcatha(survivor, "failover", "--to", victim, "--wait", "180").rc == 0


def test_check_on_the_lab_nodes(lab):
    by_key = check_results("xcatmn1")
    lab("xcatha check: " + "; ".join("%s %s %s" % (item["verdict"], name, node)
                                     for (name, node), item in sorted(by_key.items())))
    failed = [item for item in by_key.values() if item["verdict"] == check.FAIL]
    assert failed == []
    assert by_key[("clock in sync", "xcatmn2")]["verdict"] == check.PASS
    for node in ("xcatmn1", "xcatmn2"):
        assert by_key[("VIP not persistent", node)]["verdict"] == check.PASS
        assert by_key[("VIP only where the cluster put it", node)]["verdict"] == check.PASS
        assert by_key[("services not enabled at boot", node)]["verdict"] == check.PASS
