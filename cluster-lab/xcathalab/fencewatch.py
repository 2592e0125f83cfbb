"""The host side of the lab's fencing: carries out the requests that fence_xcatlab
drops into the fence directory, with `docker kill` (off), `docker start` (on) or
both (reboot), and publishes each node's power state and a heartbeat there.

`xcatha lab up` starts it with ``start()`` as ``python3 -m xcathalab.fencewatch
DIRECTORY NODE...``; ``lab down`` ends it with ``stop()``, by the PID it recorded.
"""

import os
import sys
import time

from xcatha_ocf.runtime.runner import Runner

RUNNER = Runner()


def docker(*argv):
    return RUNNER(("docker",) + argv, timeout=60).ok


def power_states(nodes):
    """{node: "on"|"off"} from one `docker inspect` (a missing container is off)."""
    out = RUNNER.query(["docker", "inspect", "-f", "{{.Name}} {{.State.Running}}"] + list(nodes),
                       timeout=30).out
    running = {line.split()[0].lstrip("/") for line in out.splitlines() if line.endswith(" true")}
    return {node: "on" if node in running else "off" for node in nodes}


def running(node):
    return power_states([node])[node] == "on"


def carry_out(node, action):
    if action in ("off", "reboot") and running(node):
        docker("kill", node)
    if action in ("on", "reboot"):
        return docker("start", node)
    return not running(node)


def write(path, text):
    with open(path + ".new", "w") as handle:
        handle.write(text)
    os.rename(path + ".new", path)


def serve(directory, nodes):
    for sub in ("requests", "done", "state"):
        os.makedirs(os.path.join(directory, sub), exist_ok=True)
    while True:
        for name in sorted(os.listdir(os.path.join(directory, "requests"))):
            if name.startswith("."):
                continue
            path = os.path.join(directory, "requests", name)
            node, action = open(path).read().split()
            done = node in nodes and carry_out(node, action)
            print("%s fence %s %s: %s" % (time.strftime("%H:%M:%S"), action, node, "ok" if done else "failed"),
                  flush=True)
            write(os.path.join(directory, "done", name), "ok\n" if done else "failed\n")
            os.unlink(path)
        for node, state in power_states(nodes).items():
            write(os.path.join(directory, "state", node), state + "\n")
        write(os.path.join(directory, "heartbeat"), "%d\n" % os.getpid())
        time.sleep(0.5)


def pid(pidfile):
    """PID of the running watcher recorded in ``pidfile``, or None."""
    try:
        with open(pidfile) as handle:
            number = int(handle.read())
        with open("/proc/%d/cmdline" % number, "rb") as handle:
            cmdline = handle.read()
    except (OSError, ValueError):
        return None
    return number if b"xcathalab.fencewatch" in cmdline else None


def start(directory, nodes, pidfile, log, source_dirs):
    """Start the watcher once, its PID in ``pidfile``; ``source_dirs`` make xcatha_ocf
    and xcathalab importable for it."""
    if pid(pidfile):
        return
    os.makedirs(directory, exist_ok=True)
    runner = RUNNER.with_env({"PYTHONPATH": os.pathsep.join(source_dirs)})
    number = runner.background([sys.executable, "-m", "xcathalab.fencewatch", directory]
                               + list(nodes), output=log)
    with open(pidfile, "w") as handle:
        handle.write("%d\n" % number)


def stop(pidfile):
    number = pid(pidfile)
    if number:
        os.kill(number, 15)
        os.unlink(pidfile)


if __name__ == "__main__":
    serve(sys.argv[1], sys.argv[2:])
