"""A private mount namespace for tests: ``MountNamespace()`` starts
``unshare -m --propagation private`` running this file as a small server that
executes commands inside the namespace on request.  Whatever a test mounts
there disappears with the server, even if the test dies half-way: nothing
leaks into the host's mount table.

Protocol: one JSON request per line on stdin, one JSON answer per line on stdout.
"""

import json
import os
import subprocess
import sys


class MountNamespace(object):
    def __init__(self):
        self.server = subprocess.Popen(
            ["unshare", "-m", "--propagation", "private", sys.executable, os.path.abspath(__file__)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def request(self, **fields):
        self.server.stdin.write(json.dumps(fields) + "\n")
        self.server.stdin.flush()
        return json.loads(self.server.stdout.readline())

    def run(self, argv, env=None, timeout=60, cwd=None):
        """Run argv in the namespace; a CompletedProcess."""
        answer = self.request(op="run", argv=argv, env=env, timeout=timeout, cwd=cwd)
        return subprocess.CompletedProcess(argv, answer["rc"], answer["out"], answer["err"])

    def sh(self, script):
        result = self.run(["sh", "-ec", script])
        assert result.returncode == 0, result.stderr
        return result.stdout

    def spawn(self, argv, cwd=None):
        """Start a background process in the namespace; its pid."""
        return self.request(op="spawn", argv=argv, cwd=cwd)["pid"]

    def alive(self, pid):
        return self.request(op="alive", pid=pid)["alive"]

    def mountinfo(self):
        return self.run(["cat", "/proc/self/mountinfo"]).stdout

    def mount_points(self, under):
        """Mount points at or below ``under``, in mount order."""
        points = []
        for line in self.mountinfo().splitlines():
            point = line.split()[4]
            if point == under or point.startswith(under.rstrip("/") + "/"):
                points.append(point)
        return points

    def close(self):
        self.server.stdin.close()
        self.server.wait(timeout=30)


def serve():
    children = {}
    for line in sys.stdin:
        request = json.loads(line)
        if request["op"] == "run":
            try:
                done = subprocess.run(request["argv"], env=request["env"], cwd=request["cwd"],
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                      timeout=request["timeout"])
                answer = {"rc": done.returncode, "out": done.stdout, "err": done.stderr}
            except subprocess.TimeoutExpired:
                answer = {"rc": -1, "out": "", "err": "timed out"}
        elif request["op"] == "spawn":
            child = subprocess.Popen(request["argv"], cwd=request["cwd"], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL)
            children[child.pid] = child
            answer = {"pid": child.pid}
        else:  # alive
            answer = {"alive": children[request["pid"]].poll() is None}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()
    for child in children.values():
        if child.poll() is None:
            child.kill()
            child.wait()


if __name__ == "__main__":
    serve()
