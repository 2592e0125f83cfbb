"""The host side of the lab's fencing: carries out the requests that fence_xcatlab
drops into the fence directory, with `docker kill` (off), `docker start` (on) or
both (reboot), and publishes each node's power state and a heartbeat there.

Run by `xcatha lab up` as ``python3 -m xcatha_ocf.lab.fencewatch DIRECTORY NODE...``.
"""

import os
import subprocess
import sys
import time


def docker(*argv):
    return subprocess.call(("docker",) + argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           timeout=60) == 0


def power_states(nodes):
    """{node: "on"|"off"} from one `docker inspect` (a missing container is off)."""
    out = subprocess.run(["docker", "inspect", "-f", "{{.Name}} {{.State.Running}}"] + list(nodes),
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, universal_newlines=True,
                         timeout=30).stdout
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


if __name__ == "__main__":
    serve(sys.argv[1], sys.argv[2:])
