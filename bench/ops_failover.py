#!/usr/bin/env python3
"""Benchmark: the operator commands on a live two-node Pacemaker cluster made of
network namespaces (cluster-lab/xcathalab/nscluster.py: real corosync, pacemakerd,
pcs, the generated configuration with the real xcat-shared, xcat-vip and
xcat-pgsql-conf, and a fake xcatd on VIP:3001 in xcat-services' place).

Prints the median wall time of `xcatha status`, and of `xcatha failover` from
the command to xcatd answering on the VIP: the running group moved with pcs,
the stopped group started with move-with-constraint + clear, and the move with
crm_resource on a host without pcs; next to it the bare `pcs resource move
--wait` an admin would type.  Targets: status under 1 s; xcatha failover at
most 1 s slower than the bare pcs move (its extra work: reading the state,
refusals, progress, the xcatd check).  Run as root:
python3 bench/ops_failover.py [--runs N]
"""

import argparse
import os
import statistics
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [REPO, os.path.join(REPO, "cluster-lab")]   # this tree's xcatha_ocf, and the lab

from xcatha_ocf.agents import GROUP  # noqa: E402
from xcathalab.nscluster import LiveCluster  # noqa: E402


def timed(action):
    started = time.monotonic()
    result = action()
    if not result.ok:
        raise SystemExit("failed: %s%s" % (result.out, result.err))
    return time.monotonic() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    cluster = LiveCluster()
    figures = {"status": [], "failover, running group (pcs resource move)": [],
               "failover, stopped group (move-with-constraint + clear)": [],
               "failover, running group (crm_resource, no pcs)": [],
               "bare pcs resource move --wait (for comparison)": []}
    try:
        started = time.monotonic()
        cluster.up()
        cluster.configure()
        print("cluster up and configured in %.1f s" % (time.monotonic() - started))
        for _ in range(runs):
            figures["failover, stopped group (move-with-constraint + clear)"].append(
                timed(lambda: cluster.xcatha("xcatmn1", "failover", "--to", "xcatmn1")))
            figures["status"].append(timed(lambda: cluster.xcatha("xcatmn2", "status")))
            figures["failover, running group (pcs resource move)"].append(
                timed(lambda: cluster.xcatha("xcatmn1", "failover", "--to", "xcatmn2")))
            figures["failover, running group (crm_resource, no pcs)"].append(
                timed(lambda: cluster.xcatha("xcatmn1", "failover", "--to", "xcatmn1", without_pcs=True)))
            figures["bare pcs resource move --wait (for comparison)"].append(
                timed(lambda: cluster.on("xcatmn1", "pcs", "resource", "move", GROUP, "xcatmn2",
                                         "--wait=60", check=False)))
            cluster.pcs("resource", "disable", GROUP, "--wait=60")
            cluster.pcs("resource", "enable", GROUP)
            cluster.settle()
    finally:
        cluster.down()
    for name, values in figures.items():
        print("%-56s median %5.2f s  (min %.2f, max %.2f, %d runs)"
              % (name, statistics.median(values), min(values), max(values), len(values)))
    medians = dict((name, statistics.median(values)) for name, values in figures.items())
    print("xcatha failover over the bare pcs move: %+.2f s (target: at most 1 s)" % (
        medians["failover, running group (pcs resource move)"]
        - medians["bare pcs resource move --wait (for comparison)"]))


if __name__ == "__main__":
    main()
