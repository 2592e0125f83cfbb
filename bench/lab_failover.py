#!/usr/bin/env python3
"""Benchmark: a planned failover of the xCAT group in the real-xCAT cluster lab.

For each count of compute nodes (5: the lab's own; 500: 495 more, in a
10.88.0.0/16 network, in xCAT and in both nodes' /etc/hosts), moves the group
with `pcs resource move xcat-group NODE` and prints its timeline: each member's
stop and start (from Pacemaker's log lines in both nodes' journals), each
xcat-services step with its own duration (the agent's "done in" lines), and the
outage: the longest time xcatd did not answer on the VIP, from its last answer
to its next (a TLS hello from the host every 50 ms plus the hello's own time,
up to 0.25 s while xcatd is silent).  Two ratios, target at most 1.2 each (what
Pacemaker and the agents add to the work itself):
  - the switch, from Pacemaker's first stop to xcat-services' start result,
    against the sum of the member operations' own times (Pacemaker's exec-time);
  - the outage against the own times of what lies on its path: every member
    operation but xcat-services' start, and that start's steps until xcatd
    answered (the regeneration after it runs with xcatd answering).
With --parallel, each count is moved a second time with parallel_regenerate=true,
and makedns -n, makedhcp -n and makedhcp -a are compared.

Needs the lab (`xcatha lab up`, brought up here when it is not).  Run as root:
python3 bench/lab_failover.py [--nodes 5 500] [--parallel]
"""

import argparse
import json
import os
import sys
import threading
import time
import xml.etree.ElementTree as ElementTree

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [REPO, os.path.join(REPO, "cluster-lab")]   # this tree's xcatha_ocf, and the lab

from xcatha_ocf.agents import AGENTS  # noqa: E402
from xcatha_ocf.runtime import xcat  # noqa: E402
from xcathalab import cluster  # noqa: E402
from xcathalab.shell import wait_for  # noqa: E402

OTHER = {"xcatmn1": "xcatmn2", "xcatmn2": "xcatmn1"}
BENCH_GROUP, BENCH_NETWORK = "xcatbench", "10_88_0_0-255_255_0_0"
DOMAIN = "lab.xcat"                       # cluster-lab/xcat/lab.sh XCATLAB_DOMAIN
HOSTS_BEGIN, HOSTS_END = "# BEGIN xcatha bench", "# END xcatha bench"
REGENERATION = ("makedns -n", "makedhcp -n", "makedhcp -a")
PACEMAKER_EVENTS = ("Initiating ", "Result of ")
TARGET_RATIO = 1.2


class OutageWatch(threading.Thread):
    """Asks xcatd on the VIP for a TLS hello every 50 ms until ``finished`` is set, and
    keeps each silence: (the last answer, the next answer after a failure)."""

    def __init__(self):
        threading.Thread.__init__(self, daemon=True)
        self.silences = []
        self.finished = threading.Event()

    def run(self):
        last_answer, silent = None, False
        while not self.finished.is_set():
            answers = xcat.handshake_failure(cluster.VIP, xcat.XCATD_PORT, 0.25) is None
            now = time.time()
            if answers:
                if silent and last_answer is not None:
                    self.silences.append((last_answer, now))
                last_answer, silent = now, False
            else:
                silent = True
            time.sleep(0.05)

    def outage(self):
        """(start, end) of the longest silence (the failover's), or None."""
        return max(self.silences, key=lambda silence: silence[1] - silence[0], default=None)


def bench_compute_nodes(count):
    """(name, ip, mac) of the extra nodes: bn1.. in 10.88.0.0/16."""
    nodes = []
    for number in range(1, count + 1):
        third, fourth = divmod(number, 250)
        ip = "10.88.%d.%d" % (third, fourth + 1)
        nodes.append(("bn%d" % number, ip, "02:00:0a:58:%02x:%02x" % (third, fourth + 1)))
    return nodes


def define_bench_nodes(count):
    """Define ``count`` extra compute nodes in xCAT and in both nodes' /etc/hosts."""
    active = cluster.active_node()
    nodes = bench_compute_nodes(count)
    cluster.xcat(active, "mkdef", "-f", "-t", "network", "-o", BENCH_NETWORK, "net=10.88.0.0",
                 "mask=255.255.0.0", "mgtifname=eth0")
    stanzas = "".join("%s:\n    objtype=node\n    groups=%s,all\n    ip=%s\n    mac=%s\n"
                      % (name, BENCH_GROUP, ip, mac) for name, ip, mac in nodes)
    cluster.xcat(active, "mkdef", "-z", "-f", stdin=stanzas, timeout=600)
    block = "\n".join([HOSTS_BEGIN] + ["%s %s %s.%s" % (ip, name, name, DOMAIN) for name, ip, _ in nodes]
                      + [HOSTS_END]) + "\n"
    for node in cluster.NODES:
        remove_hosts_block(node)
        cluster.on(node, "sh", "-c", "cat >> /etc/hosts", stdin=block)


def remove_bench_nodes():
    active = cluster.active_node()
    if active:
        cluster.xcat(active, "makedhcp", "-d", BENCH_GROUP, check=False, timeout=600)
        cluster.xcat(active, "rmdef", "-t", "node", BENCH_GROUP, check=False, timeout=600)
        cluster.xcat(active, "rmdef", "-t", "network", "-o", BENCH_NETWORK, check=False)
    for node in cluster.NODES:
        remove_hosts_block(node)


def remove_hosts_block(node):
    """/etc/hosts is a bind mount in the container: rewritten in place, never renamed."""
    cluster.on(node, "sh", "-c", "sed '/^%s$/,/^%s$/d' /etc/hosts > /tmp/hosts.bench && "
               "cat /tmp/hosts.bench > /etc/hosts" % (HOSTS_BEGIN, HOSTS_END))


def journal(node, since, until):
    """(epoch seconds, node, message) of the Pacemaker and agent lines in ``node``'s
    journal between ``since`` and ``until``."""
    out = cluster.on(node, "journalctl", "-o", "json", "--no-pager", "--since", "@%d" % int(since),
                     "--until", "@%d" % (int(until) + 1), timeout=60).out
    events = []
    for line in out.splitlines():
        entry = json.loads(line)
        message = entry.get("MESSAGE")
        if not isinstance(message, str):
            continue
        when = int(entry["__REALTIME_TIMESTAMP"]) / 1e6
        if since <= when <= until + 1 and interesting(entry.get("SYSLOG_IDENTIFIER", ""), message):
            events.append((when, node, message))
    return events


def interesting(identifier, message):
    """The agent's "done in" lines (logged as "xcat-services(ID)") and Pacemaker's
    lines about a member's operations."""
    if "done in " in message and identifier.startswith("xcat-services("):
        return True
    return any(event in message for event in PACEMAKER_EVENTS) and any(member in message for member in AGENTS)


def operation_times(source, target):
    """{"MEMBER stop|start": seconds} from the CIB's exec-time of each member's last
    stop on ``source`` and start on ``target``."""
    status = ElementTree.fromstring(cluster.on(target, "cibadmin", "--query", "--scope=status").out)
    times = {}
    for state in status.iter("node_state"):
        wanted = {source: "stop", target: "start"}.get(state.get("uname"))
        for resource in state.iter("lrm_resource"):
            if resource.get("id") not in AGENTS:
                continue
            for op in resource.iter("lrm_rsc_op"):
                if op.get("operation") == wanted:
                    times["%s %s" % (resource.get("id"), wanted)] = int(op.get("exec-time", "0")) / 1000.0
    return times


def step_times(events, until=float("inf")):
    """{step description: seconds} of the xcat-services "done in" lines of the steps that
    began by ``until`` (xcatd answers just before its start step logs its end)."""
    steps = {}
    for when, _, message in events:
        if "done in " in message:
            seconds, step = message.split("done in ", 1)[1].split("s: ", 1)
            if when - float(seconds) <= until:
                steps[step.strip()] = float(seconds)
    return steps


def first(events, *words):
    """The time of the first event whose message holds all ``words``, or None."""
    return next((when for when, _, message in events if all(w in message for w in words)), None)


def print_ratios(events, operations, outage):
    work = sum(operations.values())
    switch_start = first(events, "Initiating stop operation")
    switch_end = first(events, "Result of start operation for xcat-services")
    if None in (switch_start, switch_end) or not work:
        print("  switch: not measured (no member operation found in the logs)")
    else:
        switch = switch_end - switch_start
        print("  switch (first stop to xcat-services started): %.1f s; member operations' own "
              "times: %.1f s; ratio %.2f (target <= %.1f)" % (switch, work, switch / work, TARGET_RATIO))
    if outage is None:
        print("  outage: not measured (xcatd never went silent)")
        return
    start, end = outage
    on_path = sum(seconds for name, seconds in operations.items() if name != "xcat-services start")
    on_path += sum(step_times(events, until=end).values())
    print("  outage (xcatd silent on the VIP): %.1f s; own times on its path: %.1f s; ratio %.2f "
          "(target <= %.1f)" % (end - start, on_path, (end - start) / on_path, TARGET_RATIO))


def planned_failover(count, parallel):
    source = cluster.active_node()
    target = OTHER[source]
    watch = OutageWatch()
    watch.start()
    began = time.time()
    cluster.start_group(target, timeout=600)
    cluster.settle()
    watch.finished.set()
    watch.join(timeout=10)
    ended = time.time()
    events = sorted(journal(source, began, ended) + journal(target, began, ended))
    operations = operation_times(source, target)
    print("\nplanned failover %s -> %s, %d compute nodes, parallel_regenerate=%s"
          % (source, target, count, "true" if parallel else "false"))
    for when, node, message in events:
        print("  %+7.2f s  %-8s %s" % (when - began, node, trim(message)))
    print("  member operations (exec-time): " + ", ".join(
        "%s %.1f s" % item for item in sorted(operations.items(), key=lambda item: item[1], reverse=True)))
    print_ratios(events, operations, watch.outage())
    return step_times(events)


def trim(message):
    return message if len(message) < 150 else message[:147] + "..."


def set_parallel(enabled):
    cluster.pcs("resource", "update", "xcat-services", "parallel_regenerate=%s" % ("true" if enabled else "false"))
    cluster.settle(timeout=900)
    wait_for("group answering", lambda: cluster.group_answers(cluster.active_node()), timeout=600)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, nargs="+", default=[5, 500],
                        help="compute node counts (at least 5, the lab's own)")
    parser.add_argument("--parallel", action="store_true",
                        help="also move the group with parallel_regenerate=true")
    args = parser.parse_args()
    cluster.up()
    regeneration = {}
    try:
        for count in args.nodes:
            remove_bench_nodes()
            if count > 5:
                define_bench_nodes(count - 5)
            for parallel in ([False, True] if args.parallel else [False]):
                if parallel:
                    set_parallel(True)
                steps = planned_failover(count, parallel)
                regeneration[(count, parallel)] = [steps.get(step) for step in REGENERATION]
                if parallel:
                    set_parallel(False)
    finally:
        remove_bench_nodes()
    print("\nregeneration steps' own times on the new node (seconds):")
    print("  %-34s %12s %12s %12s" % (("",) + REGENERATION))
    for (count, parallel), times in sorted(regeneration.items()):
        print("  %-34s %12s %12s %12s" % (("%d nodes, parallel_regenerate=%s" % (count, str(parallel).lower()),)
                                          + tuple("-" if t is None else "%.1f" % t for t in times)))


if __name__ == "__main__":
    main()
