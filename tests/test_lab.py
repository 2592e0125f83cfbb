"""End-to-end tests in the 2-node cluster lab (cluster-lab/, `xcatha lab`) with real
xCAT 2.19.

The lab is brought up once for the session and removed at the end unless
XCATHA_LAB_KEEP=1: with a cached image about 10 minutes (xCAT's first
configuration on both nodes, then pgsqlsetup's switch to PostgreSQL), plus about
3 minutes to build the image the first time.  The other lab modules
(test_lab_*.py, test_ops_lab.py) import the ``lab`` fixture and share it.  Every
test prints its timings.
"""

import os
import shutil
import subprocess
import time

import pytest

from xcatha_ocf.runtime import xcat
from xcathalab import cluster, faults
from xcathalab.shell import wait_for

pytestmark = [
    pytest.mark.lab,
    pytest.mark.skipif(os.geteuid() != 0, reason="the lab needs root"),
    pytest.mark.skipif(not (shutil.which("dockerd") and shutil.which("debootstrap")),
                       reason="docker.io and debootstrap are needed (./setup.sh deps)"),
]

GROUP = cluster.GROUP
OTHER = {"xcatmn1": "xcatmn2", "xcatmn2": "xcatmn1"}


@pytest.fixture(scope="session")
def lab(request):
    plugins = request.config.pluginmanager
    reporter, capture = plugins.get_plugin("terminalreporter"), plugins.get_plugin("capturemanager")

    def say(text):
        with capture.global_and_fixture_disabled():
            reporter.write_line("lab timing: " + text)

    started = time.monotonic()
    cluster.up()
    say("lab up (image, nodes, cluster, group) in %.1f s" % (time.monotonic() - started))
    yield say
    if os.environ.get("XCATHA_LAB_KEEP") != "1":
        cluster.down()


@pytest.fixture(autouse=True)
def settled(lab):
    """Each test starts on a cluster with no actions pending."""
    cluster.settle()


def pcs(*argv, **kwargs):
    return cluster.pcs(*argv, timeout=120, **kwargs)


def has_vip(node):
    if cluster.container_state(node) != "running":
        return False
    out = cluster.on(node, "ip", "-4", "-o", "addr", "show", "dev", "eth0", check=False).out
    return (" %s/" % cluster.VIP) in out


def group_members_started_on(node):
    out = pcs("status", "resources", GROUP, check=False).out
    return [line.split()[0].lstrip("*").strip() for line in out.splitlines() if "Started " + node in line]


def mac_of(node):
    return cluster.on(node, "cat", "/sys/class/net/eth0/address").out.strip().lower()


def host_sees_vip_at(node):
    """The host's ARP entry for the VIP (after a ping) is ``node``'s MAC."""
    subprocess.call(["ping", "-c1", "-W1", cluster.VIP], stdout=subprocess.DEVNULL)
    out = subprocess.run(["ip", "neigh", "show", cluster.VIP], stdout=subprocess.PIPE,
                         universal_newlines=True).stdout.lower()
    return mac_of(node) in out


def xcatd_answers():
    return xcat.handshake_failure(cluster.VIP, 3001, 2) is None


def psql_over_vip(node):
    """A password login over the VIP from ``node``'s peer (so it crosses the lab network)."""
    peer = OTHER[node]
    return cluster.on(peer, "env", "PGPASSWORD=" + cluster.DB_PASSWORD, "psql", "-h", cluster.VIP,
                      "-U", cluster.DB_USER, "-d", "xcatdb", "-tAc", "select 1", check=False,
                      timeout=30).out.strip() == "1"


def check_group_on(node, say, marker=None):
    """Everything the group offers answers from ``node``, nothing of it runs on the
    other, and the clocks are kept on both."""
    assert has_vip(node)
    assert not has_vip(OTHER[node])
    assert host_sees_vip_at(node)
    assert group_members_started_on(OTHER[node]) == []
    assert xcatd_answers()
    assert psql_over_vip(node)
    assert all(cluster.main_pid(each, "chrony") for each in cluster.NODES)
    if marker:
        assert cluster.on(node, "cat", marker, check=False).out.strip() == "written before the move"


def test_cluster_is_formed_with_fencing_and_the_group_on_xcatmn1(lab):
    assert cluster.both_online()
    assert "stonith-enabled: true" in pcs("property", "config", "--all").out
    assert cluster.active_node() == "xcatmn1"
    check_group_on("xcatmn1", lab)


def test_planned_failover_and_back(lab):
    marker = "/install/xcatlab-marker"
    cluster.on("xcatmn1", "sh", "-c", "echo 'written before the move' > " + marker)
    for node in ("xcatmn2", "xcatmn1"):
        seconds = cluster.failover(node)
        lab("planned failover to %s: %.1f s from pcs resource move to the group answering" % (node, seconds))
        check_group_on(node, lab, marker)


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
    check_group_on(survivor, lab)
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
        killed = time.monotonic()
        subprocess.check_call(["docker", "kill", victim], stdout=subprocess.DEVNULL)
        moved = wait_for("group answering on %s" % survivor, lambda: cluster.group_answers(survivor),
                         timeout=240, interval=1)
        lab("automatic policy: %s killed, group answering on %s after %.1f s" % (victim, survivor, moved))
        check_group_on(survivor, lab)
        wait_for("%s rejoined" % victim, cluster.both_online, timeout=180, interval=2)
        cluster.settle()
        assert cluster.probes_found_active(victim) == [], "the rejoined node's probes restart the group"
        assert cluster.active_node() == survivor, "the group moved back by itself"
    finally:
        cluster.set_policy("manual")
    cluster.failover(victim)


def fencings_of(executor, target):
    """How many successful fencing actions against ``target`` ``executor``'s fencer knows."""
    out = cluster.on(executor, "stonith_admin", "--history", target, check=False, timeout=30).out
    return sum(1 for line in out.splitlines() if " of %s successful" % target in line)


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


def failed_actions():
    out = pcs("status", "--full").out
    return out.split("Failed Resource Actions:", 1)[1] if "Failed Resource Actions:" in out else ""


def started_at(node):
    return cluster.run(["docker", "inspect", "-f", "{{.State.StartedAt}}", node]).out.strip()


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
