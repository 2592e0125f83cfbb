"""The cluster in the lab: formation, planned and unplanned failovers under both
policies, faults on the active node, a partition, a misconfigured resource."""

import subprocess
import time

from support.labnodes import (GROUP, OTHER, check_group_on, failed_actions, fencings_of,
                              has_vip, pcs, psql_over_vip, started_at)
from xcathalab import cluster, faults
from xcathalab.shell import wait_for

COMPUTE_NODE, COMPUTE_IP = "cn1", "172.30.77.101"      # cluster-lab/xcat/lab.sh
DOMAIN = "lab.xcat"


def test_cluster_is_formed_with_fencing_and_the_group_on_xcatmn1(lab):
    assert cluster.both_online()
    assert "stonith-enabled: true" in pcs("property", "config", "--all").out
    assert cluster.active_node() == "xcatmn1"
    check_group_on("xcatmn1")


def xcat(node, *argv, **kwargs):
    return cluster.xcat(node, *argv, timeout=120, **kwargs)


def test_planned_failover_and_back_keeps_xcats_data_and_the_clocks(lab):
    """A file on the shared storage, a node defined and a row written through xcatd
    are there after the move; the new node answers DNS and DHCP for the compute
    nodes; chrony kept running on both nodes (the group never touches it)."""
    chrony = {node: cluster.main_pid(node, "chrony") for node in cluster.NODES}
    marker = "/install/xcatlab-marker"
    cluster.on("xcatmn1", "sh", "-c", "echo 'written before the move' > " + marker)
    stamp = "written on xcatmn1 at %d" % time.time()
    xcat("xcatmn1", "mkdef", "-f", "-t", "node", "-o", "xcatlabkept", "groups=all",
         "ip=172.30.77.150", "mac=02:00:ac:1e:4d:96")
    xcat("xcatmn1", "chtab", "key=xcatlab_marker", "site.value=" + stamp)
    try:
        for node in ("xcatmn2", "xcatmn1"):
            seconds = cluster.failover(node)
            lab("planned failover to %s: %.1f s from pcs resource move to the group answering"
                % (node, seconds))
            check_group_on(node)
            assert cluster.on(node, "cat", marker).out.strip() == "written before the move"
            assert "xcatlabkept" in xcat(node, "nodels").out.split()
            assert '"xcatlab_marker","%s"' % stamp in xcat(node, "tabdump", "site").out
            assert cluster.main_pid(node, "named") and not cluster.main_pid(OTHER[node], "named")
            answer = cluster.on(OTHER[node], "dig", "+short", "+time=2", "@" + cluster.VIP,
                                "%s.%s" % (COMPUTE_NODE, DOMAIN)).out.split()
            assert answer == [COMPUTE_IP]
            lease = xcat(node, "makedhcp", "-q", COMPUTE_NODE).out
            assert COMPUTE_NODE in lease and COMPUTE_IP in lease
    finally:
        xcat(cluster.active_node(), "rmdef", "-t", "node", "-o", "xcatlabkept", check=False)
        xcat(cluster.active_node(), "chtab", "-d", "key=xcatlab_marker", "site", check=False)
    assert {node: cluster.main_pid(node, "chrony") for node in cluster.NODES} == chrony


def test_unplanned_failover_under_the_manual_policy_waits_for_the_admin(lab):
    victim, survivor = "xcatmn1", "xcatmn2"
    assert cluster.active_node() == victim
    fenced_before = fencings_of(survivor, victim)
    killed = time.monotonic()
    subprocess.check_call(["docker", "kill", victim], stdout=subprocess.DEVNULL)
    # The survivor fences the dead node (the watcher restarts its container) ...
    fenced = wait_for("%s fenced" % victim, lambda: fencings_of(survivor, victim) > fenced_before,
                      timeout=90)
    lab("%s killed: fenced after %.1f s" % (victim, fenced))
    # ... and, under the manual policy, does not start the group by itself.
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        assert not has_vip(survivor)
        time.sleep(1)
    assert cluster.active_node() is None
    seconds = cluster.failover(survivor)
    lab("unplanned failover: admin start on %s answering after %.1f s (%.1f s after the kill)"
        % (survivor, seconds, time.monotonic() - killed))
    check_group_on(survivor)
    rejoined = wait_for("%s rejoined" % victim, cluster.both_online, timeout=180, interval=2)
    lab("%s rejoined the cluster %.1f s after the admin's start" % (victim, rejoined))
    cluster.settle()
    assert cluster.probes_found_active(victim) == [], "the rejoined node's probes restart the group"
    assert cluster.active_node() == survivor
    cluster.failover(victim)


def test_unplanned_failover_under_the_automatic_policy_moves_after_fencing(lab):
    victim, survivor = "xcatmn1", "xcatmn2"
    assert cluster.active_node() == victim
    cluster.set_policy("automatic")
    try:
        assert cluster.active_node() == victim
        subprocess.check_call(["docker", "kill", victim], stdout=subprocess.DEVNULL)
        moved = wait_for("group answering on %s" % survivor, lambda: cluster.group_answers(survivor),
                         timeout=240, interval=1)
        lab("automatic policy: %s killed, group answering on %s after %.1f s" % (victim, survivor, moved))
        check_group_on(survivor)
        wait_for("%s rejoined" % victim, cluster.both_online, timeout=180, interval=2)
        cluster.settle()
        assert cluster.probes_found_active(victim) == [], "the rejoined node's probes restart the group"
        assert cluster.active_node() == survivor, "the group moved back by itself"
    finally:
        cluster.set_policy("manual")
    cluster.failover(victim)


def test_deleted_vip_is_detected_and_restored_in_place(lab):
    node = cluster.active_node()
    faults.inject("delete-vip")
    assert not has_vip(node)
    restored = wait_for("VIP restored", lambda: has_vip(node) and cluster.active_node() == node,
                        timeout=60, interval=0.5)
    lab("deleted VIP restored on %s after %.1f s" % (node, restored))
    assert "xcat-vip" in pcs("status", "--full").out
    pcs("resource", "cleanup", GROUP)


def test_killed_postgres_is_restarted_in_place(lab):
    node = cluster.active_node()
    faults.inject("kill-postgres")
    restarted = wait_for("postgres back", lambda: psql_over_vip(node), timeout=120)
    lab("killed postgres answering again after %.1f s" % restarted)
    assert cluster.active_node() == node
    pcs("resource", "cleanup", GROUP)


def test_unmounted_shared_directory_is_detected(lab):
    node = cluster.active_node()
    resource = "xcat-shared"
    faults.inject("unmount-shared")
    detected = wait_for("failure recorded", lambda: resource in failed_actions(), timeout=90)
    lab("unmounted /install detected after %.1f s" % detected)
    assert "not mounted: /install" in failed_actions()
    cluster.settle()
    assert not has_vip(OTHER[node]), "the group moved by itself under the manual policy"
    if cluster.active_node() is None:
        # Several monitors of the resource failing at once can reach migration-threshold:
        # then, under the manual policy, the group waits for the admin.
        lab("group stopped after the fault (migration-threshold reached); the admin restarts it")
        pcs("resource", "cleanup", GROUP)
        cluster.failover(node)
    assert cluster.group_answers(node)
    pcs("resource", "cleanup", GROUP)


def test_partition_never_puts_the_vip_on_both_nodes_and_the_active_node_wins(lab):
    active = cluster.active_node()
    boots = {node: started_at(node) for node in cluster.NODES}
    faults.inject("partition")
    both, deadline = False, time.monotonic() + 45
    try:
        while time.monotonic() < deadline:
            both = both or (has_vip("xcatmn1") and has_vip("xcatmn2"))
            time.sleep(0.3)
    finally:
        faults.inject("heal")
    assert not both
    rejoined = wait_for("both nodes back", cluster.both_online, timeout=180, interval=2)
    lab("after the partition both nodes online again %.1f s after the heal" % rejoined)
    assert started_at(active) == boots[active], "the node running the group was fenced"
    assert started_at(OTHER[active]) != boots[OTHER[active]], "the other node was not fenced"
    assert cluster.active_node() == active
    assert cluster.group_answers(active)


def test_bad_netmask_fails_that_resource_visibly_and_harms_nothing_else(lab):
    before = cluster.active_node()
    pcs("resource", "create", "xcatlab-bad-vip", "ocf:xcat:xcat-vip", "ip=172.30.77.99",
        "cidr_netmask=33", "nic=eth0")
    try:
        wait_for("failure in pcs status", lambda: "xcatlab-bad-vip" in failed_actions(), timeout=60)
        failure = [line for line in failed_actions().splitlines() if "xcatlab-bad-vip" in line][0]
        assert "cidr_netmask" in failure
        assert cluster.active_node() == before
        assert cluster.group_answers(before)
    finally:
        pcs("resource", "delete", "xcatlab-bad-vip", "--force", check=False)
        pcs("resource", "cleanup", check=False)
