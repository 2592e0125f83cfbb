#!/usr/bin/env python3
"""Benchmark: xcat-services' monitor against the interpreter floor, alternating them.

Three monitors: the active node's (a start recorded in this boot, the units
running: PostgreSQL asked with pg_isready, xcatd with a TLS hello), the passive
node's role=Stopped monitor finding the units running (a stray: reported without
those checks), and the probe of a stopped stack.

This host has no systemd as PID 1 and runs no xCAT, so FAKES stand in, first on
the agent's PATH: a /bin/sh systemctl that answers ``systemctl show ... --
UNIT...`` with canned properties using shell builtins only (xCAT's units on this
Debian host loaded and active, or loaded and inactive; ntpsec, ntp and
goconserver not found), a /bin/sh pg_isready that answers "accepting", and a
listener on a free loopback port that answers the TLS hello with an alert as
xcatd does.  The agent's figures INCLUDE the fake children (dash processes; the
real systemctl asks systemd over D-Bus, and Debian's pg_isready is a Perl
wrapper, both costlier), and the fake systemctl alone is measured for comparison.

The agent is installed by xcatha install-agents into a temporary OCF root and run
as Pacemaker runs it (bench/installed.py); CPU is user+system of the agent and its
children, from wait4 (bench/timing.py).  Target: within 1.5 times the floor.
Run:  python3 bench/services_monitor.py [--runs N]
"""

import argparse
import os
import shutil
import socket
import sys
import tempfile
import threading

import installed
import timing

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from xcatha_ocf.runtime import bootstate  # noqa: E402

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
FAKE_PG_ISREADY = "#!/bin/sh\n# FAKE pg_isready (bench/services_monitor.py): accepting.\nexit 0\n"
ACTIVE, STRAY, STOPPED = ("monitor, active node", "role=Stopped monitor, a stray",
                          "probe, stack stopped")
FAKE = "fake systemctl alone"
INSTANCE = "bench-services"


def fakes_directory(root, state):
    """A directory holding the fake systemctl, whose units are ``state``, and pg_isready."""
    directory = os.path.join(root, state)
    os.mkdir(directory)
    for name, text in (("systemctl", FAKE_SYSTEMCTL % state), ("pg_isready", FAKE_PG_ISREADY)):
        with open(os.path.join(directory, name), "w") as handle:
            handle.write(text)
        os.chmod(os.path.join(directory, name), 0o755)
    return directory


def fake_xcatd():
    """A loopback listener answering each TLS hello with an alert, as xcatd does to a
    client without a certificate it accepts; its port."""
    server = socket.create_server(("127.0.0.1", 0))

    def serve():
        while True:
            client, _ = server.accept()
            with client:
                client.recv(4096)
                client.sendall(b"\x15\x03\x03\x00\x02\x02\x28")
    threading.Thread(target=serve, daemon=True).start()
    return server.getsockname()[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=100)
    runs = parser.parse_args().runs
    root = tempfile.mkdtemp(prefix="xcservices-bench-")
    try:
        agent = os.path.join(installed.install_agents(os.path.join(root, "ocf")), "xcat-services")
        running = fakes_directory(root, "active")
        stopped = fakes_directory(root, "inactive")
        params = {"xcatd_port": fake_xcatd()}
        active = dict(installed.environment(params, 30000, path=running + ":" + installed.BARE_PATH),
                      OCF_RESOURCE_INSTANCE=INSTANCE)
        stray = dict(installed.environment(params, 31000, path=running + ":" + installed.BARE_PATH),
                     OCF_RESKEY_CRM_meta_role="Stopped")
        probe = installed.environment(params, 0, path=stopped + ":" + installed.BARE_PATH)
        bootstate.save(bootstate.path(INSTANCE + ".state"), {"done": ""})   # as its start does
        show = [os.path.join(running, "systemctl"), "show", "--no-pager", "-p",
                "Id,LoadState,ActiveState,SubState,UnitFileState", "--"] + UNITS
        sides = timing.with_floor({ACTIVE: ([([agent, "monitor"], active)], 0),
                                   STRAY: ([([agent, "monitor"], stray)], 0),
                                   STOPPED: ([([agent, "monitor"], probe)], 7),
                                   FAKE: ([(show, active)], 0)}, active)
        timing.alternate(sides, 1)   # warm the page cache
        figures = timing.medians(timing.alternate(sides, runs))
        print("xcat-services monitor, systemctl and pg_isready replaced by /bin/sh fakes (their "
              "cost included), %d alternating rounds (medians):" % runs)
        timing.print_medians(figures)
        timing.print_floor_ratios(figures, [ACTIVE, STRAY, STOPPED])
    finally:
        bootstate.remove(bootstate.path(INSTANCE + ".state"))
        shutil.rmtree(root)


if __name__ == "__main__":
    main()
