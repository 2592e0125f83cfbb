"""xcatha check with injected runners: the cluster state from real crm_mon /
cibadmin on a crm_simulate-made CIB, file checks by the real cat/grep/sh on a
per-node directory tree standing in for /etc and /var, canned answers (in the
tools' real formats) for systemctl, ip, blkid, date and stonith_admin."""

import io
import os
import re
import subprocess
import time
from types import SimpleNamespace

import pytest

from xcatha_ocf.agents import GROUP
from xcatha_ocf.ops import check
from xcatha_ocf.runtime.runner import Result, Runner, LocalExecutor

HOSTS = "127.0.0.1 localhost\n192.0.2.10 xcatmn xcatmn.cluster.com\n192.0.2.11 xcatmn1\n192.0.2.12 xcatmn2\n"
# stonith_admin 2.1.5's format (as seen in tests/test_ops_live.py's cluster).
FENCED = """<pacemaker-result api-version="2.25" request="stonith_admin --history * --output-as=xml">
  <list name="fencing history" count="2">
    <fence_event action="reboot" target="xcatmn2" client="stonith_admin.4242" origin="xcatmn1"
                 status="success" delegate="xcatmn1" completed="2026-11-20 10:00:00Z"/>
    <fence_event action="reboot" target="xcatmn1" client="pacemaker-controld.981" origin="xcatmn2"
                 status="success" delegate="xcatmn2" completed="2026-11-21 10:00:00Z"/>
  </list>
  <status code="0" message="OK"/>
</pacemaker-result>
"""
UNITS_DISABLED = ("postgresql.service disabled enabled\nnamed.service disabled disabled\n"
                  "xcatd.service disabled disabled\n")
SITE_ON_THE_VIP = "clustersite: master=192.0.2.10\nclustersite: nameservers=192.0.2.10\n"
CFGLOC = "Pg:dbname=xcatdb;host=192.0.2.10|xcatadm|secret\n"


class FakeCheckedNode(object):
    """One management node: files under ``root``, canned tool answers."""

    def __init__(self, root, name, hosts=HOSTS, offset=0.0, units=UNITS_DISABLED, addresses="",
                 device_type="ext4\n", reachable=True, site=SITE_ON_THE_VIP):
        self.root = str(root)
        self.name = name
        self.calls = []
        self.offset = offset
        self.units = units
        self.addresses = addresses
        self.device_type = device_type
        self.reachable = reachable
        self.site = site
        self.write("/etc/hosts", hosts)
        self.write("/etc/resolv.conf", "search cluster.com\nnameserver 192.0.2.10\n")
        self.write("/etc/xcat/cfgloc", CFGLOC)

    def write(self, path, text):
        full = self.root + path
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as handle:
            handle.write(text)

    def describe(self, argv):
        return " ".join(argv)

    def run(self, argv, timeout, stdin=None, env=None):
        self.calls.append(list(argv))
        if not self.reachable:
            return Result(argv, 255, err="ssh: connect to host %s port 22: No route to host" % self.name)
        name = argv[0]
        if name == "true":
            return Result(argv, 0)
        if name == "date":
            return Result(argv, 0, "%.9f\n" % (time.time() + self.offset))
        if name == "systemctl":
            return Result(argv, 0, self.units)
        if name == "ip":
            return Result(argv, 0, self.addresses)
        if name == "blkid":
            return Result(argv, 0 if self.device_type else 2, self.device_type)
        if name == "lsdef":
            return Result(argv, 0, self.site)
        if name in ("cat", "grep", "sh", "sed"):
            return self.real(argv)
        raise AssertionError("unexpected command %s" % argv)

    def real(self, argv):
        moved = [re.sub(r"(?<![\w.])/(etc|var)/", self.root + r"/\1/", arg) for arg in argv]
        process = subprocess.run(moved, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 universal_newlines=True)
        return Result(argv, process.returncode, process.stdout.replace(self.root, ""),
                      process.stderr.replace(self.root, ""))


class Local(object):
    """This host (xcatmn1): cluster tools on the CIB file, the rest to its FakeCheckedNode."""

    def __init__(self, cib, node, fence_history=FENCED):
        self.cib = cib
        self.node = node
        self.fence_history = fence_history

    def describe(self, argv):
        return " ".join(argv)

    def run(self, argv, timeout, stdin=None, env=None):
        if argv[0] in ("crm_mon", "cibadmin"):
            return LocalExecutor().run(argv, timeout, env={"CIB_file": self.cib})
        if argv[0] == "crm_node":
            return Result(argv, 0, "xcatmn1\n")
        if argv[0] == "stonith_admin":
            return Result(argv, 0, self.fence_history)
        return self.node.run(argv, timeout)


@pytest.fixture
def nodes(tmp_path):
    return {name: FakeCheckedNode(tmp_path / name, name) for name in ("xcatmn1", "xcatmn2")}


def run_checks(cluster_states, nodes, state="running_xcatmn1", **local):
    # dry-run runners: a check that changed anything would not reach the fake nodes
    local_runner = Runner(Local(cluster_states[state], nodes["xcatmn1"], **local), dry_run=True)
    results = check.run_checks(local_runner, lambda name: Runner(nodes[name], dry_run=True))
    return dict(((item.name, item.node), item) for item in results)


def verdicts(results):
    return dict((key, item.verdict) for key, item in results.items())


def test_healthy_pair_passes(cluster_states, nodes):
    nodes["xcatmn1"].write("/var/lib/pgsql/data/pg_hba.conf", "local all all peer\n")
    results = run_checks(cluster_states, nodes)
    failing = [item for item in results.values() if item.verdict != check.PASS]
    assert failing == [] , failing
    assert results[("/etc/hosts in sync", "xcatmn1, xcatmn2")].reason == "4 entries, identical"
    assert results[("fencing tested", "xcatmn2")].reason == "reboot by xcatmn1 at 2026-11-20 10:00:00Z"
    assert results[("fencing device", "fence-xcatmn1")].reason == "started on xcatmn2, monitor ok"
    assert results[("shared storage", "xcatmn2")].reason == "/dev/disk/by-label/xcatdata present: ext4"
    # The exact commands the peer ran, over its runner (ssh in real life).
    assert nodes["xcatmn2"].calls == [
        ["true"], ["cat", "/etc/hosts"], ["date", "+%s.%N"],
        ["grep", "-rnswF", "-e", "192.0.2.10", "--"] + list(check.NETWORK_CONFIG),
        ["ip", "-o", "addr", "show", "to", "192.0.2.10"],
        ["systemctl", "list-unit-files", "--no-legend", "--no-pager", "--type=service"] + list(check.BOOT_UNITS),
        ["sh", "-c", "grep -lx auto %s 2>/dev/null; true" % check.START_CONFS],
        ["blkid", "-o", "value", "-s", "TYPE", "/dev/disk/by-label/xcatdata"],
        ["sh", "-c", "ls -1d %s 2>/dev/null; true" % " ".join(check.PG_HBA_GLOBS)],
        ["cat", "/etc/resolv.conf"]]
    assert results[("VIP in /etc/hosts", "xcatmn2")].reason == "192.0.2.10 xcatmn xcatmn.cluster.com"
    assert results[("resolver", "xcatmn2")].reason == \
        "nameservers 192.0.2.10 (the VIP's named among them)"
    assert results[("site table on the VIP", "xcatmn1")].reason == (
        "site.master 192.0.2.10, site.nameservers 192.0.2.10, cfgloc's host 192.0.2.10")
    assert results[("PostgreSQL configuration", "xcatmn2")].reason == \
        "on the shared storage: /var/lib/pgsql/data/pg_hba.conf, mounted on xcatmn1"


def test_hosts_out_of_sync_fail_with_the_difference(cluster_states, nodes):
    nodes["xcatmn2"].write("/etc/hosts", HOSTS + "192.0.2.50 cn50\n")
    item = run_checks(cluster_states, nodes)[("/etc/hosts in sync", "xcatmn1, xcatmn2")]
    assert item.verdict == check.FAIL and item.reason == "only on xcatmn2: 192.0.2.50 cn50"


def test_hosts_comments_and_spacing_do_not_matter(cluster_states, nodes):
    nodes["xcatmn2"].write("/etc/hosts", "# managed by xCAT\n" + HOSTS.replace(" ", "\t") + "\n")
    assert run_checks(cluster_states, nodes)[("/etc/hosts in sync", "xcatmn1, xcatmn2")].verdict == check.PASS


def test_vip_missing_from_hosts_fails_naming_the_line_to_add(cluster_states, nodes):
    for node in nodes.values():
        node.write("/etc/hosts", "192.0.2.11 xcatmn1\n192.0.2.12 xcatmn2\n")
    item = run_checks(cluster_states, nodes)[("VIP in /etc/hosts", "xcatmn2")]
    assert item.verdict == check.FAIL
    assert item.reason == ("192.0.2.10 has no name: add a line '192.0.2.10 <the management "
                           "node's name>' to /etc/hosts on xcatmn2")


def test_a_resolver_that_does_not_ask_the_vip_warns(cluster_states, nodes):
    nodes["xcatmn2"].write("/etc/resolv.conf", "nameserver 8.8.8.8\n")
    item = run_checks(cluster_states, nodes)[("resolver", "xcatmn2")]
    assert item.verdict == check.WARN
    assert item.reason.startswith("nameservers 8.8.8.8: xCAT's named answers on 192.0.2.10; put "
                                  "'nameserver 192.0.2.10' first")


@pytest.mark.parametrize("site, cfgloc, wrong", [
    ("clustersite: master=192.0.2.11\nclustersite: nameservers=192.0.2.10\n", CFGLOC,
     "site.master is 192.0.2.11 (xcatmn1's own address)"),
    (SITE_ON_THE_VIP, CFGLOC.replace("192.0.2.10", "192.0.2.12"),
     "cfgloc's host is 192.0.2.12 (xcatmn2's own address)"),
])
def test_a_site_table_naming_a_node_fails_with_the_fix(cluster_states, nodes, site, cfgloc, wrong):
    nodes["xcatmn1"].site = site
    nodes["xcatmn1"].write("/etc/xcat/cfgloc", cfgloc)
    item = run_checks(cluster_states, nodes)[("site table on the VIP", "xcatmn1")]
    assert item.verdict == check.FAIL
    assert item.reason == ("%s: set them to 192.0.2.10 (chdef -t site master=192.0.2.10 "
                           "nameservers=192.0.2.10; host=192.0.2.10 in /etc/xcat/cfgloc)" % wrong)


@pytest.mark.parametrize("offset, verdict", [(0.0, "PASS"), (2.0, "WARN"), (-30.0, "FAIL")])
def test_clock_offset(cluster_states, nodes, offset, verdict):
    nodes["xcatmn2"].offset = offset
    item = run_checks(cluster_states, nodes)[("clock in sync", "xcatmn2")]
    assert item.verdict == verdict
    assert abs(float(item.reason.split()[0]) - offset) < 0.5


@pytest.mark.parametrize("path, text, verdict", [
    ("/etc/sysconfig/network-scripts/ifcfg-eth0", "DEVICE=eth0\nIPADDR=192.0.2.10\n", "FAIL"),
    ("/etc/NetworkManager/system-connections/eth0.nmconnection", "[ipv4]\naddress1=192.0.2.10/24\n", "FAIL"),
    ("/etc/netplan/01-eth0.yaml", "network:\n  ethernets:\n    eth0:\n      addresses: [192.0.2.10/24]\n", "FAIL"),
    ("/etc/network/interfaces", "iface eth0 inet static\n  address 192.0.2.10/24\n", "FAIL"),
    ("/etc/systemd/network/10-eth0.network", "[Address]\nAddress=192.0.2.10/24\n", "FAIL"),
    ("/etc/sysconfig/network/ifcfg-eth0", "IPADDR='192.0.2.10/24'\n", "FAIL"),
    # Not the VIP: a longer address, and a commented-out line.
    ("/etc/sysconfig/network-scripts/ifcfg-eth0", "IPADDR=192.0.2.100\n", "PASS"),
    ("/etc/network/interfaces", "# old: address 192.0.2.10\naddress 192.0.2.12/24\n", "PASS"),
])
def test_vip_in_persistent_network_configuration(cluster_states, nodes, path, text, verdict):
    nodes["xcatmn2"].write(path, text)
    item = run_checks(cluster_states, nodes)[("VIP not persistent", "xcatmn2")]
    assert item.verdict == verdict
    if verdict == "FAIL":
        assert item.reason.startswith("192.0.2.10 configured in %s:" % path)


def test_vip_up_outside_the_cluster_fails(cluster_states, nodes):
    nodes["xcatmn2"].addresses = "2: eth0    inet 192.0.2.10/24 brd 192.0.2.255 scope global secondary eth0:0\n"
    nodes["xcatmn1"].addresses = nodes["xcatmn2"].addresses
    results = run_checks(cluster_states, nodes)
    assert results[("VIP only where the cluster put it", "xcatmn2")].verdict == check.FAIL
    assert results[("VIP only where the cluster put it", "xcatmn1")].verdict == check.PASS


def test_services_enabled_at_boot_fail(cluster_states, nodes):
    nodes["xcatmn2"].units = "xcatd.service enabled enabled\npostgresql.service enabled enabled\n" \
                             "postgresql@.service indirect enabled\n"
    item = run_checks(cluster_states, nodes)[("services not enabled at boot", "xcatmn2")]
    assert item.verdict == check.FAIL
    assert item.reason == ("enabled: xcatd.service, postgresql.service: they would start outside "
                           "the cluster; run xcatha node prepare there")


def test_a_debian_cluster_started_by_start_conf_fails(cluster_states, nodes):
    """systemctl list-unit-files does not show it: postgresql-common's generator does."""
    nodes["xcatmn2"].write("/etc/postgresql/15/main/start.conf", "# comment\nauto\n")
    item = run_checks(cluster_states, nodes)[("services not enabled at boot", "xcatmn2")]
    assert item.verdict == check.FAIL
    assert item.reason.startswith("enabled: /etc/postgresql/15/main/start.conf (auto)")


def test_shared_device_missing_fails(cluster_states, nodes):
    nodes["xcatmn2"].device_type = ""
    assert run_checks(cluster_states, nodes)[("shared storage", "xcatmn2")].verdict == check.FAIL


def test_shared_storage_commands_by_device_kind():
    command = check.shared_storage_command
    assert command({"device": "nfs1:/export/xcat"})[1] == ["timeout", "5", "bash", "-c", "</dev/tcp/nfs1/2049"]
    assert command({"device": "LABEL=xcat"})[1] == ["blkid", "-o", "device", "-t", "LABEL=xcat"]
    assert command({"shared_dir": "/gpfs/xcat"})[1] == ["findmnt", "-n", "-o", "TARGET,SOURCE,FSTYPE",
                                                       "--target", "/gpfs/xcat"]


def test_pgsql_config_missing_everywhere(cluster_states, nodes):
    results = run_checks(cluster_states, nodes)
    assert results[("PostgreSQL configuration", "xcatmn1")].verdict == check.FAIL   # runs the group
    assert results[("PostgreSQL configuration", "xcatmn2")].verdict == check.WARN


def test_pgsql_config_found_on_debian_layout(cluster_states, nodes):
    nodes["xcatmn2"].write("/etc/postgresql/15/main/pg_hba.conf", "")
    item = run_checks(cluster_states, nodes)[("PostgreSQL configuration", "xcatmn2")]
    assert (item.verdict, item.reason) == (check.PASS, "/etc/postgresql/15/main/pg_hba.conf")


def test_fencing_never_tested_warns_and_failed_fencing_fails(cluster_states, nodes):
    history = FENCED.replace('target="xcatmn2"', 'target="other"').replace(
        'status="success" delegate="xcatmn2"', 'status="failed" exit-reason="timed out" delegate="xcatmn2"')
    results = run_checks(cluster_states, nodes, fence_history=history)
    assert results[("fencing tested", "xcatmn2")].verdict == check.WARN
    assert "pcs stonith fence xcatmn2" in results[("fencing tested", "xcatmn2")].reason
    assert results[("fencing tested", "xcatmn1")] == check.Check(
        check.FAIL, "fencing tested", "xcatmn1", "fencing xcatmn1 failed: timed out")


def test_fencing_disabled_fails(cluster_states, nodes, tmp_path, cib_tool):
    path = str(tmp_path / "nofence.xml")
    cib_tool(["cp", cluster_states["running_xcatmn1"], path], path)
    cib_tool(["crm_attribute", "--type", "crm_config", "--name", "stonith-enabled", "--update", "false"], path)
    results = check.run_checks(Runner(Local(path, nodes["xcatmn1"])), lambda name: Runner(nodes[name]))
    (fencing,) = [item for item in results if item.name == "fencing configured"]
    assert fencing.verdict == check.FAIL and "stonith-enabled=false" in fencing.reason


def test_unreachable_peer_fails_and_is_not_checked_further(cluster_states, nodes):
    nodes["xcatmn2"].reachable = False
    results = run_checks(cluster_states, nodes)
    assert results[("ssh", "xcatmn2")].verdict == check.FAIL
    assert nodes["xcatmn2"].calls == [["true"]]
    assert not [key for key in results if key[1] == "xcatmn2" and key[0] != "ssh"
                and not key[0].startswith("fencing")]


def test_cli_table_and_exit_code(cluster_states, nodes):
    out = io.StringIO()
    args = SimpleNamespace(json=False, group=GROUP)
    code = check.run(args, Runner(Local(cluster_states["running_xcatmn1"], nodes["xcatmn1"])),
                     lambda name: Runner(nodes[name]), out)
    text = out.getvalue()
    assert code == 1   # xcatmn1 has no pg_hba.conf while it runs the group
    assert text.splitlines()[0].split() == ["RESULT", "CHECK", "NODE", "REASON"]
    assert "FAIL    PostgreSQL configuration" in text and "\033[" not in text
    assert re.search(r"\n\d+ passed, \d+ warnings, 1 failed\n$", text)


def test_a_manual_confirmation_is_not_a_fencing_test(cluster_states, nodes):
    history = FENCED.replace('delegate="xcatmn1"', 'delegate="a human"')
    item = run_checks(cluster_states, nodes, fence_history=history)[("fencing tested", "xcatmn2")]
    assert item.verdict == check.WARN and item.reason.startswith("only confirmed by hand")


def test_cli_json(cluster_states, nodes):
    import json
    out = io.StringIO()
    args = SimpleNamespace(json=True, group=GROUP)
    check.run(args, Runner(Local(cluster_states["running_xcatmn1"], nodes["xcatmn1"])),
                     lambda name: Runner(nodes[name]), out)
    rows = json.loads(out.getvalue())
    assert [row["verdict"] for row in rows if row["name"] == "clock in sync"] == ["PASS"]
    assert set(rows[0]) == {"verdict", "name", "node", "reason"}
