#!/usr/bin/env python3
"""Benchmark: xcat-vip's monitor against ocf:heartbeat:IPaddr2's monitor on the same
address, and against the interpreter floor, alternating the three, in a network
namespace this script creates.

xcat-vip is installed by xcatha install-agents into a temporary OCF root and run
as Pacemaker runs it (bench/installed.py).  Prints the median CPU (user+system of
the agent process and its children, from wait4) and wall time of each
(bench/timing.py).  Targets: xcat-vip costs at most half of IPaddr2's CPU time,
and at most 1.5 times the floor.  Run as root:  python3 bench/vip_monitor.py [--runs N]
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

import installed
import timing

NAMESPACE = "xcatha-bench-vip"
VIP, PREFIX, NIC = "192.0.2.10", "24", "bench0"
PARAMS = {"ip": VIP, "nic": NIC, "cidr_netmask": PREFIX}
TARGET_RATIO = 0.5


def inside(runs):
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    ocf_root = tempfile.mkdtemp(prefix="xcvip-bench-")
    xcat_vip = os.path.join(installed.install_agents(ocf_root), "xcat-vip")
    env = installed.environment(PARAMS, interval_ms=10000)
    start = installed.environment(dict(PARAMS, arp_count=0, check_conflict="no"), interval_ms=0)
    try:
        subprocess.run([xcat_vip, "start"], env=start, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=True)
        sides = timing.with_floor({
            "xcat-vip": ([([xcat_vip, "monitor"], env)], 0),
            "IPaddr2": ([([installed.HEARTBEAT + "/IPaddr2", "monitor"], env)], 0)}, env)
        timing.alternate(sides, 1)   # warm the page cache
        figures = timing.medians(timing.alternate(sides, runs))
        print("monitor of %s/%s on %s, %d alternating rounds (medians):" % (VIP, PREFIX, NIC, runs))
        timing.print_medians(figures)
        timing.print_ratio("CPU ratio xcat-vip / IPaddr2",
                           figures["xcat-vip"][0] / figures["IPaddr2"][0], TARGET_RATIO)
        timing.print_floor_ratios(figures, ["xcat-vip"])
    finally:
        subprocess.run([xcat_vip, "stop"], env=start, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        shutil.rmtree(ocf_root)


def ip(*args):
    subprocess.run(["ip"] + list(args), check=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        return inside(args.runs)
    ip("netns", "add", NAMESPACE)
    try:
        ip("link", "add", "xbv0", "type", "veth", "peer", "name", "xbv1")
        ip("link", "set", "xbv0", "netns", NAMESPACE, "name", NIC)
        ip("-n", NAMESPACE, "addr", "add", "192.0.2.1/24", "dev", NIC)
        ip("-n", NAMESPACE, "link", "set", NIC, "up")
        ip("link", "set", "xbv1", "up")
        subprocess.run(["ip", "netns", "exec", NAMESPACE, sys.executable, os.path.abspath(__file__),
                        "--inside", "--runs", str(args.runs)], check=True)
    finally:
        subprocess.run(["ip", "link", "del", "xbv1"], stderr=subprocess.DEVNULL)
        ip("netns", "del", NAMESPACE)


if __name__ == "__main__":
    main()
