"""``xcatha status``: one screen about the xCAT group: the active node, each
resource's state, who holds the VIP, when the group last moved, recent failures,
and what needs attention.  ``--json`` gives the same data to scripts.  Exit code 0 when the group is
started on a live node, 3 when not (stopped, partial, failed, lost), 1 when the
cluster cannot be read.

"When the group last moved" is the most recent successful start (or a probe
that found it running, after a cleanup) of the group's first member on the node
the group runs on, from the operation history crm_mon reports.  The first member
starts only when the whole group does, so a member restarted in place after a
failed monitor does not count as a move.  For a stopped group it is the first
member's last stop.  Fencing a node wipes its history, so after a crash the time
can be unknown."""

import json
import sys
import time

from xcatha_ocf.agents import GROUP
from xcatha_ocf.ops import cluster, commands, report
from xcatha_ocf.runtime.runner import Runner

VIP_AGENTS = (":xcat-vip", ":IPaddr2", ":IPaddr")


def describe(state, configuration, group=GROUP):
    """The status as plain data (what --json prints)."""
    members = state.members(group)
    placement = group_placement(members)
    if placement["node"] and not node_is_up(state, placement["node"]):
        placement["state"] = "unknown"
    vip = find_vip(members, configuration)
    return {
        "cluster": {"dc": state.dc, "quorum": state.quorum, "stonith_enabled": state.stonith_enabled,
                    "maintenance_mode": state.maintenance_mode},
        "nodes": [{"name": node.name, "state": node_state(node), "dc": node.is_dc}
                  for node in state.nodes.values()],
        "group": dict(placement, id=group, last_change=last_change(state, members, placement)),
        "resources": [{"id": member.id, "agent": member.agent, "role": member.role,
                       "nodes": member.nodes, "failed": member.failed, "managed": member.managed}
                      for member in members],
        "vip": vip,
        "fencing": [{"id": device.id, "agent": device.agent, "role": device.role,
                     "nodes": device.nodes, "failed": device.failed}
                    for device in state.stonith_devices()],
        "failures": [{"resource": failure.resource, "operation": failure.task,
                      "interval_ms": failure.interval_ms, "node": failure.node,
                      "exit_status": failure.exit_status, "exit_code": failure.exit_code,
                      "exit_reason": failure.exit_reason, "time": report.iso_time(failure.when)}
                     for failure in state.failures],
        "warnings": warnings(state, configuration, group, members),
    }


def node_is_up(state, name):
    node = state.nodes.get(name)
    return bool(node and node.online and not node.unclean)


def node_state(node):
    if node.unclean:
        return "UNCLEAN"
    if node.pending:
        return "pending"
    if not node.online:
        return "offline"
    if node.standby:
        return "standby"
    if node.maintenance:
        return "maintenance"
    return "online"


def group_placement(members):
    """{"state": started|stopped|partial|failed|absent, "node": where it runs or None};
    describe() makes it "unknown" when that node is lost."""
    if not members:
        return {"state": "absent", "node": None}
    running = [member for member in members if member.active and member.nodes]
    nodes = sorted(set(node for member in running for node in member.nodes))
    node = nodes[0] if len(nodes) == 1 else None
    if any(member.failed for member in members):
        return {"state": "failed", "node": node}
    if not running:
        return {"state": "stopped", "node": None}
    started = all(member.role == "Started" for member in members) and len(running) == len(members)
    return {"state": "started" if started and node else "partial", "node": node}


def last_change(state, members, placement):
    """{"event": "started"|"stopped", "node", "time"} or None when the history is gone."""
    if not members:
        return None
    first = members[0].id
    if placement["node"]:
        ups = [op for op in state.history if op.resource == first and op.node == placement["node"]
               and op.rc == 0 and (op.task == "start" or (op.task == "monitor" and op.interval_ms == 0))]
        latest = max(ups, key=lambda op: op.when or 0) if ups else None
        event = "started"
    else:
        stops = [op for op in state.history if op.resource == first and op.task == "stop" and op.rc == 0]
        latest = max(stops, key=lambda op: op.when or 0) if stops else None
        event = "stopped"
    if latest is None or latest.when is None:
        return None
    return {"event": event, "node": latest.node, "time": report.iso_time(latest.when),
            "epoch": latest.when, "operation": "%s %s" % (latest.resource, latest.task)}


def find_vip(members, configuration):
    for member in members:
        if member.agent.endswith(VIP_AGENTS):
            return {"resource": member.id, "address": configuration.params(member.id).get("ip"),
                    "nodes": member.nodes if member.active else []}
    return None


def warnings(state, configuration, group, members):
    found = []
    if not state.dc:
        found.append("no DC elected: the cluster is not running or has not formed yet")
    elif not state.quorum:
        found.append("the partition has no quorum: resources cannot start")
    if not state.stonith_enabled:
        found.append("fencing is disabled (stonith-enabled=false): an unplanned failover "
                     "cannot be made safe")
    if state.maintenance_mode:
        found.append("the cluster is in maintenance mode: Pacemaker manages nothing")
    for node in state.nodes.values():
        if node.unclean:
            found.append("%s is UNCLEAN: its state is unknown until it is fenced" % node.name)
    if not members:
        found.append("resource group %s is not configured" % group)
    for member in members:
        if not member.managed:
            found.append("%s is unmanaged" % member.id)
        if member.target_role == "Stopped":
            found.append("%s is disabled (target-role=Stopped)" % member.id)
    for constraint, node, score in configuration.move_constraints(group):
        found.append("constraint %s (%s on %s) is left from a move or ban: "
                      "remove it with `pcs resource clear %s` or `crm resource clear %s`"
                      % (constraint, score, node, group, group))
    return found


STATE_COLOURS = {"unknown": "red", "started": "green", "Started": "green", "stopped": "yellow", "Stopped": "yellow",
                 "online": "green", "standby": "yellow", "offline": "yellow", "pending": "yellow",
                 "partial": "yellow", "failed": "red", "UNCLEAN": "red"}


def render(status, now=None, colour=False):
    now = time.time() if now is None else now
    cluster_info = status["cluster"]
    group = status["group"]
    lines = []
    nodes = ", ".join("%s %s%s" % (node["name"], report.paint(node["state"],
                                                                  STATE_COLOURS.get(node["state"]), colour),
                                     " (DC)" if node["dc"] else "") for node in status["nodes"])
    lines.append("Nodes:     " + (nodes or "none"))
    lines.append("Quorum:    %s    Fencing: %s" % ("yes" if cluster_info["quorum"] else "NO",
                                                    "enabled" if cluster_info["stonith_enabled"] else "DISABLED"))
    where = " on %s" % group["node"] if group["node"] else ""
    lines.append("Group:     %s %s%s" % (group["id"], report.paint(group["state"],
                                                                  STATE_COLOURS.get(group["state"]), colour), where))
    change = group["last_change"]
    if change:
        lines.append("Last move: %s on %s at %s (%s; from %s)" % (
            change["event"], change["node"], report.local_time(change["epoch"]),
            report.ago(change["epoch"], now), change["operation"]))
    else:
        lines.append("Last move: unknown (no operation history for the group)")
    vip = status["vip"]
    if vip:
        holder = ", ".join(vip["nodes"]) or "nobody (VIP down)"
        if group["state"] == "unknown":
            holder += " (last known: that node is lost)"
        lines.append("VIP:       %s held by %s" % (vip["address"] or "?", holder))
    rows = [[item["id"], item["role"] if not item["failed"] else "FAILED",
             ", ".join(item["nodes"]) or "-", item["agent"]] for item in status["resources"]]
    rows += [[item["id"], item["role"] if not item["failed"] else "FAILED",
              ", ".join(item["nodes"]) or "-", item["agent"]] for item in status["fencing"]]
    if rows:
        lines += ["", report.table(["RESOURCE", "STATE", "NODE", "AGENT"], rows,
                                   [STATE_COLOURS.get(row[1], "red" if row[1] == "FAILED" else None)
                                    for row in rows], colour)]
    if status["failures"]:
        lines += ["", "Recent failures:"]
        for failure in status["failures"]:
            interval = " (every %ds)" % (failure["interval_ms"] // 1000) if failure["interval_ms"] else ""
            lines.append("  %s %s%s on %s at %s: %s (rc %d)%s" % (
                failure["resource"], failure["operation"], interval, failure["node"],
                failure["time"] or "?", failure["exit_status"], failure["exit_code"],
                ": " + failure["exit_reason"] if failure["exit_reason"] else ""))
    if status["warnings"]:
        lines += ["", "Attention:"] + ["  " + report.paint("! ", "red", colour) + text
                                       for text in status["warnings"]]
    return "\n".join(lines) + "\n"


def add_arguments(parser):
    parser.add_argument("--json", action="store_true", help="print the status as JSON")
    parser.add_argument("--group", default=GROUP,
                        help="resource group of the xCAT services (default: %(default)s)")


def run(args, runner=None, out=None):
    out = out or sys.stdout
    runner = runner or Runner()
    try:
        status = describe(cluster.read_state(runner), cluster.read_configuration(runner), args.group)
    except cluster.ClusterError as error:
        sys.stderr.write("xcatha status: %s\n" % error)
        return 1
    if args.json:
        out.write(json.dumps(status, indent=2, sort_keys=True) + "\n")
    else:
        out.write(render(status, colour=commands.on_terminal(out)))
    return 0 if status["group"]["state"] == "started" else 3
