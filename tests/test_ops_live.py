"""xcatha status, failover and check on a live two-node Pacemaker cluster made of
network namespaces (cluster-lab/xcathalab/nscluster.py): real corosync, pacemakerd,
pcs and crm_resource, the configuration xcatha crm generate makes, with the real
xcat-shared, xcat-vip and xcat-pgsql-conf, an XCATD STAND-IN listening on VIP:3001
in xcat-services' place, and fence devices that can never fence.  The tests run in
order on one cluster, as an admin's day would: start the stopped group, move it,
refusals, a crmsh-only host, a crash that leaves the node UNCLEAN, the admin's
confirmation, recovery.  About a minute in all."""

import json
import os
import shutil

import pytest

from xcatha_ocf.ops import check
from xcatha_ocf.runtime.runner import Result, Runner, LocalExecutor
from xcathalab.shell import wait_for

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="namespaces need root"),
    pytest.mark.skipif(not all(shutil.which(tool) for tool in ("corosync", "pacemakerd", "pcs", "nsenter")),
                       reason="corosync, pacemaker and pcs are needed"),
]
MEMBERS = ("xcat-shared", "xcat-vip", "xcat-pgsql-conf", "xcat-services")


def status(live_cluster, node):
    result = live_cluster.xcatha(node, "status", "--json")
    return json.loads(result.out)


def move_constraints(live_cluster):
    return [line for line in live_cluster.pcs("constraint", "--full").out.splitlines() if "cli-" in line]


def assert_moved(live_cluster, result, node):
    assert result.rc == 0, result.out + result.err
    for member in MEMBERS:
        assert "%-16s Started on %s" % (member, node) in result.out
    assert "xcatd answers on %s:3001" % live_cluster.vip in result.out


def test_status_of_the_stopped_group(live_cluster):
    report = status(live_cluster, "xcatmn2")
    assert report["group"]["state"] == "stopped"
    assert [node["state"] for node in report["nodes"]] == ["online", "online"]
    assert report["vip"] == {"resource": "xcat-vip", "address": live_cluster.vip, "nodes": []}
    assert live_cluster.xcatha("xcatmn2", "status").rc == 3


def test_failover_starts_the_stopped_group_with_move_with_constraint(live_cluster):
    result = live_cluster.xcatha("xcatmn2", "failover", "--to", "xcatmn1", "--wait", "90")
    assert_moved(live_cluster, result, "xcatmn1")
    assert "the group is stopped: pcs resource move-with-constraint, then clear" in result.out
    assert live_cluster.vip_on("xcatmn1") and not live_cluster.vip_on("xcatmn2")
    assert move_constraints(live_cluster) == []


def test_dry_run_changes_nothing(live_cluster):
    result = live_cluster.xcatha("xcatmn1", "failover", "--to", "xcatmn2", "--dry-run")
    assert result.rc == 0
    assert "dry-run: would run: pcs resource move xcat-group xcatmn2 --wait=300" in result.out
    live_cluster.settle()
    assert status(live_cluster, "xcatmn1")["group"]["node"] == "xcatmn1"


def test_failover_moves_the_running_group_with_pcs_resource_move(live_cluster):
    result = live_cluster.xcatha("xcatmn1", "failover", "--to", "xcatmn2", "--wait", "90")
    assert_moved(live_cluster, result, "xcatmn2")
    assert "the group runs on xcatmn1: pcs resource move" in result.out
    assert live_cluster.vip_on("xcatmn2") and not live_cluster.vip_on("xcatmn1")
    assert move_constraints(live_cluster) == []
    report = status(live_cluster, "xcatmn1")
    assert report["group"]["state"] == "started" and report["vip"]["nodes"] == ["xcatmn2"]
    assert report["group"]["last_change"]["node"] == "xcatmn2"
    assert report["group"]["last_change"]["event"] == "started"


def test_failover_refuses_a_standby_target(live_cluster):
    live_cluster.pcs("node", "standby", "xcatmn1")
    try:
        result = live_cluster.xcatha("xcatmn2", "failover", "--to", "xcatmn1")
        assert result.rc == 1
        assert "refused: xcatmn1 is in standby" in result.out
        assert status(live_cluster, "xcatmn2")["nodes"][0]["state"] == "standby"
    finally:
        live_cluster.pcs("node", "unstandby", "xcatmn1")
    assert live_cluster.vip_on("xcatmn2")


def test_failover_on_a_host_without_pcs_uses_crm_resource(live_cluster):
    result = live_cluster.xcatha("xcatmn2", "failover", "--to", "xcatmn1", "--wait", "90", without_pcs=True)
    assert_moved(live_cluster, result, "xcatmn1")
    assert "using crm_resource (no pcs here: crmsh cluster)" in result.out
    assert "running: crm_resource --move --resource xcat-group --node xcatmn1" in result.out
    assert "ran: crm_resource --clear --resource xcat-group (ok)" in result.out
    assert live_cluster.vip_on("xcatmn1")
    assert move_constraints(live_cluster) == []


class InNode(LocalExecutor):
    """Runs commands inside a node's namespaces (check's local and peer runners);
    a crashed node answers like an unreachable ssh peer."""

    def __init__(self, live_cluster, node):
        self.pid = live_cluster.init_pid(node)
        self.prefix = live_cluster.enter(node) if self.pid else None

    def run(self, argv, timeout, stdin=None, env=None):
        if self.prefix is None:
            return Result(list(argv), 255, err="ssh: connect to host: No route to host")
        result = LocalExecutor.run(self, self.prefix + argv, timeout, stdin, env)
        result.argv = argv
        return result


def in_node(live_cluster, node):
    return Runner(InNode(live_cluster, node))


def test_check_on_the_live_nodes(live_cluster):
    results = check.run_checks(in_node(live_cluster, "xcatmn1"), lambda node: in_node(live_cluster, node))
    verdicts = dict(((item.name, item.node), item.verdict) for item in results)
    # Both nodes share the host's /etc and clock here.
    assert verdicts[("/etc/hosts in sync", "xcatmn1, xcatmn2")] == check.PASS
    assert verdicts[("clock in sync", "xcatmn2")] == check.PASS
    assert verdicts[("VIP only where the cluster put it", "xcatmn1")] == check.PASS
    assert verdicts[("VIP only where the cluster put it", "xcatmn2")] == check.PASS
    assert verdicts[("fencing device", "fence-xcatmn1")] == check.PASS
    assert verdicts[("fencing device", "fence-xcatmn2")] == check.PASS
    # This fence device has never fenced anything.
    assert verdicts[("fencing tested", "xcatmn2")] == check.WARN


def test_crash_leaves_the_node_unclean_and_failover_refuses(live_cluster):
    live_cluster.crash("xcatmn1")
    wait_for("xcatmn1 UNCLEAN",
             lambda: status(live_cluster, "xcatmn2")["nodes"][0]["state"] == "UNCLEAN", timeout=60,
             interval=0.5)
    result = live_cluster.xcatha("xcatmn2", "failover", "--to", "xcatmn2", "--wait", "30")
    assert result.rc == 1
    assert "refused: xcatmn1 is UNCLEAN" in result.out
    assert "pcs stonith confirm xcatmn1" in result.out
    assert not live_cluster.vip_on("xcatmn2")
    text = live_cluster.xcatha("xcatmn2", "status").out
    assert "xcatmn1 is UNCLEAN: its state is unknown until it is fenced" in text


def test_after_the_admin_confirms_the_node_is_down_the_group_starts_on_the_survivor(live_cluster):
    # What the procedure asks: make sure the dead node is off (it is: killed), then say so.
    live_cluster.on("xcatmn2", "stonith_admin", "--confirm", "xcatmn1", timeout=60)
    wait_for("group stopped", lambda: status(live_cluster, "xcatmn2")["group"]["state"] == "stopped",
             timeout=60, interval=0.5)
    result = live_cluster.xcatha("xcatmn2", "failover", "--to", "xcatmn2", "--wait", "90")
    assert_moved(live_cluster, result, "xcatmn2")
    assert "the group is stopped: pcs resource move-with-constraint, then clear" in result.out
    assert move_constraints(live_cluster) == []
    # check from the survivor: the dead peer is unreachable, its confirmation is no fencing test.
    results = check.run_checks(in_node(live_cluster, "xcatmn2"), lambda node: in_node(live_cluster, node))
    found = dict(((item.name, item.node), item) for item in results)
    assert found[("ssh", "xcatmn1")].verdict == check.FAIL
    assert found[("fencing tested", "xcatmn1")].verdict == check.WARN
    assert found[("fencing tested", "xcatmn1")].reason.startswith("only confirmed by hand")
    assert found[("VIP only where the cluster put it", "xcatmn2")].verdict == check.PASS
