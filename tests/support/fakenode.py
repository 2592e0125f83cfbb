"""A FAKE xCAT management node for running xcat-services as Pacemaker does on this host,
which has neither systemd as PID 1 nor xCAT: the fakes of tests/fakes linked under the
real commands' names first on PATH, their state under one root directory
(XCATHA_FAKE_ROOT), and a real PostgreSQL 15 cluster that the fake systemctl runs as
the postgresql unit (its ExecStart line starts the postmaster as postgres)."""

import json
import os
import pwd
import shutil
import socket
import subprocess
import tempfile

from xcatha_ocf.runtime import xcat

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FAKES = os.path.join(REPO, "tests", "fakes")
PG_BIN = "/usr/lib/postgresql/15/bin"
LINKS = dict([("systemctl", "fake_systemctl.py"), ("service", "fake_service.sh")]
             + [(name, "fake_xcat.py") for name in ("xcatd",) + xcat.COMMANDS])
MARKER_UNITS = ("named", "isc-dhcp-server", "conserver-server", "chrony")
KEPT = ("bin", "pgdata", "pgsocket")     # what reset keeps of the root directory
DOMAIN = "cluster.lab"
NETWORK = "127_0_0_0-255_0_0_0"
# xcatconfig puts the network of the node's own interface in the table; the agent then
# sets mgtifname to the virtual IP's label (here lo).
NETWORKS = {NETWORK: {"net": "127.0.0.0", "mask": "255.0.0.0", "mgtifname": "eth0"}}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_available():
    return os.path.exists(os.path.join(PG_BIN, "initdb"))


class FakeNode(object):
    """``root``: XCATHA_FAKE_ROOT; ``port``: xcatd's; ``environment(instance)``: what
    the agent runs with; ``run(*argv)``: a command in that environment."""

    def __init__(self, root):
        self.root = root
        self.bin = os.path.join(root, "bin")
        self.units = os.path.join(root, "systemd")
        self.pgdata = os.path.join(root, "pgdata")
        self.pgsocket = os.path.join(root, "pgsocket")
        self.port = free_port()
        self.pg_port = free_port()

    @classmethod
    def create(cls):
        root = tempfile.mkdtemp(prefix="xcatha-fake-node.")
        os.chmod(root, 0o755)      # postgres reaches its data directory through it
        node = cls(root)
        os.makedirs(node.bin)
        for name, fake in LINKS.items():
            os.symlink(os.path.join(FAKES, fake), os.path.join(node.bin, name))
        node.initdb()
        return node

    def initdb(self):
        postgres = pwd.getpwnam("postgres")
        for directory in (self.pgdata, self.pgsocket):
            os.makedirs(directory, mode=0o700)
            os.chown(directory, postgres.pw_uid, postgres.pw_gid)
        initdb = subprocess.run(["runuser", "-u", "postgres", "--", os.path.join(PG_BIN, "initdb"),
                                 "-D", self.pgdata, "-U", "postgres", "--auth-local=trust"],
                                capture_output=True, text=True, timeout=60)
        assert initdb.returncode == 0, initdb.stderr

    def reset(self, site=None):
        """Every unit installed and stopped, no calls recorded, xCAT's tables afresh:
        site.domain and xcatdport, updated with ``site``; no file that xCAT writes."""
        self.stop_units()
        for name in set(os.listdir(self.root)) - set(KEPT):
            path = os.path.join(self.root, name)
            if os.path.isdir(path):
                shutil.rmtree(path)
            else:
                os.unlink(path)
        os.makedirs(self.units)
        self.install_unit("postgresql", "setpriv --reuid=postgres --regid=postgres --init-groups "
                          "%s -D %s -k %s -p %d -c listen_addresses=" % (
                              os.path.join(PG_BIN, "postgres"), self.pgdata, self.pgsocket,
                              self.pg_port))
        self.install_unit("xcatd", os.path.join(self.bin, "xcatd"))
        for unit in MARKER_UNITS:
            self.install_unit(unit)
        tables = {"site": dict({"domain": DOMAIN, "xcatdport": str(self.port)}, **(site or {})),
                  "networks": NETWORKS}
        self.write("xcat-tables.json", json.dumps(tables, indent=1, sort_keys=True) + "\n")

    def install_unit(self, name, exec_start=None):
        self.write(os.path.join("systemd", name + ".service"),
                   "ExecStart=%s\n" % exec_start if exec_start else "")

    def write(self, relative, text):
        with open(os.path.join(self.root, relative), "w") as handle:
            handle.write(text)

    def read(self, relative):
        with open(os.path.join(self.root, relative)) as handle:
            return handle.read()

    def exists(self, relative):
        return os.path.exists(os.path.join(self.root, relative))

    def environment(self, instance="fake-node"):
        return {"PATH": "%s:/usr/sbin:/usr/bin:/sbin:/bin" % self.bin,
                "XCATHA_FAKE_ROOT": self.root, "XCATHOST": "localhost:%d" % self.port,
                "PGHOST": self.pgsocket, "PGPORT": str(self.pg_port),
                "OCF_RESOURCE_INSTANCE": instance}

    def run(self, *argv):
        return subprocess.run(list(argv), env=self.environment(), capture_output=True, text=True,
                              timeout=60)

    def calls(self):
        """The fake systemctl's command lines so far."""
        return self.read("systemd/calls").splitlines() if self.exists("systemd/calls") else []

    def main_pid(self, unit):
        return int(self.read("systemd/%s.pid" % unit))

    def stop_units(self):
        """Stop every unit the fake systemctl started (it kills them by their PIDs)."""
        if not os.path.isdir(self.units):
            return
        running = [name[:-len(".pid")] for name in os.listdir(self.units) if name.endswith(".pid")]
        if running:
            self.run("systemctl", "stop", *running)

    def remove(self):
        self.stop_units()
        shutil.rmtree(self.root, ignore_errors=True)
