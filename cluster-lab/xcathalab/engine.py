"""The Docker engine the lab runs on: use the one that answers, or start our own.

A dockerd started here runs with the flags verified for this kind of host (no iptables,
no bridge: the host's firewall and FORWARD policy stay untouched), keeps its data
under STATE_DIR and is stopped by `lab down` through its pid file, and only then.
"""

import os
import signal
import time

from xcathalab.shell import RUNNER, LabError, ok, say, wait_for

STATE_DIR = os.environ.get("XCATHA_LAB_STATE", "/var/lib/xcatha-lab")
PIDFILE = os.path.join(STATE_DIR, "dockerd.pid")
DOCKERD_FLAGS = [
    "--iptables=false", "--ip-forward=false", "--ip-masq=false", "--bridge=none",
    "--storage-driver=overlay2", "--exec-opt", "native.cgroupdriver=cgroupfs",
]


def answering():
    return ok(["docker", "version", "--format", "{{.Server.Version}}"], timeout=20)


def our_pid():
    """PID of the dockerd this lab started, if it is still that process."""
    try:
        pid = int(open(PIDFILE).read().split()[0])
        cmdline = open("/proc/%d/cmdline" % pid, "rb").read().split(b"\0")
    except (OSError, ValueError, IndexError):
        return None
    return pid if cmdline and os.path.basename(cmdline[0]) == b"dockerd" else None


def ensure():
    """Make sure a Docker engine answers; start ours in the background if none does."""
    if answering():
        return
    os.makedirs(STATE_DIR, exist_ok=True)
    log = os.path.join(STATE_DIR, "dockerd.log")
    argv = ["dockerd", "--pidfile", PIDFILE, "--data-root", os.path.join(STATE_DIR, "docker"),
            "--exec-root", os.path.join(STATE_DIR, "exec")] + DOCKERD_FLAGS
    say("no Docker engine answers: starting dockerd (log %s)" % log)
    if RUNNER.background(argv, output=log) is None:
        raise LabError("dockerd is not installed (apt-get install docker.io containerd runc)")
    wait_for("dockerd answering", answering, timeout=60, interval=0.5)


def stop():
    """Stop the dockerd this lab started (never one it did not start)."""
    pid = our_pid()
    if pid is None:
        return
    say("stopping dockerd %d" % pid)
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and os.path.exists("/proc/%d" % pid):
        time.sleep(0.5)
