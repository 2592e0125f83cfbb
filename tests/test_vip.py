"""xcat-vip for real: two network namespaces joined by a veth pair that the test
creates; the agent runs inside the first one, the second one plays the other
hosts of the management network."""

import os
import subprocess
import time

import pytest

from support.netns import ip
from xcatha_ocf.runtime import bootstate

VIP = "192.0.2.10"
NODE_IP = "192.0.2.1"
PEER_IP = "192.0.2.2"


class Net(object):
    """Namespaces ``node`` (interface ``mgt0``) and ``peer`` (interface ``peer0``)."""

    def __init__(self, pair, ocf_agent):
        self.node, self.peer = pair.node, pair.peer
        self.ocf_agent = ocf_agent

    def addresses(self, ns=None):
        return ip("-n", ns or self.node, "-o", "-4", "addr", "show")

    def agent(self, action, args=(), interval_ms=10000, extra=None, **params):
        settings = {"ip": VIP, "nic": "mgt0", "cidr_netmask": "24", "arp_background": "no",
                    "arp_count": "1"}
        settings.update(params)
        settings = {k: v for k, v in settings.items() if v is not None}
        return self.ocf_agent.run("xcat-vip", action, settings, netns=self.node, args=args,
                                  interval_ms=interval_ms, extra=extra)


@pytest.fixture
def net(netns_pair, ocf_agent):
    pair = netns_pair("xv", "mgt0", [NODE_IP + "/24"], "peer0", [PEER_IP + "/24"])
    yield Net(pair, ocf_agent)
    pair.remove()


def vip_line(addresses):
    return [line for line in addresses.splitlines() if " inet %s/" % VIP in line]


def assert_clean(result):
    assert "Traceback" not in result.stderr


def test_start_monitor_stop_round_trip(net):
    assert net.agent("monitor").returncode == 7
    assert net.agent("start").returncode == 0
    (line,) = vip_line(net.addresses())
    assert "%s/24 brd 192.0.2.255" % VIP in line and line.split("\\")[0].split()[-1] == "mgt0:0"
    assert net.agent("monitor").returncode == 0
    assert net.agent("monitor", interval_ms=0).returncode == 0
    assert net.agent("stop").returncode == 0
    assert vip_line(net.addresses()) == []
    assert NODE_IP in net.addresses(), "stop removed only the virtual IP"
    assert net.agent("monitor").returncode == 7


def test_double_start_and_double_stop_succeed(net):
    assert net.agent("start").returncode == 0
    second = net.agent("start")
    assert second.returncode == 0 and "nothing to do" in second.stderr
    assert len(vip_line(net.addresses())) == 1
    assert net.agent("stop").returncode == 0
    assert net.agent("stop").returncode == 0


def test_start_refuses_when_another_host_holds_the_address(net, exit_reason):
    ip("-n", net.peer, "addr", "add", VIP + "/24", "dev", "peer0")
    result = net.agent("start")
    assert result.returncode == 1
    assert exit_reason(result).startswith("IP conflict: another host (")
    assert "already answers for %s on mgt0" % VIP in exit_reason(result)
    assert vip_line(net.addresses()) == []
    assert net.agent("start", check_conflict="no").returncode == 0, "the refusal came from DAD"


def test_nic_and_prefix_are_found_from_the_host_addresses(net):
    assert net.agent("start", nic=None, cidr_netmask=None).returncode == 0
    (line,) = vip_line(net.addresses())
    assert "%s/24" % VIP in line and "mgt0:0" in line
    assert net.agent("monitor", nic=None, cidr_netmask=None).returncode == 0
    assert net.agent("stop", nic=None, cidr_netmask=None).returncode == 0
    assert vip_line(net.addresses()) == []


def test_dotted_netmask_label_and_options_reach_ip(net):
    result = net.agent("start", cidr_netmask="255.255.255.128", iflabel="vip", broadcast="none",
                       preferred_lft="0", noprefixroute="yes")
    assert result.returncode == 0, result.stderr
    (line,) = vip_line(net.addresses())
    assert "%s/25" % VIP in line and "mgt0:vip" in line and "brd" not in line
    assert "noprefixroute" in line and " deprecated " in line, "preferred_lft 0"


def test_address_without_its_label_is_a_failure_that_start_repairs(net, exit_reason):
    ip("-n", net.node, "addr", "add", VIP + "/24", "dev", "mgt0")
    result = net.agent("monitor")
    assert result.returncode == 1
    assert exit_reason(result) == "%s is on mgt0 with label mgt0 instead of mgt0:0" % VIP
    assert net.agent("start").returncode == 0
    (line,) = vip_line(net.addresses())
    assert "mgt0:0" in line


def test_monitor_fails_when_the_nic_is_down_or_gone(net, exit_reason):
    assert net.agent("start").returncode == 0
    ip("-n", net.node, "link", "set", "mgt0", "down")
    down = net.agent("monitor")
    assert down.returncode == 1 and exit_reason(down) == "interface mgt0 is down"
    ip("-n", net.node, "link", "del", "mgt0")
    gone = net.agent("monitor")
    assert gone.returncode == 1 and exit_reason(gone) == "interface mgt0 is gone"
    assert net.agent("monitor", interval_ms=0).returncode == 7, "a probe reports not running"
    assert net.agent("stop").returncode == 0


def test_gratuitous_arp_updates_the_neighbours(net):
    ip("-n", net.peer, "neigh", "replace", VIP, "lladdr", "02:00:00:00:00:01", "dev", "peer0",
       "nud", "stale")
    assert net.agent("start", arp_count="2").returncode == 0
    node_mac = ip("-n", net.node, "-o", "link", "show", "mgt0").split("link/ether ")[1].split()[0]
    neighbour = ip("-n", net.peer, "neigh", "show", VIP)
    assert node_mac in neighbour, neighbour


def test_background_arp_returns_before_the_announcements_end(net):
    started = time.monotonic()
    assert net.agent("start", arp_count="5", arp_background="yes").returncode == 0
    assert time.monotonic() - started < 4


def test_dry_run_prints_the_commands_and_changes_nothing(net):
    result = net.agent("start", args=["--dry-run"])
    assert result.returncode == 0
    assert ("dry-run: would run: ip -4 addr add %s/24 brd + dev mgt0 label mgt0:0 "
            "preferred_lft forever" % VIP) in result.stdout
    assert vip_line(net.addresses()) == []
    assert net.agent("start").returncode == 0
    stop = net.agent("stop", extra={"XCATHA_DRY_RUN": "1"})
    assert "would run: ip -4 addr del %s/24 dev mgt0" % VIP in stop.stdout
    assert len(vip_line(net.addresses())) == 1


@pytest.mark.parametrize("params, reason", [
    ({"ip": "192.0.2.300"}, "octet above 255"),
    ({"ip": "192.0.2"}, "is not a dotted-quad IPv4 address"),
    ({"ip": "192.0.2.010"}, "leading zero"),
    ({"ip": "2001:db8::1"}, "is not a dotted-quad IPv4 address"),
    ({"ip": ""}, "required parameter ip is not set"),
    ({"cidr_netmask": "33"}, "prefix length must be between 1 and 32"),
    ({"cidr_netmask": "255.0.255.0"}, "not a contiguous netmask"),
    ({"cidr_netmask": "abc"}, "not a dotted-quad"),
    ({"iflabel": "has space"}, "label suffix is 0-14"),
    ({"iflabel": "abcdefghijklm"}, "longer than 15 characters"),
    ({"nic": "eth0;reboot"}, "interface name is 1-15"),
    ({"broadcast": "everyone"}, "not a dotted-quad"),
    ({"arp_count": "-1"}, "must be at least 0"),
    ({"check_conflict": "maybe"}, "expected yes or no"),
    ({"preferred_lft": "soon"}, "expected 'forever' or a number of seconds from 0 to"),
    ({"preferred_lft": "999999999999999999999"}, "from 0 to 4294967294"),
    ({"arp_count": " 101 "}, "must be at most 100"),
    ({"ip": "192.0.2.0"}, "network or broadcast address of its /24"),
    ({"ip": "192.0.2.255"}, "network or broadcast address of its /24"),
])
def test_malformed_configuration_is_err_configured(net, params, reason, exit_reason):
    for action in ("validate-all", "start", "monitor"):
        result = net.agent(action, **params)
        assert result.returncode == 6, (action, result.stderr)
        assert reason in exit_reason(result)
        assert_clean(result)
    assert net.agent("stop", **params).returncode == 0
    assert vip_line(net.addresses()) == []


def test_missing_nic_is_a_local_argument_error(net, exit_reason):
    result = net.agent("validate-all", nic="eth9")
    assert result.returncode == 2
    assert exit_reason(result) == "interface eth9 does not exist on this host"
    assert net.agent("start", nic="eth9").returncode == 2
    assert net.agent("monitor", nic="eth9", interval_ms=0).returncode == 7


def test_undetectable_network_is_reported(net, exit_reason):
    result = net.agent("validate-all", ip="198.51.100.7", nic=None, cidr_netmask=None)
    assert result.returncode == 2
    assert "no interface on this host has an address in the network of 198.51.100.7" \
        in exit_reason(result)


def test_missing_tools_are_err_installed_except_in_probes(net, exit_reason):
    missing = {"OCF_TESTER_FAIL_HAVE_BINARY": "1"}
    result = net.agent("validate-all", extra=missing)
    assert result.returncode == 5 and exit_reason(result) == "ip is not installed"
    assert net.agent("monitor", interval_ms=0, extra=missing).returncode == 7
    assert net.agent("start").returncode == 0
    assert net.agent("monitor", extra=missing).returncode == 0, "monitor needs no tools"


def test_nothing_is_written_to_persistent_network_configuration(net, tmp_path):
    watched = ["/etc/network", "/etc/sysconfig", "/etc/NetworkManager", "/etc/netplan",
               "/etc/systemd/network"]
    before = {path: os.stat(path).st_mtime for path in watched if os.path.exists(path)}
    assert net.agent("start").returncode == 0
    assert net.agent("stop").returncode == 0
    assert {path: os.stat(path).st_mtime for path in before} == before


def test_ocf_tester_passes(net, ocf_agent):
    command = ["ip", "netns", "exec", net.node, "ocf-tester", "-n", "vip",
               "-o", "ip=" + VIP, "-o", "nic=mgt0", "-o", "cidr_netmask=24",
               "-o", "arp_background=no", "-o", "arp_count=1", ocf_agent.path("xcat-vip")]
    result = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "passed all tests" in result.stdout


def test_pcs_and_crm_resource_describe_the_installed_agent(system_agents):
    """Installed into the real OCF root, where pcs and Pacemaker look for agents."""
    described = subprocess.run(["pcs", "resource", "describe", "ocf:xcat:xcat-vip"],
                               capture_output=True, text=True, check=True).stdout
    assert described.startswith("ocf:xcat:xcat-vip - Non-persistent virtual IP")
    assert "ip (required)" in described and "iflabel" in described
    metadata = subprocess.run(["crm_resource", "--show-metadata", "ocf:xcat:xcat-vip"],
                              capture_output=True, text=True, check=True).stdout
    assert '<resource-agent name="xcat-vip"' in metadata


def test_stop_ends_the_background_announcements(net):
    """Late gratuitous ARPs from the old node would fail the next node's conflict check."""
    assert net.agent("start", arp_count="30", arp_background="yes").returncode == 0
    record = bootstate.path("test.vip")      # the instance name agentrun gives
    pid = int(bootstate.load(record)["arping"])
    assert b"arping" in open("/proc/%d/cmdline" % pid, "rb").read()
    assert net.agent("stop").returncode == 0
    deadline = time.monotonic() + 5
    while os.path.exists("/proc/%d" % pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not os.path.exists("/proc/%d" % pid) and not os.path.exists(record)


def test_a_boolean_of_only_spaces_is_the_default_not_false(net, exit_reason):
    """check_conflict=" " must not silently skip duplicate address detection."""
    ip("-n", net.peer, "addr", "add", VIP + "/24", "dev", "peer0")
    result = net.agent("start", check_conflict=" ")
    assert result.returncode == 1 and "IP conflict" in exit_reason(result)
    assert vip_line(net.addresses()) == []


def test_start_on_a_link_that_is_down_says_so_and_adds_nothing(net, exit_reason):
    ip("-n", net.node, "link", "set", "mgt0", "down")
    result = net.agent("start")
    assert result.returncode == 1
    assert exit_reason(result).startswith("interface mgt0 is down")
    assert vip_line(net.addresses()) == []


def test_stop_after_the_address_changed_removes_the_one_start_added(net):
    """pcs resource update ip=...: the stop Pacemaker runs may carry the new address."""
    assert net.agent("start").returncode == 0
    result = net.agent("stop", ip="192.0.2.201")
    assert result.returncode == 0, result.stderr
    assert vip_line(net.addresses()) == []
    assert bootstate.load(bootstate.path("test.vip")) is None


def test_an_address_added_by_hand_where_no_start_ran_is_reported_running(net):
    """The VIP put on the passive node by hand, even without its label: the Stopped-role
    monitor reports it running so that the cluster removes it, not a failure."""
    ip("-n", net.node, "addr", "add", VIP + "/24", "dev", "mgt0")
    result = net.agent("monitor", interval_ms=11000, extra={"OCF_RESKEY_CRM_meta_role": "Stopped"})
    assert result.returncode == 0
    assert "this node did not start it in this boot" in result.stderr
    assert net.agent("stop").returncode == 0
    assert vip_line(net.addresses()) == []


def test_without_a_record_a_started_role_monitor_still_reports_a_failure(net):
    """Where the group runs, a missing record (agents upgraded under it) hides nothing."""
    ip("-n", net.node, "addr", "add", VIP + "/24", "dev", "mgt0")
    result = net.agent("monitor", interval_ms=10000)
    assert result.returncode == 1
    assert "did not start it" not in result.stderr


def test_a_netmask_spoiled_under_the_started_vip_still_lets_stop_remove_it(net):
    """pcs resource update cidr_netmask=33: stop and the probe use the start's parameters."""
    assert net.agent("start").returncode == 0
    assert net.agent("monitor", interval_ms=0, cidr_netmask="33").returncode == 0
    result = net.agent("stop", cidr_netmask="33")
    assert result.returncode == 0, result.stderr
    assert "stop with the parameters of its start in this boot" in result.stderr
    assert vip_line(net.addresses()) == []


def test_a_start_that_finds_the_vip_in_place_records_it(net):
    ip("-n", net.node, "addr", "add", VIP + "/24", "dev", "mgt0", "label", "mgt0:0")
    assert bootstate.load(bootstate.path("test.vip")) is None
    assert net.agent("start").returncode == 0
    assert bootstate.load(bootstate.path("test.vip")) == {"ip": VIP, "nic": "mgt0"}
    assert net.agent("stop").returncode == 0
    assert bootstate.load(bootstate.path("test.vip")) is None
