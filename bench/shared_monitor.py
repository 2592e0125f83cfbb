#!/usr/bin/env python3
"""Cost of watching the five xCAT directories: one xcat-shared depth-0 monitor
against five ocf:heartbeat:Filesystem bind-mount monitors (device=<dir>
fstype=none options=bind) on the same binds.

Runs itself in a private mount namespace (unshare -m), makes the five binds on
temporary directories, then alternates the two sides for --runs rounds.  CPU is
user+system time of each agent process and everything it ran, from os.wait4's
rusage; wall time from the monotonic clock.  Target: xcat-shared uses at most a
third of the CPU of the five Filesystem monitors.

    sudo python3 bench/shared_monitor.py [--runs 40]
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
XCAT_SHARED = os.path.join(REPO, "agents", "xcat-shared")
FILESYSTEM = "/usr/lib/ocf/resource.d/heartbeat/Filesystem"
DIRECTORIES = ["/install", "/etc/xcat", "/root/.xcat", "/var/lib/pgsql", "/tftpboot"]
TARGET_RATIO = 1 / 3.0


def base_environment():
    return {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "OCF_ROOT": "/usr/lib/ocf",
            "OCF_RESOURCE_INSTANCE": "bench", "OCF_RA_VERSION_MAJOR": "1",
            "OCF_RA_VERSION_MINOR": "1", "OCF_RESKEY_CRM_meta_interval": "20000",
            "OCF_RESKEY_CRM_meta_timeout": "20000", "OCF_CHECK_LEVEL": "0"}


def measure(argv, env):
    """(exit code, CPU seconds, wall seconds) of one agent run, its children included."""
    began = time.monotonic()
    pid = os.fork()
    if pid == 0:
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        try:
            os.execve(argv[0], argv, env)
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    wall = time.monotonic() - began
    return os.waitstatus_to_exitcode(status), usage.ru_utime + usage.ru_stime, wall


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


def sides(shared_dir, pairs):
    shared_env = dict(base_environment(), OCF_RESKEY_shared_dir=shared_dir,
                      OCF_RESKEY_directories=" ".join(target for _, target in pairs))
    filesystem_envs = [dict(base_environment(), OCF_RESKEY_device=source, OCF_RESKEY_directory=target,
                            OCF_RESKEY_fstype="none", OCF_RESKEY_options="bind")
                       for source, target in pairs]
    xcat = lambda: [measure([XCAT_SHARED, "monitor"], shared_env)]
    heartbeat = lambda: [measure([FILESYSTEM, "monitor"], env) for env in filesystem_envs]
    deeper = dict((depth, lambda depth=depth: [measure([XCAT_SHARED, "monitor"],
                                                      dict(shared_env, OCF_CHECK_LEVEL=str(depth)))])
                  for depth in (10, 20))
    return xcat, heartbeat, deeper


def one_round(side):
    results = side()
    codes = set(code for code, _, _ in results)
    if codes != {0}:
        raise SystemExit("a monitor did not return 0: exit codes %s" % sorted(codes))
    return sum(cpu for _, cpu, _ in results), sum(wall for _, _, wall in results)


def benchmark(runs):
    root = tempfile.mkdtemp(prefix="xcshared-bench.")
    try:
        shared_dir, pairs = prepare(root)
        xcat, heartbeat, deeper = sides(shared_dir, pairs)
        one_round(xcat), one_round(heartbeat)  # warm the page cache
        xcat_runs, heartbeat_runs = [], []
        for number in range(runs):
            order = [(xcat, xcat_runs), (heartbeat, heartbeat_runs)]
            for side, results in (order if number % 2 == 0 else order[::-1]):
                results.append(one_round(side))
        report(runs, xcat_runs, heartbeat_runs)
        for depth, side in sorted(deeper.items()):
            results = [one_round(side) for _ in range(max(runs // 4, 3))]
            print("xcat-shared depth %d (for reference) : CPU %6.1f ms  wall %6.1f ms"
                  % (depth, statistics.median(c for c, _ in results) * 1e3,
                     statistics.median(w for _, w in results) * 1e3))
    finally:
        for directory in reversed(DIRECTORIES):
            subprocess.run(["umount", root + directory])
        shutil.rmtree(root)


def report(runs, xcat_runs, heartbeat_runs):
    xcat_cpu = statistics.median(cpu for cpu, _ in xcat_runs)
    xcat_wall = statistics.median(wall for _, wall in xcat_runs)
    fs_cpu = statistics.median(cpu for cpu, _ in heartbeat_runs)
    fs_wall = statistics.median(wall for _, wall in heartbeat_runs)
    ratio = xcat_cpu / fs_cpu
    print("rounds: %d (alternating order), medians per round" % runs)
    print("xcat-shared monitor, 5 directories : CPU %6.1f ms  wall %6.1f ms" % (xcat_cpu * 1e3, xcat_wall * 1e3))
    print("5 x Filesystem bind monitors      : CPU %6.1f ms  wall %6.1f ms" % (fs_cpu * 1e3, fs_wall * 1e3))
    print("CPU ratio xcat-shared / Filesystem: %.3f (target <= %.3f): %s"
          % (ratio, TARGET_RATIO, "met" if ratio <= TARGET_RATIO else "NOT met"))
    print("wall ratio                        : %.3f" % (xcat_wall / fs_wall))


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
