"""``xcatha check``: preflight checks on both management nodes, from the xCAT
HA procedure's requirements and what the cluster needs to fail over safely.

Commands run locally and, for the peer, over ssh as root (BatchMode: keys must
be set up, as xCAT itself requires).  Each check gives PASS, WARN or FAIL with
the reason; the exit code is 1 when anything FAILs, else 0.
"""

import collections
import json
import sys
import time
import xml.etree.ElementTree as ElementTree

from xcatha_ocf.agents import GROUP
from xcatha_ocf.ops import cluster, commands, report
from xcatha_ocf.runtime.runner import Runner
from xcatha_ocf.runtime.xcat import CFGLOC, environment, parse_lsdef

PASS, WARN, FAIL = "PASS", "WARN", "FAIL"
Check = collections.namedtuple("Check", "verdict name node reason")

# Persistent network configuration on RHEL, SLES, Debian/Ubuntu (ifupdown,
# netplan), NetworkManager keyfiles and systemd-networkd.
NETWORK_CONFIG = ("/etc/sysconfig/network-scripts", "/etc/sysconfig/network",
                  "/etc/NetworkManager/system-connections", "/etc/netplan",
                  "/etc/network/interfaces", "/etc/network/interfaces.d", "/etc/systemd/network")
# The services the cluster starts: none may start at boot by itself.  Time
# synchronisation (chronyd, ntpd) is left alone: both nodes need it all the time.
BOOT_UNITS = ("xcatd.service", "postgresql*.service", "named.service", "bind9.service",
              "dhcpd.service", "isc-dhcp-server.service", "conserver*.service", "goconserver.service")
START_CONFS = "/etc/postgresql/*/*/start.conf"
PG_HBA_GLOBS = ("/var/lib/pgsql/data/pg_hba.conf", "/var/lib/pgsql/*/data/pg_hba.conf",
                "/etc/postgresql/*/main/pg_hba.conf")
CLOCK_WARN, CLOCK_FAIL = 0.5, 5.0
HUMAN = "a human"   # the delegate of a manual confirmation (stonith_admin --confirm)


class Host(object):
    def __init__(self, name, run, local):
        self.name = name
        self.run = run
        self.local = local
        self.reachable = True


def hosts_entries(text):
    entries = set()
    for line in text.splitlines():
        line = line.split("#", 1)[0].split()
        if line:
            entries.add(" ".join(line))
    return entries


def check_hosts(nodes, vip):
    texts = {}
    results = []
    for node in nodes:
        result = node.run.query(["cat", "/etc/hosts"])
        if not result.ok:
            results.append(Check(FAIL, "/etc/hosts", node.name, result.summary()))
            continue
        texts[node.name] = hosts_entries(result.out)
        if vip:
            results.append(check_vip_name(node.name, vip, texts[node.name]))
    if len(texts) > 1:
        names = ", ".join(sorted(texts))
        common = set.intersection(*texts.values())
        differences = ["only on %s: %s" % (name, "; ".join(sorted(entries - common)[:3]))
                       for name, entries in sorted(texts.items()) if entries - common]
        if differences:
            results.append(Check(FAIL, "/etc/hosts in sync", names, " | ".join(differences)))
        else:
            results.append(Check(PASS, "/etc/hosts in sync", names, "%d entries, identical" % len(common)))
    return results


def check_vip_name(node, vip, entries):
    """The procedure adds the VIP's name to /etc/hosts on both nodes: xCAT's commands
    and the nodes' postscripts reach the management node by that name."""
    names = [entry.split()[1:] for entry in entries if entry.split()[0] == vip]
    if not any(names):
        return Check(FAIL, "VIP in /etc/hosts", node,
                     "%s has no name: add a line '%s <the management node's name>' to "
                     "/etc/hosts on %s" % (vip, vip, node))
    return Check(PASS, "VIP in /etc/hosts", node, "%s %s" % (vip, " ".join(sum(names, []))))


def nameservers(text):
    return [line.split()[1] for line in text.splitlines()
            if len(line.split()) > 1 and line.split()[0] == "nameserver"]


def check_resolver(node, vip):
    """Where the node's resolver points: xCAT's named answers on the VIP."""
    result = node.run.query(["cat", "/etc/resolv.conf"])
    servers = nameservers(result.out) if result.ok else []
    if vip in servers:
        return Check(PASS, "resolver", node.name, "nameservers %s (the VIP's named among them)"
                     % ", ".join(servers))
    return Check(WARN, "resolver", node.name,
                 "nameservers %s: xCAT's named answers on %s; put 'nameserver %s' first in "
                 "/etc/resolv.conf if this node should resolve the cluster's names"
                 % (", ".join(servers) or "none", vip, vip))


def check_site_table(active, vip, addresses):
    """site.master, site.nameservers and cfgloc's host, read on the node where the
    group runs, must not name a node's own address: after a failover compute and
    service nodes would follow the old node."""
    site = active.run.with_env(environment()).query(["lsdef", "-t", "site", "-i", "master,nameservers", "-c"])
    if not site.ok:
        return Check(WARN, "site table on the VIP", active.name, "cannot read: " + site.summary())
    values = parse_lsdef(site.out).get("clustersite", {})
    cfgloc = active.run.query(["sed", "-n", r"s/.*host=\([^|;]*\).*/\1/p", CFGLOC])
    found = [("site.master", values.get("master", ""))] + [
        ("site.nameservers", value.strip()) for value in values.get("nameservers", "").split(",")] + [
        ("cfgloc's host", cfgloc.out.strip())]
    wrong = ["%s is %s (%s's own address)" % (what, value, addresses[value])
             for what, value in found if value in addresses]
    if wrong:
        return Check(FAIL, "site table on the VIP", active.name,
                     "%s: set them to %s (chdef -t site master=%s nameservers=%s; host=%s in %s)"
                     % ("; ".join(wrong), vip, vip, vip, vip, CFGLOC))
    return Check(PASS, "site table on the VIP", active.name, ", ".join(
        "%s %s" % item for item in found if item[1]))


def node_addresses(nodes, params, run):
    """{address: node} of the nodes' static addresses: xcat-pgsql-conf's node_addresses,
    else what the local resolver says of the node names."""
    found = {}
    for pair in (params.get("node_addresses") or "").split():
        name, _, address = pair.partition("=")
        found[address] = name
    for node in nodes:
        if node.name not in found.values():
            result = run.query(["getent", "ahostsv4", node.name])
            for line in result.out.splitlines()[:1]:
                found[line.split()[0]] = node.name
    return found


def check_clock(node, clock):
    before = clock()
    result = node.run.query(["date", "+%s.%N"])
    after = clock()
    try:
        remote = float(result.out.strip())
    except ValueError:
        return Check(FAIL, "clock in sync", node.name, result.summary())
    offset = remote - (before + after) / 2
    error = (after - before) / 2
    reason = "%+.3f s from this node (measured to ±%.3f s)" % (offset, error)
    if abs(offset) - error > CLOCK_FAIL:
        return Check(FAIL, "clock in sync", node.name, reason + ": synchronise with chrony or ntpd")
    if abs(offset) - error > CLOCK_WARN:
        return Check(WARN, "clock in sync", node.name, reason)
    return Check(PASS, "clock in sync", node.name, reason)


def check_vip_not_persistent(node, vip):
    result = node.run.query(["grep", "-rnswF", "-e", vip, "--"] + list(NETWORK_CONFIG))
    found = []
    for line in result.out.splitlines():
        parts = line.split(":", 2)
        if len(parts) == 3 and not parts[2].lstrip().startswith(("#", ";")):
            found.append("%s:%s" % (parts[0], parts[1]))
    if found:
        return Check(FAIL, "VIP not persistent", node.name,
                     "%s configured in %s: remove it, the cluster owns the VIP" % (vip, ", ".join(found)))
    if result.rc not in (0, 1, 2):
        return Check(WARN, "VIP not persistent", node.name, result.summary())
    return Check(PASS, "VIP not persistent", node.name, "%s in no network configuration file" % vip)


def check_vip_not_up_elsewhere(node, vip, holders):
    result = node.run.query(["ip", "-o", "addr", "show", "to", vip])
    if not result.ok:
        return Check(WARN, "VIP only where the cluster put it", node.name, result.summary())
    if result.out.strip() and node.name not in holders:
        return Check(FAIL, "VIP only where the cluster put it", node.name,
                     "%s is up here but the cluster runs it on %s: remove it (ip addr del)"
                     % (vip, ", ".join(holders) or "no node"))
    return Check(PASS, "VIP only where the cluster put it", node.name,
                 "up here (cluster-managed)" if result.out.strip() else "not up here")


def check_boot_units(node):
    result = node.run.query(["systemctl", "list-unit-files", "--no-legend", "--no-pager",
                             "--type=service"] + list(BOOT_UNITS))
    if result.rc == 127:
        return Check(WARN, "services not enabled at boot", node.name, "no systemctl: check your init system")
    if not result.ok and not result.out.strip():
        return Check(WARN, "services not enabled at boot", node.name, "cannot tell: " + result.summary())
    enabled = [line.split()[0] for line in result.out.splitlines()
               if len(line.split()) > 1 and line.split()[1].startswith("enabled")]
    # Debian: postgresql-common's generator enables a cluster whose start.conf says auto
    clusters = node.run.query(["sh", "-c", "grep -lx auto %s 2>/dev/null; true" % START_CONFS]).out.split()
    if enabled or clusters:
        found = enabled + ["%s (auto)" % path for path in clusters]
        return Check(FAIL, "services not enabled at boot", node.name,
                     "enabled: %s: they would start outside the cluster; run xcatha node prepare "
                     "there" % ", ".join(found))
    return Check(PASS, "services not enabled at boot", node.name, "none of the xCAT services is enabled")


def shared_storage_command(params):
    device = params.get("device") or ""
    if ":" in device and not device.startswith(("LABEL=", "UUID=")) or device.startswith("//"):
        host = device.lstrip("/").split(":")[0].split("/")[0]
        port = "445" if device.startswith("//") else "2049"
        return "%s reachable" % device, ["timeout", "5", "bash", "-c", "</dev/tcp/%s/%s" % (host, port)]
    if device.startswith(("LABEL=", "UUID=")):
        return "%s present" % device, ["blkid", "-o", "device", "-t", device]
    if device:
        return "%s present" % device, ["blkid", "-o", "value", "-s", "TYPE", device]
    shared_dir = params.get("shared_dir") or "/"
    return "%s on a shared filesystem" % shared_dir, ["findmnt", "-n", "-o", "TARGET,SOURCE,FSTYPE",
                                                       "--target", shared_dir]


def check_shared_storage(node, params):
    if not params:
        return Check(WARN, "shared storage", node.name, "no xcat-shared resource in the group")
    what, argv = shared_storage_command(params)
    result = node.run.query(argv)
    if not result.ok:
        return Check(FAIL, "shared storage", node.name, "%s: no (%s)" % (what, result.summary()))
    if argv[0] == "findmnt" and result.out.split()[:1] == ["/"]:
        return Check(WARN, "shared storage", node.name,
                     "%s is on the root filesystem: is it really shared?" % params.get("shared_dir"))
    detail = result.out.strip().replace("\n", " ")
    return Check(PASS, "shared storage", node.name, "%s%s" % (what, ": " + detail if detail else ""))


def check_pgsql_paths(nodes, params, active):
    """pg_hba.conf on every node; on RHEL/SLES it lives in /var/lib/pgsql on the
    shared storage, so finding it on the active node is enough there."""
    explicit = [params[name] for name in ("hba_file", "conf_file") if params.get(name)]
    if params.get("config_dir"):
        explicit.append(params["config_dir"].rstrip("/") + "/pg_hba.conf")
    where = explicit or list(PG_HBA_GLOBS)
    script = "ls -1d %s 2>/dev/null; true" % " ".join(where)
    found = dict((node.name, node.run.query(["sh", "-c", script]).out.split()) for node in nodes)
    shared = [path for path in found.get(active, []) if path.startswith("/var/lib/pgsql/")]
    results = []
    for node in nodes:
        if found[node.name]:
            results.append(Check(PASS, "PostgreSQL configuration", node.name, ", ".join(found[node.name])))
        elif shared:
            results.append(Check(PASS, "PostgreSQL configuration", node.name,
                                 "on the shared storage: %s, mounted on %s" % (shared[0], active)))
        elif node.name != active:
            results.append(Check(WARN, "PostgreSQL configuration", node.name,
                                 "no pg_hba.conf in %s: fine only if it is on the shared storage "
                                 "and the group is stopped" % ", ".join(where)))
        else:
            results.append(Check(FAIL, "PostgreSQL configuration", node.name,
                                 "not found: %s" % ", ".join(where)))
    return results


def check_fencing(state, run):
    results = []
    if not state.stonith_enabled:
        return [Check(FAIL, "fencing configured", "cluster",
                      "stonith-enabled=false: an unplanned failover cannot be made safe")]
    devices = state.stonith_devices()
    if not devices:
        return [Check(FAIL, "fencing configured", "cluster", "no stonith device is configured")]
    for device in devices:
        monitors = [op for op in state.history if op.resource == device.id and op.task == "monitor"
                    and op.interval_ms > 0]
        if device.failed or not device.active:
            results.append(Check(FAIL, "fencing device", device.id, "%s%s" % (
                device.role, " (FAILED)" if device.failed else "")))
        elif not monitors:
            results.append(Check(WARN, "fencing device", device.id,
                                 "started on %s but has no recurring monitor" % ", ".join(device.nodes)))
        elif any(op.rc != 0 for op in monitors):
            results.append(Check(FAIL, "fencing device", device.id, "last monitor failed"))
        else:
            results.append(Check(PASS, "fencing device", device.id,
                                 "started on %s, monitor ok" % ", ".join(device.nodes)))
    return results + check_fence_history(state, run)


def check_fence_history(state, run):
    result = run.query(["stonith_admin", "--history", "*", "--output-as=xml"])
    try:
        root = ElementTree.fromstring(result.out)
    except ElementTree.ParseError:
        root = None
    status = root.find("status") if root is not None else None
    if root is None or (status is not None and status.get("code") != "0"):
        detail = [error.text for error in root.iter("error")] if root is not None else []
        return [Check(WARN, "fencing tested", "cluster", "no fencing history: %s" % (
            "; ".join(detail) or (status.get("message") if status is not None else result.summary())))]
    events = list(root.iter("fence_event"))
    results = []
    for node in state.nodes:
        mine = [event for event in events if event.get("target") == node]
        done = [event for event in mine if event.get("status") == "success"
                and event.get("delegate") != HUMAN]
        confirmed = [event for event in mine if event.get("delegate") == HUMAN]
        failed = [event for event in mine if event.get("status") == "failed"]
        if failed and not done:
            results.append(Check(FAIL, "fencing tested", node, "fencing %s failed%s" % (
                node, ": " + failed[0].get("exit-reason") if failed[0].get("exit-reason") else "")))
        elif done:
            event = done[0]
            results.append(Check(PASS, "fencing tested", node, "%s by %s at %s" % (
                event.get("action"), event.get("delegate") or event.get("origin"), event.get("completed"))))
        else:
            results.append(Check(WARN, "fencing tested", node, "%s since the cluster started: test it in a "
                                 "maintenance window (pcs stonith fence %s, or crm node fence %s)" % (
                                     "only confirmed by hand" if confirmed else "never fenced", node, node)))
    return results


def local_node_name(run):
    result = run.query(["crm_node", "--name"])
    if result.ok and result.out.strip():
        return result.out.strip()
    import socket
    return socket.gethostname().split(".")[0]


def connect_nodes(state, run, remote):
    """The cluster's nodes with a runner each, and a check row per problem reaching them."""
    local = local_node_name(run)
    nodes = [Host(name, run if name == local else remote(name), name == local) for name in state.nodes]
    results = []
    if local not in state.nodes:
        results.append(Check(WARN, "cluster node", local, "this host is not a node of the cluster"))
    for node in nodes:
        if not node.local:
            probe = node.run.query(["true"])
            node.reachable = probe.ok
            if not probe.ok:
                results.append(Check(FAIL, "ssh", node.name, "cannot run commands there: %s" % probe.summary()))
    return [node for node in nodes if node.reachable], results


def run_checks(run, remote, group=GROUP, clock=time.time):
    """All checks; ``run`` runs commands here, ``remote(node)`` gives a runner for a peer."""
    from xcatha_ocf.ops.status import find_vip, group_placement
    state = cluster.read_state(run)
    configuration = cluster.read_configuration(run)
    members = state.members(group)
    nodes, results = connect_nodes(state, run, remote)
    vip = find_vip(members, configuration)
    address = vip["address"] if vip else None
    # parameters by agent type: xcat-shared, xcat-pgsql-conf, ...
    params = dict((member.agent.rsplit(":", 1)[-1], configuration.params(member.id)) for member in members)
    results += check_hosts(nodes, address)
    for node in nodes:
        if not node.local:
            results.append(check_clock(node, clock))
        if address:
            results.append(check_vip_not_persistent(node, address))
            results.append(check_vip_not_up_elsewhere(node, address, vip["nodes"]))
        results.append(check_boot_units(node))
        results.append(check_shared_storage(node, params.get("xcat-shared")))
    active = group_placement(members)["node"]
    results += check_pgsql_paths(nodes, params.get("xcat-pgsql-conf", {}), active)
    if address:
        results += [check_resolver(node, address) for node in nodes]
    active_nodes = [node for node in nodes if node.name == active]
    if address and active_nodes:
        results.append(check_site_table(active_nodes[0], address, node_addresses(
            nodes, params.get("xcat-pgsql-conf", {}), run)))
    if not address:
        results.append(Check(FAIL, "VIP", group, "no VIP resource with an ip parameter in %s" % group))
    return results + check_fencing(state, run)


COLOURS = {PASS: "green", WARN: "yellow", FAIL: "red"}


def render(results, colour=False):
    rows = [[check.verdict, check.name, check.node, check.reason] for check in results]
    counts = collections.Counter(check.verdict for check in results)
    return "%s\n\n%d passed, %d warnings, %d failed\n" % (
        report.table(["RESULT", "CHECK", "NODE", "REASON"], rows,
                     [COLOURS[row[0]] for row in rows], colour, column=0),
        counts[PASS], counts[WARN], counts[FAIL])


def add_arguments(parser):
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--group", default=GROUP,
                        help="resource group of the xCAT services (default: %(default)s)")


def run(args, runner=None, remote=None, out=None):
    out = out or sys.stdout
    runner = runner or Runner()
    remote = remote or commands.ssh_runner
    try:
        results = run_checks(runner, remote, args.group)
    except cluster.ClusterError as error:
        sys.stderr.write("xcatha check: %s\n" % error)
        return 1
    if args.json:
        out.write(json.dumps([check._asdict() for check in results], indent=2) + "\n")
    else:
        out.write(render(results, colour=commands.on_terminal(out)))
    return 1 if any(check.verdict == FAIL for check in results) else 0
