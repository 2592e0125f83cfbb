#!/usr/bin/python3
"""FAKE systemctl, for the host-level tests on this host, which has no systemd as PID 1.

NOT systemd.  Linked as ``systemctl`` first on PATH (tests/support/fakenode.py), it
implements what xcat-services and the fake xCAT (tests/fakes/fake_xcat.py) ask of
systemctl: show -p, start, stop, restart, status, enable, disable, is-enabled,
is-active, over units kept in XCATHA_FAKE_ROOT/systemd:

  NAME.service   the unit is installed; an "ExecStart=COMMAND" line in it makes
                 start run COMMAND in a new session (its PID goes to NAME.pid); stop
                 sends that process SIGTERM, and what is left of its process group
                 SIGKILL once it exited or STOP_SECONDS passed, as systemd does with
                 KillMode=mixed (xcatd.service's); without an ExecStart line the
                 unit is a marker, active while NAME.active exists
  NAME.enabled   the unit is enabled at boot
  NAME.log       the output of its ExecStart command
  calls          every command line, one per line, for the tests to read

Real systemd is exercised in the cluster lab, not with this.
"""

import os
import shlex
import signal
import subprocess
import sys
import time

DIR = os.path.join(os.environ.get("XCATHA_FAKE_ROOT", ""), "systemd")
STARTING_SECONDS = 0.3   # an ExecStart command still running then has started
STOP_SECONDS = 10


def path(unit, suffix):
    name = unit[:-len(".service")] if unit.endswith(".service") else unit
    return os.path.join(DIR, name + suffix)


def installed(unit):
    return os.path.exists(path(unit, ".service"))


def exec_start(unit):
    with open(path(unit, ".service")) as handle:
        for line in handle:
            if line.startswith("ExecStart="):
                return line[len("ExecStart="):].strip()
    return None


def main_pid(unit):
    """The PID of the unit's running ExecStart command, or None."""
    try:
        with open(path(unit, ".pid")) as handle:
            pid = int(handle.read())
        with open("/proc/%d/stat" % pid) as handle:
            zombie = handle.read().split(")")[-1].split()[0] == "Z"
    except (OSError, ValueError):
        return None
    return None if zombie else pid


def active(unit):
    if not installed(unit):
        return False
    if exec_start(unit):
        return main_pid(unit) is not None
    return os.path.exists(path(unit, ".active"))


def show(units, properties):
    blocks = []
    for unit in units:
        state = "active" if active(unit) else "inactive"
        values = {
            "Id": unit if unit.endswith(".service") else unit + ".service",
            "LoadState": "loaded" if installed(unit) else "not-found",
            "ActiveState": state,
            "SubState": "running" if state == "active" else "dead",
            "UnitFileState": ("enabled" if os.path.exists(path(unit, ".enabled")) else "disabled")
            if installed(unit) else "",
        }
        blocks.append("".join("%s=%s\n" % (p, values.get(p, "")) for p in properties))
    sys.stdout.write("\n".join(blocks))
    return 0


def start(unit):
    if not installed(unit):
        sys.stderr.write("Failed to start %s.service: Unit %s.service not found.\n" % (unit, unit))
        return 5
    if active(unit):
        return 0
    command = exec_start(unit)
    if not command:
        open(path(unit, ".active"), "w").close()
        return 0
    with open(path(unit, ".log"), "a") as log:
        process = subprocess.Popen(shlex.split(command), stdin=subprocess.DEVNULL, stdout=log,
                                   stderr=log, start_new_session=True)
    with open(path(unit, ".pid"), "w") as handle:
        handle.write(str(process.pid))
    time.sleep(STARTING_SECONDS)
    if process.poll() is not None:
        sys.stderr.write("Job for %s.service failed: exited %s.\n" % (unit, process.returncode))
        return 1
    return 0


def stop(unit):
    pid = main_pid(unit) if installed(unit) else None
    if pid is not None:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        while main_pid(unit) is not None and time.monotonic() < deadline:
            time.sleep(0.05)
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    for suffix in (".active", ".pid"):
        if os.path.exists(path(unit, suffix)):
            os.unlink(path(unit, suffix))
    return 0


def jobs(verb, units):
    status = 0
    for unit in units:
        if verb != "start":
            stop(unit)
        if verb != "stop":
            status = status or start(unit)
    return status


def enablement(verb, units):
    for unit in units:
        marker = path(unit, ".enabled")
        if verb == "enable":
            open(marker, "w").close()
        elif os.path.exists(marker):
            os.unlink(marker)
    return 0


def is_enabled(units):
    states = ["enabled" if os.path.exists(path(u, ".enabled")) else "disabled" for u in units]
    sys.stdout.write("".join(s + "\n" for s in states))
    return 0 if all(s == "enabled" for s in states) else 1


def is_active(units, verb):
    """is-active prints the state; status a line like systemd's; both exit 3 when
    a unit does not run."""
    states = ["active" if active(u) else "inactive" for u in units]
    template = "%s\n" if verb == "is-active" else "     Active: %s\n"
    sys.stdout.write("".join(template % s for s in states))
    return 0 if all(s == "active" for s in states) else 3


def main(argv):
    if not os.environ.get("XCATHA_FAKE_ROOT"):
        sys.stderr.write("fake systemctl: XCATHA_FAKE_ROOT is not set\n")
        return 1
    with open(os.path.join(DIR, "calls"), "a") as calls:
        calls.write(" ".join(argv) + "\n")
    words = [w for w in argv if w not in ("--no-pager", "--quiet", "-q", "--")]
    properties = ["Id", "LoadState", "ActiveState", "SubState", "UnitFileState"]
    if "-p" in words:
        index = words.index("-p")
        properties = words[index + 1].split(",")
        del words[index:index + 2]
    verb, units = words[0], words[1:]
    if verb == "show":
        return show(units, properties)
    if verb in ("start", "stop", "restart"):
        return jobs(verb, units)
    if verb in ("enable", "disable"):
        return enablement(verb, units)
    if verb == "is-enabled":
        return is_enabled(units)
    if verb in ("is-active", "status"):
        return is_active(units, verb)
    sys.stderr.write("fake systemctl: %s is not implemented\n" % verb)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
