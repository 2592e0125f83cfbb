#!/usr/bin/env python3
"""Benchmark: xcat-vip's monitor against ocf:heartbeat:IPaddr2's monitor on the same
address, alternating the two, in a network namespace this script creates.

Prints the median CPU (user+system of the agent process and its children, from
wait4) and wall time of each, and their ratio. Target: xcat-vip costs at most half
of IPaddr2's CPU time.  Run as root:  python3 bench/vip_monitor.py [--runs N]
"""

import argparse
import os
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAMESPACE = "xcatha-bench-vip"
VIP, PREFIX, NIC = "192.0.2.10", "24", "bench0"


def environment(extra):
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "OCF_ROOT": "/usr/lib/ocf",
           "OCF_RESOURCE_INSTANCE": "bench", "OCF_RESKEY_CRM_meta_interval": "10000",
           "OCF_RESKEY_CRM_meta_timeout": "20000", "OCF_RESKEY_ip": VIP,
           "OCF_RESKEY_nic": NIC, "OCF_RESKEY_cidr_netmask": PREFIX}
    env.update(extra)
    return env


AGENTS = {
    "xcat-vip": ([os.path.join(REPO, "agents", "xcat-vip"), "monitor"], environment({})),
    "IPaddr2": (["/usr/lib/ocf/resource.d/heartbeat/IPaddr2", "monitor"], environment({})),
}


def measure(argv, env):
    """(rc, cpu seconds, wall seconds) of one run, children included."""
    started = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, env)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - started
    return os.waitstatus_to_exitcode(status), usage.ru_utime + usage.ru_stime, wall


def inside(runs):
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    subprocess.run([AGENTS["xcat-vip"][0][0], "start"], env=environment(
        {"OCF_RESKEY_arp_count": "0", "OCF_RESKEY_check_conflict": "no"}), check=True)
    for name, (argv, env) in AGENTS.items():
        rc = measure(argv, env)[0]
        if rc != 0:
            sys.exit("%s monitor returned %d, expected 0" % (name, rc))
    samples = {name: ([], []) for name in AGENTS}
    for _ in range(runs):
        for name, (argv, env) in AGENTS.items():
            _, cpu, wall = measure(argv, env)
            samples[name][0].append(cpu)
            samples[name][1].append(wall)
    print("monitor of %s/%s on %s, %d alternating runs each (medians):" % (VIP, PREFIX, NIC, runs))
    medians = {}
    for name, (cpu, wall) in samples.items():
        medians[name] = statistics.median(cpu)
        print("  %-9s cpu %6.2f ms   wall %6.2f ms" % (name, medians[name] * 1000,
                                                      statistics.median(wall) * 1000))
    ratio = medians["xcat-vip"] / medians["IPaddr2"]
    print("  CPU ratio xcat-vip / IPaddr2 = %.2f (target <= 0.50): %s"
          % (ratio, "met" if ratio <= 0.5 else "NOT met"))


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
