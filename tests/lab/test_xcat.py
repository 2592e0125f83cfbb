"""Real xCAT 2.19 in the lab: the version and database the group runs, hung
services found by the monitors, and parameters changed under a running group
leaving nothing behind."""

import pytest

from support.labnodes import GROUP, failed_actions, pcs
from xcatha_ocf.runtime import pgconf
from xcathalab import cluster, faults
from xcathalab.shell import wait_for


def test_the_active_node_runs_xcat_2_19_on_postgresql_through_the_vip(lab):
    node = cluster.active_node()
    report = cluster.xcat(node, "lsxcatd", "-a").out
    lab("lsxcatd -a on %s: %s" % (node, " | ".join(report.splitlines())))
    assert report.startswith("Version 2.19.0")
    assert "dbengine=Pg" in report.splitlines()
    assert "cfgloc=Pg:dbname=xcatdb;host=%s|" % cluster.VIP in report


def xcatd_pid(node):
    return cluster.main_pid(node, "xcatd")


def postmaster_pid(node):
    return int(cluster.on(node, "head", "-1", faults.POSTMASTER_PID).out.strip())


@pytest.mark.parametrize("process", [postmaster_pid, xcatd_pid], ids=["postmaster", "xcatd"])
def test_a_hung_service_fails_a_monitor_within_60_seconds(lab, process):
    node = cluster.active_node()
    pid = process(node)
    cluster.on(node, "kill", "-STOP", str(pid))
    try:
        detected = wait_for("xcat-services monitor failed", lambda: "xcat-services" in failed_actions(),
                            timeout=60)
    finally:
        cluster.on(node, "kill", "-CONT", str(pid), check=False)
    lab("SIGSTOP of %s on %s: a monitor failed after %.1f s" % (process.__name__, node, detected))
    reason = [line for line in failed_actions().splitlines() if "xcat-services" in line]
    lab("failure: " + " / ".join(line.strip() for line in reason))
    wait_for("group answering again on %s" % node, lambda: cluster.group_answers(node), timeout=180)
    assert cluster.active_node() == node
    pcs("resource", "cleanup", GROUP)


def update(resource, *assignments):
    pcs("resource", "update", resource, *assignments)
    cluster.settle()


def test_a_vip_changed_by_pcs_resource_update_is_removed_from_its_old_address(lab):
    node = cluster.active_node()
    old, new = "172.30.77.30", "172.30.77.31"
    pcs("resource", "create", "xcatlab-update-vip", "ocf:xcat:xcat-vip", "ip=" + old,
        "cidr_netmask=24", "nic=eth0", "iflabel=9", "--wait=60")
    try:
        assert len(nodes_where(address_on, old)) == 1
        update("xcatlab-update-vip", "ip=" + new)
        assert nodes_where(address_on, old) == []
        assert len(nodes_where(address_on, new)) == 1
    finally:
        pcs("resource", "delete", "xcatlab-update-vip", "--force", check=False)
        cluster.settle()
    assert nodes_where(address_on, old) + nodes_where(address_on, new) == []
    assert cluster.active_node() == node and cluster.group_answers(node)


def nodes_where(found, what):
    """The lab nodes where ``found(node, what)`` holds."""
    return [node for node in cluster.NODES if found(node, what)]


def address_on(node, address):
    return (" %s/" % address) in cluster.on(node, "ip", "-4", "-o", "addr", "show", "dev", "eth0").out


def test_a_directory_dropped_by_pcs_resource_update_is_unmounted(lab):
    kept, dropped = "/srv/xcatlab-kept", "/srv/xcatlab-dropped"
    shared = cluster.SHARED_MOUNT + "/xcatlab-update"
    for node in cluster.NODES:
        cluster.on(node, "mkdir", "-p", kept, dropped)
    cluster.on(cluster.active_node(), "mkdir", "-p", shared + kept, shared + dropped)
    pcs("resource", "create", "xcatlab-update-shared", "ocf:xcat:xcat-shared", "shared_dir=" + shared,
        "directories=%s %s" % (kept, dropped), "--wait=60")
    try:
        assert len(nodes_where(mounted, dropped)) == 1
        update("xcatlab-update-shared", "directories=" + kept)
        assert nodes_where(mounted, dropped) == []
        assert len(nodes_where(mounted, kept)) == 1
    finally:
        pcs("resource", "delete", "xcatlab-update-shared", "--force", check=False)
        cluster.settle()
        cluster.on(cluster.active_node(), "rm", "-rf", shared)
    assert nodes_where(mounted, kept) + nodes_where(mounted, dropped) == []


def mounted(node, directory):
    return cluster.on(node, "mountpoint", "-q", directory, check=False).rc == 0


def test_client_networks_changed_by_pcs_resource_update_leave_no_old_line(lab):
    node = cluster.active_node()
    hba = "/etc/postgresql/15/main/pg_hba.conf"
    old, new = "172.30.77.0/24", "172.30.77.0/25"
    assert old in managed_lines(node, hba)
    update("xcat-pgsql-conf", "client_networks=" + new)
    try:
        lines = managed_lines(node, hba)
        assert new in lines and old not in lines
        assert cluster.active_node() == node and cluster.group_answers(node)
    finally:
        update("xcat-pgsql-conf", "client_networks=" + old)
    assert old in managed_lines(node, hba)


def managed_lines(node, path):
    """The rules of the agent's managed block of ``path`` on ``node``."""
    lines = cluster.on(node, "cat", path).out.splitlines()
    block = lines[lines.index(pgconf.BEGIN) + 1:lines.index(pgconf.END)]
    return "\n".join(line for line in block if not line.startswith("#"))


def test_a_console_dropped_by_pcs_resource_update_is_stopped(lab):
    node = cluster.active_node()
    assert cluster.main_pid(node, "conserver-server")
    update("xcat-services", "console=none")
    try:
        assert not cluster.main_pid(node, "conserver-server")
        assert cluster.active_node() == node and cluster.group_answers(node)
    finally:
        update("xcat-services", "console=conserver")
    assert cluster.main_pid(node, "conserver-server")
