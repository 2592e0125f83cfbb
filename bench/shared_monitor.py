#!/usr/bin/env python3
"""Cost of watching the five xCAT directories: one xcat-shared depth-0 monitor
against five ocf:heartbeat:Filesystem bind-mount monitors (device=<dir>
fstype=none options=bind) on the same binds, and against the interpreter floor.

Runs itself in a private mount namespace (unshare -m), makes the five binds on
temporary directories, installs xcat-shared with xcatha install-agents and runs
it as Pacemaker does (bench/installed.py), then alternates the three for --runs
rounds (bench/timing.py: CPU is user+system time of each agent process and
everything it ran, from wait4; wall time from the monotonic clock).  Targets:
xcat-shared uses at most a third of the CPU of the five Filesystem monitors, and
at most 1.5 times the floor.

    sudo python3 bench/shared_monitor.py [--runs 40]
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

import installed
import timing

DIRECTORIES = ["/install", "/etc/xcat", "/root/.xcat", "/var/lib/pgsql", "/tftpboot"]
TARGET_RATIO = 1 / 3.0
XCAT_SHARED, FILESYSTEM = "xcat-shared, 5 directories", "5 x Filesystem bind monitors"


def prepare(root):
    """shared_dir/<dir> and <dir> under ``root`` for each of the five directories, bound."""
    shared_dir = root + "/xcatdata"
    pairs = []
    for directory in DIRECTORIES:
        source, target = shared_dir + root + directory, root + directory
        os.makedirs(source)
        os.makedirs(target)
        subprocess.run(["mount", "--bind", source, target], check=True)
        pairs.append((source, target))
    return shared_dir, pairs


def sides(xcat_shared, shared_dir, pairs):
    """The two ways of watching the binds, each as one side of a round."""
    shared_params = {"shared_dir": shared_dir,
                     "directories": " ".join(target for _, target in pairs)}
    filesystems = [installed.environment({"device": source, "directory": target, "fstype": "none",
                                          "options": "bind"}, interval_ms=20000)
                   for source, target in pairs]
    return {XCAT_SHARED: ([([xcat_shared, "monitor"], installed.environment(shared_params, 20000))], 0),
            FILESYSTEM: ([([installed.HEARTBEAT + "/Filesystem", "monitor"], env)
                          for env in filesystems], 0)}


def deeper(xcat_shared, shared_dir, pairs, runs):
    """xcat-shared's depth 10 and 20 monitors, for reference."""
    params = {"shared_dir": shared_dir, "directories": " ".join(target for _, target in pairs)}
    depths = dict(("xcat-shared depth %d" % depth, (
        [([xcat_shared, "monitor"], installed.environment(params, 20000, check_level=depth))], 0))
        for depth in (10, 20))
    timing.print_medians(timing.medians(timing.alternate(depths, runs)))


def benchmark(runs):
    root = tempfile.mkdtemp(prefix="xcshared-bench.")
    try:
        shared_dir, pairs = prepare(root)
        xcat_shared = os.path.join(installed.install_agents(root + "/ocf"), "xcat-shared")
        bench = timing.with_floor(sides(xcat_shared, shared_dir, pairs),
                                  installed.environment({}, 20000))
        timing.alternate(bench, 1)  # warm the page cache
        figures = timing.medians(timing.alternate(bench, runs))
        print("rounds: %d (alternating order), medians per round" % runs)
        timing.print_medians(figures)
        shared, filesystem = figures[XCAT_SHARED], figures[FILESYSTEM]
        timing.print_ratio("CPU ratio xcat-shared / Filesystem", shared[0] / filesystem[0],
                           TARGET_RATIO)
        timing.print_ratio("wall ratio xcat-shared / Filesystem", shared[1] / filesystem[1])
        timing.print_floor_ratios(figures, [XCAT_SHARED])
        print("for reference, %d runs each:" % max(runs // 4, 3))
        deeper(xcat_shared, shared_dir, pairs, max(runs // 4, 3))
    finally:
        for directory in reversed(DIRECTORIES):
            subprocess.run(["umount", root + directory])
        shutil.rmtree(root)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("run as root: the benchmark makes bind mounts in a private namespace")
    if not args.inside:
        command = ["unshare", "-m", "--propagation", "private", sys.executable,
                   os.path.abspath(__file__), "--inside", "--runs", str(args.runs)]
        return subprocess.call(command)
    benchmark(args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
