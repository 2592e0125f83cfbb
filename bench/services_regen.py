#!/usr/bin/env python3
"""What parallel_regenerate saves: xcat-services start with makedns -n and
makedhcp -n/-a one after the other, then concurrently.

Runs the agent through its launcher against a temporary PostgreSQL, the xCAT
STAND-IN (cluster-lab/xcat-standin) and the systemctl STAND-IN
(tests/standin/systemctl).  The stand-in's make commands sleep to simulate a
large cluster; the delays below are the ratios seen on a 5,000-node cluster
(makedns -n the longest, then makedhcp -a), scaled from minutes to seconds.
Run as root on a host with PostgreSQL 15 server binaries:

    .venv/bin/python bench/services_regen.py [--rounds N]
"""

import argparse
import os
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))

from agentrun import run_agent  # noqa: E402
from standin_env import prepare_stack, standin_root, temporary_postgres  # noqa: E402

DELAYS = {"makedns": 4.0, "makedhcp_n": 1.0, "makedhcp_a": 2.5, "makeconservercf": 1.0}
INSTANCE = "svc-bench-%d" % os.getpid()


def timed_start(params, env):
    began = time.monotonic()
    result = run_agent("xcat-services", "start", params, extra=env, timeout=300)
    elapsed = time.monotonic() - began
    if result.returncode != 0:
        raise SystemExit("start failed: %s" % result.stderr)
    run_agent("xcat-services", "stop", params, extra=env)
    return elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    with temporary_postgres() as server, standin_root(*server, nodes=200) as root:
        with open(os.path.join(root, "etc/xcat/standin.conf"), "w") as conf:
            conf.write("".join("%s=%s\n" % item for item in DELAYS.items()))
        bin_dir = tempfile.mkdtemp(prefix="svcbench-bin.")
        params, env = prepare_stack(root, server, bin_dir, INSTANCE)
        figures = {"false": [], "true": []}
        for _ in range(args.rounds):
            for parallel in ("false", "true"):
                figures[parallel].append(timed_start(dict(params, parallel_regenerate=parallel), env))
        shutil.rmtree(bin_dir, ignore_errors=True)
        state = "/run/xcatha/%s.state" % INSTANCE
        if os.path.exists(state):
            os.unlink(state)
    sequential, parallel = min(figures["false"]), min(figures["true"])
    print("simulated delays (s): " + ", ".join("%s=%s" % item for item in DELAYS.items()))
    print("start, sequential regeneration: %.2f s (runs: %s)"
          % (sequential, " ".join("%.2f" % t for t in figures["false"])))
    print("start, parallel_regenerate:     %.2f s (runs: %s)"
          % (parallel, " ".join("%.2f" % t for t in figures["true"])))
    print("saved: %.2f s (%.0f%%); overlap of the simulated delays alone = min(DNS %.1f s, DHCP %.1f s) = %.1f s"
          % (sequential - parallel, 100 * (sequential - parallel) / sequential, DELAYS["makedns"],
             DELAYS["makedhcp_n"] + DELAYS["makedhcp_a"],
             min(DELAYS["makedns"], DELAYS["makedhcp_n"] + DELAYS["makedhcp_a"])))


if __name__ == "__main__":
    main()
