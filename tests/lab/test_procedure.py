"""xCAT's HA procedure on both nodes of the lab: nothing of xCAT started at boot,
the passive node watched, clean shutdowns and reboots, and ``xcatha check``
failing with the fix for each deviation."""

from support.labnodes import GROUP, OTHER, check_results, failed_actions, has_vip, pcs, xcatha
from xcatha_ocf.ops import check
from xcathalab import cluster
from xcathalab.shell import run, wait_for

XCAT_UNITS = ("postgresql@15-main", "xcatd", "named", "isc-dhcp-server", "conserver-server")


def active_since_boot(node):
    """The xCAT units that became active at any time since ``node`` booted."""
    return [unit for unit in XCAT_UNITS
            if cluster.on(node, "systemctl", "show", "--value", "-p", "ActiveEnterTimestampMonotonic",
                          unit).out.strip() not in ("", "0")]


def enabled_at_boot(node):
    states = cluster.on(node, "systemctl", "is-enabled", *XCAT_UNITS, check=False).out.split()
    return [unit for unit, state in zip(XCAT_UNITS, states) if state.startswith("enabled")]


def chrony_runs_on_both():
    return all(cluster.main_pid(node, "chrony") for node in cluster.NODES)


def restart_containers(*nodes):
    """A clean reboot: `docker stop` (SIGRTMIN+3, systemd's shutdown), then start."""
    run(["docker", "stop"] + list(nodes), timeout=300)
    run(["docker", "start"] + list(nodes), timeout=120)
    for node in nodes:
        wait_for("%s booted" % node, lambda: cluster.booted(node), timeout=180, interval=2)
    wait_for("both nodes online", cluster.both_online, timeout=240, interval=2)
    cluster.settle()


def test_no_xcat_unit_is_enabled_at_boot_and_chrony_runs_on_both_nodes(lab):
    for node in cluster.NODES:
        assert enabled_at_boot(node) == []
        assert cluster.on(node, "cat", "/etc/postgresql/15/main/start.conf").out.split()[-1] == "manual"
    assert chrony_runs_on_both()


def test_a_rebooted_passive_node_starts_nothing_of_xcat(lab):
    passive = OTHER[cluster.active_node()]
    fenced = cluster.fence_actions()
    restart_containers(passive)
    assert active_since_boot(passive) == []
    assert cluster.main_pid(passive, "chrony")
    assert cluster.fence_actions() == fenced
    assert cluster.group_answers(OTHER[passive])


def test_stopping_the_active_nodes_container_stops_the_group_cleanly_and_fences_nothing(lab):
    victim = cluster.active_node()
    survivor = OTHER[victim]
    fenced = cluster.fence_actions()
    run(["docker", "stop", victim], timeout=300)
    cluster.settle()
    lab("docker stop %s: group %s" % (victim, cluster.active_node() or "stopped"))
    assert cluster.active_node() is None          # the manual policy: nothing moves by itself
    assert not has_vip(survivor) and active_since_boot(survivor) == []
    assert failed_actions() == ""
    assert cluster.fence_actions() == fenced
    run(["docker", "start", victim], timeout=120)
    wait_for("%s online" % victim, cluster.both_online, timeout=240, interval=2)
    cluster.failover(victim)
    assert cluster.fence_actions() == fenced


def test_rebooting_both_nodes_fences_nothing_and_starts_nothing_of_xcat(lab):
    home = cluster.active_node()
    fenced = cluster.fence_actions()
    restart_containers(*cluster.NODES)
    assert cluster.fence_actions() == fenced
    assert cluster.active_node() is None
    for node in cluster.NODES:
        assert active_since_boot(node) == []
    assert chrony_runs_on_both()
    seconds = cluster.failover(home)
    lab("after rebooting both nodes the admin started the group on %s in %.1f s" % (home, seconds))


def unit_state(node, unit):
    return cluster.on(node, "systemctl", "is-active", unit, check=False).out.strip()


def test_xcatd_started_by_hand_on_the_passive_node_is_stopped_by_the_cluster(lab):
    active = cluster.active_node()
    passive = OTHER[active]
    cluster.on(passive, "systemctl", "start", "--no-block", "xcatd")
    assert unit_state(passive, "xcatd") in ("activating", "active")
    stopped = wait_for("stray xcatd stopped", lambda: unit_state(passive, "xcatd") == "inactive",
                       timeout=90)
    lab("xcatd started by hand on %s: stopped by the cluster after %.1f s" % (passive, stopped))
    cluster.settle()
    assert cluster.active_node() == active and cluster.group_answers(active)
    pcs("resource", "cleanup", GROUP)


def test_the_vip_added_by_hand_on_the_passive_node_is_removed_by_the_cluster(lab):
    active = cluster.active_node()
    passive = OTHER[active]
    cluster.on(passive, "ip", "addr", "add", "%s/%d" % (cluster.VIP, cluster.PREFIX), "dev", "eth0",
               "label", "eth0:0")
    kept = []

    def removed_there_only():
        kept.append(has_vip(active))
        return not has_vip(passive)

    removed = wait_for("stray VIP removed", removed_there_only, timeout=60)
    lab("VIP added by hand on %s: removed by the cluster after %.1f s" % (passive, removed))
    cluster.settle()
    assert all(kept) and cluster.active_node() == active and cluster.group_answers(active)
    pcs("resource", "cleanup", GROUP)


def check_failures():
    return {key: item["reason"] for key, item in check_results().items() if item["verdict"] == check.FAIL}


def test_check_fails_on_an_enabled_unit_naming_node_prepare(lab):
    passive = OTHER[cluster.active_node()]
    cluster.on(passive, "systemctl", "enable", "xcatd")
    try:
        failed = check_failures()
        assert list(failed) == [("services not enabled at boot", passive)]
        assert "xcatd" in failed[("services not enabled at boot", passive)]
        assert "xcatha node prepare" in failed[("services not enabled at boot", passive)]
    finally:
        xcatha(passive, "node", "prepare")
    assert check_failures() == {}


def edit_hosts(node, sed_expression):
    """Edit /etc/hosts in place (docker bind-mounts it: sed -i's rename would fail)."""
    text = cluster.on(node, "cat", "/etc/hosts").out
    cluster.on(node, "sh", "-c", "sed '%s' /etc/hosts > /tmp/hosts && cat /tmp/hosts > /etc/hosts"
               % sed_expression)
    return text


def test_check_fails_on_a_missing_vip_name_with_the_line_to_add(lab):
    node = "xcatmn2"
    saved = edit_hosts(node, "/^%s /d" % cluster.VIP.replace(".", "\\."))
    try:
        failed = check_failures()
        assert "add a line '%s <the management node's name>' to /etc/hosts on %s" % (cluster.VIP, node) \
            in failed[("VIP in /etc/hosts", node)]
        assert ("/etc/hosts in sync", "xcatmn1, xcatmn2") in failed
    finally:
        cluster.on(node, "sh", "-c", "cat > /etc/hosts", stdin=saved)
    assert check_failures() == {}


def test_check_fails_on_hosts_files_that_differ(lab):
    saved = edit_hosts("xcatmn2", "$a 172.30.77.99 stray-host")
    try:
        failed = check_failures()
        assert list(failed) == [("/etc/hosts in sync", "xcatmn1, xcatmn2")]
        assert "stray-host" in failed[("/etc/hosts in sync", "xcatmn1, xcatmn2")]
    finally:
        cluster.on("xcatmn2", "sh", "-c", "cat > /etc/hosts", stdin=saved)
    assert check_failures() == {}


def test_check_fails_on_site_master_naming_a_node_with_the_chdef_that_fixes_it(lab):
    active = cluster.active_node()
    cluster.xcat(active, "chdef", "-t", "site", "master=" + cluster.NODES[active])
    try:
        failed = check_failures()
        reason = failed[("site table on the VIP", active)]
        assert "site.master is %s (%s's own address)" % (cluster.NODES[active], active) in reason
        assert "chdef -t site master=%s" % cluster.VIP in reason
    finally:
        cluster.xcat(active, "chdef", "-t", "site", "master=" + cluster.VIP)
    assert check_failures() == {}
