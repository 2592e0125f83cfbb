#!/usr/bin/env python3
"""Benchmark: the cost of xcat-pgsql-conf's actions on Debian's full-size
postgresql.conf (about 30 KB, 800 lines) and pg_hba.conf, copied to a temporary
directory.

The agent is installed by xcatha install-agents into a temporary OCF root and run
as Pacemaker runs it (bench/installed.py).  Prints the median CPU (user+system of
the agent process and its children, from wait4) and wall time (bench/timing.py)
of: the probe on a node where the resource is not started (the usual probe on
the passive node), start, stop, and the 30 s monitor with the blocks present;
each monitor alternates with the interpreter floor.  Targets: a monitor with the
blocks present costs under 50 ms of CPU, so a 30 s interval stays below 0.2 % of
one core; both monitors cost at most 1.5 times the floor.
Run as root:  python3 bench/pgsql_conf_monitor.py [--runs N]
"""

import argparse
import os
import shutil
import tempfile

import installed
import timing

DEBIAN = "/etc/postgresql/15/main"
TARGET_CPU = 0.050
PROBE, STARTED = "probe, not started", "monitor, blocks present"


def params(directory):
    return {"vip": "192.0.2.100", "node_addresses": "xcatmn1=192.0.2.10", "config_dir": directory,
            "client_networks": "198.51.100.0/24"}


def environment(directory, interval_ms):
    env = installed.environment(params(directory), interval_ms)
    env["OCF_RESKEY_CRM_meta_on_node"] = "xcatmn1"
    return env


def copy_debian_files(directory):
    """Debian's files, without the lines that point at the host's own cluster
    (data_directory, hba_file, include_dir): the copies must not edit it."""
    shutil.copy(os.path.join(DEBIAN, "pg_hba.conf"), directory)
    with open(os.path.join(DEBIAN, "postgresql.conf"), "rb") as handle:
        lines = handle.readlines()
    with open(os.path.join(directory, "postgresql.conf"), "wb") as handle:
        handle.writelines(line for line in lines if not line.startswith(
            (b"data_directory", b"hba_file", b"include_dir")))
    with open(os.path.join(directory, "PG_VERSION"), "w") as handle:
        handle.write("15\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    runs = parser.parse_args().runs
    root = tempfile.mkdtemp(prefix="xcpgsql-bench-")
    try:
        directory = os.path.join(root, "data")
        os.mkdir(directory)
        copy_debian_files(directory)
        agent = os.path.join(installed.install_agents(os.path.join(root, "ocf")), "xcat-pgsql-conf")
        monitor, probe = environment(directory, 30000), environment(directory, 0)
        conf = os.path.join(directory, "postgresql.conf")
        print("xcat-pgsql-conf on %s (%d bytes), %d rounds each (medians):"
              % (conf, os.path.getsize(conf), runs))
        not_started = timing.medians(timing.alternate(
            timing.with_floor({PROBE: ([([agent, "monitor"], probe)], 7)}, probe), runs))
        cycle = timing.medians(timing.alternate(
            {"start (writes both files)": ([([agent, "start"], monitor)], 0),
             "stop (removes both blocks)": ([([agent, "stop"], monitor)], 0)}, runs, rotate=False))
        timing.measure([agent, "start"], monitor)
        started = timing.medians(timing.alternate(
            timing.with_floor({STARTED: ([([agent, "monitor"], monitor)], 0)}, monitor), runs))
        timing.measure([agent, "stop"], monitor)
        for title, figures, monitors in (
                ("not started in this boot (the probe on the passive node):", not_started, [PROBE]),
                ("start and stop, in turn:", cycle, []),
                ("started (the recurring monitor on the active node):", started, [STARTED])):
            print(title)
            timing.print_medians(figures)
            if monitors:
                timing.print_floor_ratios(figures, monitors)
        print("  target: monitor with blocks present under %d ms CPU: %s"
              % (TARGET_CPU * 1000, "met" if started[STARTED][0] < TARGET_CPU else "NOT met"))
    finally:
        shutil.rmtree(root)


if __name__ == "__main__":
    main()
