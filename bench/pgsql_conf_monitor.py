#!/usr/bin/env python3
"""Benchmark: the cost of xcat-pgsql-conf's actions on Debian's full-size
postgresql.conf (about 30 KB, 800 lines) and pg_hba.conf, copied to a temporary
directory.

Prints the median CPU (user+system of the agent process and its children, from
wait4) and wall time of monitor (started and not), start and stop.
Target: a monitor with the blocks present costs under 50 ms of CPU, so a 30 s
interval stays below 0.2 % of one core.  Run:  python3 bench/pgsql_conf_monitor.py [--runs N]
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
AGENT = os.path.join(REPO, "agents", "xcat-pgsql-conf")
DEBIAN = "/etc/postgresql/15/main"
TARGET_CPU = 0.050


def environment(directory):
    return {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "OCF_ROOT": "/usr/lib/ocf",
            "OCF_RESOURCE_INSTANCE": "bench", "OCF_RESKEY_CRM_meta_interval": "30000",
            "OCF_RESKEY_CRM_meta_timeout": "20000", "OCF_RESKEY_CRM_meta_on_node": "xcatmn1",
            "OCF_RESKEY_vip": "192.0.2.100", "OCF_RESKEY_node_addresses": "xcatmn1=192.0.2.10",
            "OCF_RESKEY_config_dir": directory, "OCF_RESKEY_client_networks": "198.51.100.0/24"}


def measure(action, env):
    """(rc, cpu seconds, wall seconds) of one run, children included."""
    started = time.perf_counter()
    with open(os.devnull, "w") as null:
        pid = os.posix_spawn(AGENT, [AGENT, action], env,
                             file_actions=[(os.POSIX_SPAWN_DUP2, null.fileno(), 2)])
    _, status, usage = os.wait4(pid, 0)
    return os.waitstatus_to_exitcode(status), usage.ru_utime + usage.ru_stime, \
        time.perf_counter() - started


def sample(label, actions, env, runs, expected, measured=0):
    """Run the ``actions`` cycle ``runs`` times; report the figures of action ``measured``."""
    cpu, wall = [], []
    for _ in range(runs):
        for index, action in enumerate(actions):
            rc, used, elapsed = measure(action, env)
            if rc != expected[index]:
                sys.exit("%s returned %d, expected %d" % (action, rc, expected[index]))
            if index == measured:
                cpu.append(used)
                wall.append(elapsed)
    print("  %-28s cpu %6.1f ms   wall %6.1f ms" % (label, 1000 * statistics.median(cpu),
                                                   1000 * statistics.median(wall)))
    return statistics.median(cpu)


def copy_debian_files(directory):
    """Debian's files, without the lines that point at the host's own cluster
    (data_directory, hba_file, include_dir): the copies must not edit it."""
    shutil.copy(os.path.join(DEBIAN, "pg_hba.conf"), directory)
    with open(os.path.join(DEBIAN, "postgresql.conf"), "rb") as handle:
        lines = handle.read().splitlines(True)
    with open(os.path.join(directory, "postgresql.conf"), "wb") as handle:
        handle.writelines(line for line in lines if not line.startswith(
            (b"data_directory", b"hba_file", b"include_dir")))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    directory = tempfile.mkdtemp(prefix="xcpgsql-bench-")
    try:
        copy_debian_files(directory)
        with open(os.path.join(directory, "PG_VERSION"), "w") as handle:
            handle.write("15\n")
        conf = os.path.join(directory, "postgresql.conf")
        print("xcat-pgsql-conf on %s (%d bytes), %d runs each (medians):"
              % (conf, os.path.getsize(conf), args.runs))
        env = environment(directory)
        sample("monitor, not started", ["monitor"], env, args.runs, [7])
        sample("start (writes both files)", ["start", "stop"], env, args.runs, [0, 0])
        sample("stop (removes both blocks)", ["start", "stop"], env, args.runs, [0, 0], 1)
        measure("start", env)
        present = sample("monitor, blocks present", ["monitor"], env, args.runs, [0])
        print("target: monitor with blocks present under %d ms CPU: %s"
              % (TARGET_CPU * 1000, "met" if present < TARGET_CPU else "MISSED"))
        measure("stop", env)
    finally:
        shutil.rmtree(directory)


if __name__ == "__main__":
    main()
