#!/usr/bin/env python3
"""Benchmark: xcat-services' monitor against the interpreter floor, alternating them.

This host has no systemd as PID 1, so systemctl is replaced by a FAKE: a
/bin/sh script, first on the agent's PATH, that answers ``systemctl show ... --
UNIT...`` with canned properties using shell builtins only (xCAT's units on this
Debian host loaded and active, or loaded and inactive; ntpsec, ntp and goconserver
not found).  The agent's figures INCLUDE that child (a dash process; the real
systemctl is a C program asking systemd over D-Bus, which costs more), and the
fake alone is measured with the same kind of request for comparison.

The agent is installed by xcatha install-agents into a temporary OCF root and run
as Pacemaker runs it (bench/installed.py); CPU is user+system of the agent and its
children, from wait4 (bench/timing.py).  Target: within 1.5 times the floor.
Run:  python3 bench/services_monitor.py [--runs N]
"""

import argparse
import os
import shutil
import tempfile

import installed
import timing

FAKE_SYSTEMCTL = """\
#!/bin/sh
# FAKE systemctl (bench/services_monitor.py): canned `systemctl show` answers.
while [ $# -gt 0 ] && [ "$1" != "--" ]; do shift; done
[ $# -gt 0 ] && shift
for unit in "$@"; do
  case "$unit" in
    ntpsec|ntp|goconserver) load=not-found active=inactive ;;
    *) load=loaded active=%s ;;
  esac
  printf 'Id=%%s.service\\nLoadState=%%s\\nActiveState=%%s\\nSubState=-\\nUnitFileState=disabled\\n\\n' \\
    "$unit" "$load" "$active"
done
"""
# The units the agent asks about on this Debian host with PostgreSQL 15.
UNITS = ["postgresql@15-main", "postgresql", "xcatd", "named", "isc-dhcp-server", "chrony",
         "ntpsec", "ntp", "conserver-server", "goconserver"]
RUNNING, STOPPED = "monitor, stack running", "probe, stack stopped"
FAKE = "fake systemctl alone"


def fake_systemctl_directory(root, state):
    """A directory holding the fake systemctl whose units are ``state``."""
    directory = os.path.join(root, state)
    os.mkdir(directory)
    path = os.path.join(directory, "systemctl")
    with open(path, "w") as handle:
        handle.write(FAKE_SYSTEMCTL % state)
    os.chmod(path, 0o755)
    return directory


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=100)
    runs = parser.parse_args().runs
    root = tempfile.mkdtemp(prefix="xcservices-bench-")
    try:
        agent = os.path.join(installed.install_agents(os.path.join(root, "ocf")), "xcat-services")
        running = fake_systemctl_directory(root, "active")
        stopped = fake_systemctl_directory(root, "inactive")
        env = installed.environment({}, 30000, path=running + ":" + installed.BARE_PATH)
        probe = installed.environment({}, 0, path=stopped + ":" + installed.BARE_PATH)
        show = [os.path.join(running, "systemctl"), "show", "--no-pager", "-p",
                "Id,LoadState,ActiveState,SubState,UnitFileState", "--"] + UNITS
        sides = timing.with_floor({RUNNING: ([([agent, "monitor"], env)], 0),
                                   STOPPED: ([([agent, "monitor"], probe)], 7),
                                   FAKE: ([(show, env)], 0)}, env)
        timing.alternate(sides, 1)   # warm the page cache
        figures = timing.medians(timing.alternate(sides, runs))
        print("xcat-services monitor, systemctl replaced by a /bin/sh fake (its cost "
              "included), %d alternating rounds (medians):" % runs)
        timing.print_medians(figures)
        timing.print_floor_ratios(figures, [RUNNING, STOPPED])
    finally:
        shutil.rmtree(root)


if __name__ == "__main__":
    main()
