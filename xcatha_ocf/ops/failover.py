"""``xcatha failover --to NODE``: move the xCAT group to NODE the way the
cluster's own tools do it, watch it arrive resource by resource, then check
that xcatd answers on the VIP.

- Group running elsewhere: ``pcs resource move GROUP NODE`` (pcs adds the move
  constraint, waits for the move and removes the constraint again).
- Group stopped (its node crashed and was fenced, or it was never started):
  pcs refuses to move a stopped resource, so ``pcs resource
  move-with-constraint GROUP NODE --wait=N`` starts it there and
  ``pcs resource clear GROUP`` removes the constraint, so nothing pins the
  group to NODE afterwards.
- pcs 0.10 (RHEL 8): its ``pcs resource move`` keeps the constraint and moves a
  stopped group too, so ``pcs resource move`` then ``pcs resource clear``.
- Without pcs (crmsh clusters): Pacemaker's ``crm_resource --move``,
  ``crm_resource --wait`` and ``crm_resource --clear``, which is what
  ``crm resource move`` and ``crm resource clear`` run.

It refuses, saying why, when NODE cannot take the group (offline, pending, standby,
maintenance, unknown, a member's start failed there before), when a node is UNCLEAN (the procedure's warning about an
unplanned failover: the old node may still hold the VIP and the shared data
until it is fenced), without quorum, or in maintenance mode.
"""

import sys
import time

from xcatha_ocf.agents import GROUP
from xcatha_ocf.errors import InputError
from xcatha_ocf.ops import cluster, commands, report
from xcatha_ocf.runtime.runner import Result, Runner, quote
from xcatha_ocf.runtime.xcat import XCATD_PORT

DEFAULT_WAIT = 300
POLL_SECONDS = 1.0            # reading the cluster state
COMMAND_POLL_SECONDS = 0.1    # checking whether a running command ended


class Refusal(Exception):
    """The failover must not be attempted; the message says why and what to do."""


def refuse_reasons(state, group, target):
    """Raise Refusal unless moving ``group`` to ``target`` is safe and possible."""
    if target not in state.nodes:
        raise InputError("%s is not a node of this cluster (nodes: %s)"
                         % (target, ", ".join(state.nodes) or "none"))
    if not state.members(group):
        raise Refusal("resource group %s is not configured" % group)
    refuse_unclean_peers(state, target)
    refuse_target(state.nodes[target])
    if state.maintenance_mode:
        raise Refusal("the cluster is in maintenance mode (maintenance-mode=true)")
    if not state.quorum:
        raise Refusal("this partition has no quorum: Pacemaker will not start the group")
    refuse_group(state, group, target)


def refuse_unclean_peers(state, target):
    for other in state.nodes.values():
        if other.unclean and other.name != target:
            raise Refusal(
                "%s is UNCLEAN: it left the cluster without being fenced, so it may still hold the VIP "
                "and the shared data. Power it off or disconnect it from the network first (the "
                "procedure's warning for an unplanned failover), then confirm with `pcs stonith "
                "confirm %s` (crmsh: `stonith_admin --confirm %s`) or let fencing finish, and retry"
                % (other.name, other.name, other.name))


def refuse_target(node):
    if node.unclean or not node.online:
        raise Refusal("%s is %s: start the cluster there first (`pcs cluster start` or "
                      "`crm cluster start`)" % (node.name, "UNCLEAN" if node.unclean else "offline"))
    if node.pending:
        # Corosync is up there but Pacemaker is not (or is still joining); crm_mon
        # then also reports the node as online and in standby.
        raise Refusal("%s is pending: Corosync runs there but Pacemaker has not joined; start it "
                      "(`pcs cluster start` or `crm cluster start`) and retry once the node is "
                      "online" % node.name)
    if node.standby:
        raise Refusal("%s is in standby: take it out first (`pcs node unstandby %s` or "
                      "`crm node online %s`)" % (node.name, node.name, node.name))
    if node.maintenance:
        raise Refusal("%s is in maintenance mode: Pacemaker does not start resources there" % node.name)


def refuse_group(state, group, target):
    members = state.members(group)
    names = set(member.id for member in members)
    for failure in state.failures:
        if failure.resource in names and failure.node == target and failure.task == "start":
            raise Refusal(
                "%s failed to start on %s before (%s%s): Pacemaker will not start it there until that "
                "is cleaned up: `pcs resource cleanup %s node=%s` (crmsh: `crm resource cleanup %s %s`)"
                % (failure.resource, target, failure.exit_status,
                   ": " + failure.exit_reason if failure.exit_reason else "", group, target, group, target))
    disabled = [member.id for member in members if member.target_role == "Stopped"]
    if disabled:
        name = group if len(disabled) == len(members) else " ".join(disabled)
        raise Refusal("%s disabled (target-role=Stopped): enable it first: `pcs resource enable %s` "
                      "(crmsh: `crm resource start %s`)" % (name, name, name))
    unmanaged = [member.id for member in members if not member.managed]
    if unmanaged:
        raise Refusal("unmanaged resources in %s: %s" % (group, ", ".join(unmanaged)))


def running_on(state, group):
    """Nodes where members of ``group`` are active."""
    return sorted(set(node for member in state.members(group) if member.active for node in member.nodes))


def arrived(state, group, target):
    members = state.members(group)
    return bool(members) and all(member.role == "Started" and member.nodes == [target]
                                 and not member.failed for member in members)


def plan(state, group, target, tool, wait):
    """(description, [blocking command], [clean-up command], [clean-up after a failure])."""
    if tool == "pcs-0.10":
        # Before pcs 0.11, `pcs resource move` kept its constraint and moved stopped
        # resources too; move-with-constraint did not exist.
        return ("pcs 0.10: pcs resource move, then clear its constraint",
                [["pcs", "resource", "move", group, target, "--wait=%d" % wait]],
                [["pcs", "resource", "clear", group]], [])
    if running_on(state, group):
        if tool == "pcs":
            # pcs removes its constraint itself, unless the move fails half-way.
            return ("the group runs on %s: pcs resource move (clears its constraint itself)"
                    % ", ".join(running_on(state, group)),
                    [["pcs", "resource", "move", group, target, "--wait=%d" % wait]], [],
                    [["pcs", "resource", "clear", group]])
        description = "the group runs on %s: crm_resource --move, wait, --clear" % (
            ", ".join(running_on(state, group)))
    else:
        if tool == "pcs":
            return ("the group is stopped: pcs resource move-with-constraint, then clear",
                    [["pcs", "resource", "move-with-constraint", group, target, "--wait=%d" % wait]],
                    [["pcs", "resource", "clear", group]], [])
        description = "the group is stopped: crm_resource --move, wait, --clear"
    return (description,
            [["crm_resource", "--move", "--resource", group, "--node", target],
             ["crm_resource", "--wait", "--timeout=%ds" % wait]],
            [["crm_resource", "--clear", "--resource", group]], [])


class Watcher(object):
    """Reports each change of a group member's state as a progress event."""

    def __init__(self, runner, group, progress):
        self.runner = runner
        self.group = group
        self.progress = progress
        self.seen = {}
        self.state = None

    def look(self):
        try:
            self.state = cluster.read_state(self.runner)
        except cluster.ClusterError:
            return self.state
        for member in self.state.members(self.group):
            now = (member.role, tuple(member.nodes), member.failed)
            if self.seen.get(member.id) not in (None, now):
                where = " on " + ", ".join(member.nodes) if member.nodes else ""
                self.progress.event("%-16s %s%s%s" % (member.id, member.role, where,
                                                      " (FAILED)" if member.failed else ""))
            self.seen[member.id] = now
        return self.state


def run_watching(runner, argv, watcher, deadline, clock, sleep):
    """Run a blocking cluster command while reporting the group's progress: the
    command is polled often so its end is seen at once, the cluster once a second."""
    if not getattr(runner, "dry_run", False):
        watcher.progress.event("running: %s" % quote(argv))
    handle = runner.start(argv)
    looked = None
    while True:
        result = handle.poll()
        if result is not None:
            watcher.look()
            return result
        if looked is None or clock() - looked >= POLL_SECONDS:
            watcher.look()
            looked = clock()
            watcher.progress.waiting("waiting for %s (%d s left)" % (" ".join(argv[:3]), deadline - clock()))
        if clock() > deadline + 30:
            handle.kill()
            return Result(argv, 1, err="still running 30 s after the deadline: stopped it",
                                   timed_out=True)
        sleep(COMMAND_POLL_SECONDS)


def wait_until(predicate, deadline, clock, sleep, progress, what):
    while True:
        if predicate():
            return True
        if clock() >= deadline:
            return False
        progress.waiting("waiting for %s (%d s left)" % (what, deadline - clock()))
        sleep(POLL_SECONDS)


def vip_endpoint(state, configuration, group):
    """(address, port) where xcatd should answer, or None without a VIP resource."""
    from xcatha_ocf.ops.status import find_vip
    vip = find_vip(state.members(group), configuration)
    if not vip or not vip["address"]:
        return None
    port = XCATD_PORT
    for member in state.members(group):
        if member.agent.endswith(":xcat-services"):
            port = int(configuration.params(member.id).get("xcatd_port") or port)
    return vip["address"], port


def failover(runner, group, target, wait=DEFAULT_WAIT, tool="pcs", connect=commands.xcatd_handshake,
             out=None, terminal=False, clock=time.monotonic, sleep=time.sleep):
    """Move ``group`` to ``target``; returns the exit code (0 done, 1 refused or failed).
    ``tool`` is "pcs", "pcs-0.10", "crm_resource" or a callable returning one."""
    out = out or sys.stdout
    progress = report.Progress(out, terminal, clock)
    try:
        state = cluster.read_state(runner)
        configuration = cluster.read_configuration(runner)
    except cluster.ClusterError as error:
        out.write("xcatha failover: cannot read the cluster: %s\n" % error)
        return 1
    try:
        refuse_reasons(state, group, target)
    except Refusal as error:
        out.write("xcatha failover: refused: %s\n" % error)
        return 1
    if not state.stonith_enabled:
        out.write("warning: fencing is disabled. If the old node died, make sure it is powered off or "
                  "disconnected before it comes back, or its services will fight the new ones.\n")
    deadline = clock() + wait
    if arrived(state, group, target):
        progress.event("%s already runs on %s: nothing to move" % (group, target))
    else:
        tool = tool() if callable(tool) else tool
        description, steps, cleanup, rescue = plan(state, group, target, tool, wait)
        out.write("%s to %s using %s: %s\n" % (group, target, "crm_resource (no pcs here: crmsh cluster)"
                                                if tool == "crm_resource" else "pcs", description))
        if not move(runner, steps, cleanup, rescue, group, target, deadline, progress, clock, sleep):
            return 1
    if getattr(runner, "dry_run", False):
        out.write("dry-run: would then wait up to %d s for %s on %s and check xcatd on the VIP\n"
                  % (wait, group, target))
        return 0
    return 0 if check_xcatd(vip_endpoint(state, configuration, group), connect, deadline,
                            progress, clock, sleep) else 1


def move(runner, steps, cleanup, rescue, group, target, deadline, progress, clock, sleep):
    watcher = Watcher(runner, group, progress)
    watcher.look()
    failed = None
    for argv in steps:
        result = run_watching(runner, argv, watcher, deadline, clock, sleep)
        if not result.ok:
            failed = result.summary()
            break
    for argv in cleanup + (rescue if failed else []):
        result = runner(argv)
        if not result.dry_run:
            progress.event("ran: %s (%s)" % (quote(argv), "ok" if result.ok else result.summary()))
    if failed:
        progress.event("failed: %s" % failed)
        return False
    if getattr(runner, "dry_run", False):
        return True
    if not wait_until(lambda: watcher.look() is not None and arrived(watcher.state, group, target),
                      deadline, clock, sleep, progress, "%s on %s" % (group, target)):
        progress.event("%s did not start on %s in time: see `xcatha status`" % (group, target))
        for failure in watcher.state.failures if watcher.state else ():
            if failure.node == target and failure.resource in watcher.state.groups.get(group, ()):
                progress.event("%s %s on %s failed: %s%s" % (
                    failure.resource, failure.task, failure.node, failure.exit_status,
                    " (%s)" % failure.exit_reason if failure.exit_reason else ""))
        return False
    progress.event("%s runs on %s" % (group, target))
    return True


def check_xcatd(endpoint, connect, deadline, progress, clock, sleep):
    if endpoint is None:
        progress.event("no VIP resource with an ip parameter in the group: xcatd not checked")
        return True
    address, port = endpoint
    errors = []

    def answers():
        error = connect(address, port)
        errors.append(error)
        return error is None

    if wait_until(answers, deadline, clock, sleep, progress, "xcatd on %s:%d" % (address, port)):
        progress.event("xcatd answers on %s:%d" % (address, port))
        return True
    progress.event("xcatd does not answer on %s:%d: %s" % (address, port, errors[-1]))
    return False


def add_arguments(parser):
    parser.add_argument("--to", required=True, metavar="NODE", help="node to run the xCAT group on")
    parser.add_argument("--wait", type=int, default=DEFAULT_WAIT, metavar="SECONDS",
                        help="how long to wait for the group and xcatd (default: %(default)s)")
    parser.add_argument("--dry-run", action="store_true",
                        help="show the commands that would change the cluster; run none of them")
    parser.add_argument("--group", default=GROUP,
                        help="resource group of the xCAT services (default: %(default)s)")


def run(args):
    if args.wait < 1:
        raise InputError("--wait must be at least 1 second")
    runner = Runner(dry_run=args.dry_run)
    # asking pcs its version costs half a second: only when there is something to move
    return failover(runner, args.group, args.to, args.wait, lambda: choose_tool(runner),
                    terminal=commands.on_terminal(sys.stdout))


def choose_tool(runner, have=commands.have):
    """"pcs" (0.11 and later), "pcs-0.10" or, without pcs (crmsh clusters), "crm_resource"."""
    if not have("pcs"):
        return "crm_resource"
    version = runner.query(["pcs", "--version"]).out.strip().split(".")
    try:
        return "pcs-0.10" if [int(part) for part in version[:2]] < [0, 11] else "pcs"
    except ValueError:
        return "pcs"
