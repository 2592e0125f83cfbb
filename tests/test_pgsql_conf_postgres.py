"""xcat-pgsql-conf against a real PostgreSQL 15 (Debian's packages) in network namespaces.

The "node" is a namespace holding this node's static address and the VIP (put
there by the real xcat-vip agent); a second namespace is a client with one
address inside client_networks and one outside.  PostgreSQL runs as postgres
from a cluster this module creates, on port 5544, inside the node namespace.
"""

import os
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

BIN = "/usr/lib/postgresql/15/bin"
PORT = 5544
VIP, STATIC = "192.0.2.100", "192.0.2.10"
CLIENT_OK, CLIENT_UNLISTED = "192.0.2.50", "192.0.2.70"
CLIENT_NETWORK = "192.0.2.48/29"
PASSWORD = "xcat-secret"

pytestmark = pytest.mark.skipif(not os.path.exists(BIN + "/initdb") or os.geteuid() != 0,
                                reason="needs root and Debian's postgresql-15")

NODE_NIC, CLIENT_NIC = "pgnode0", "pgclient0"


def sh(*argv, netns=None, check=True, env=None, timeout=60):
    argv = list(argv)
    if netns:
        argv = ["ip", "netns", "exec", netns] + argv
    result = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError("%s failed: %s%s" % (argv, result.stdout, result.stderr))
    return result


def as_postgres(*argv, **kwargs):
    return sh("runuser", "-u", "postgres", "--", *argv, **kwargs)


class Lab(object):
    def __init__(self, root, namespaces, ocf_agent):
        self.root = root
        self.data = os.path.join(root, "data")
        self.sockets = os.path.join(root, "sockets")
        self.node_ns, self.client_ns = namespaces.node, namespaces.peer
        self.ocf_agent = ocf_agent

    @property
    def conf(self):
        return os.path.join(self.data, "postgresql.conf")

    def params(self, **more):
        values = {"vip": VIP, "config_dir": self.data, "client_networks": CLIENT_NETWORK}
        values.update(more)
        return values

    def agent(self, action, **more):
        return self.ocf_agent.run("xcat-pgsql-conf", action, self.params(**more),
                                  netns=self.node_ns)

    def postmaster_pid(self):
        with open(os.path.join(self.data, "postmaster.pid")) as handle:
            return int(handle.readline())

    def listening(self):
        out = sh("ss", "-Hltn", "sport", "= :%d" % PORT, netns=self.node_ns).stdout
        return {line.split()[3].rsplit(":", 1)[0] for line in out.splitlines()}

    def login(self, host, netns=None):
        """psql with a password over TCP (from the node by default); the CompletedProcess."""
        env = {"PATH": "/usr/bin:/bin", "PGPASSWORD": PASSWORD, "PGCONNECT_TIMEOUT": "5"}
        return sh(BIN + "/psql", "-X", "-At", "-c", "select inet_client_addr()",
                  "host=%s port=%d user=xcatadm dbname=postgres sslmode=disable" % (host, PORT),
                  netns=netns or self.node_ns, check=False, env=env)

    def set_client_source(self, address):
        sh("ip", "route", "replace", "%s/32" % VIP, "dev", CLIENT_NIC, "src", address,
           netns=self.client_ns)

    def start_vip(self):
        vip = self.ocf_agent.run("xcat-vip", "start", {"ip": VIP, "cidr_netmask": "24",
                                                       "nic": NODE_NIC, "check_conflict": "false",
                                                       "arp_count": "0"}, netns=self.node_ns)
        assert vip.returncode == 0, vip.stderr


def create_cluster(lab):
    os.chmod(lab.root, 0o755)
    os.mkdir(lab.sockets)
    shutil.chown(lab.sockets, "postgres", "postgres")
    os.mkdir(lab.data, 0o700)
    shutil.chown(lab.data, "postgres", "postgres")
    as_postgres(BIN + "/initdb", "-D", lab.data, "-U", "postgres", "-N",
                "--auth-local=peer", "--auth-host=scram-sha-256")
    with open(lab.conf, "a") as handle:  # the admin's own settings
        handle.write("port = %d\nunix_socket_directories = '%s'\n" % (PORT, lab.sockets))


def start_postgres(lab):
    as_postgres(BIN + "/pg_ctl", "-D", lab.data, "-l", os.path.join(lab.sockets, "server.log"),
                "-w", "-t", "30", "start", netns=lab.node_ns)


def stop_postgres(lab):
    """Fast shutdown of the postmaster this module started, by its PID."""
    try:
        pid = lab.postmaster_pid()
    except (IOError, OSError, ValueError):
        return
    try:
        os.kill(pid, signal.SIGINT)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 20
    while os.path.exists("/proc/%d" % pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if os.path.exists("/proc/%d" % pid):
        os.kill(pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def lab(netns_pair, ocf_agent):
    namespaces = netns_pair("xcpgsql", NODE_NIC, [STATIC + "/24"], CLIENT_NIC,
                            [CLIENT_OK + "/24", CLIENT_UNLISTED + "/24"])
    lab = Lab(tempfile.mkdtemp(prefix="xcpgsql-"), namespaces, ocf_agent)
    try:
        lab.start_vip()
        create_cluster(lab)
        original = open(lab.conf, "rb").read()
        started = lab.agent("start")
        assert started.returncode == 0, started.stderr
        assert "PostgreSQL is not running" in started.stderr
        lab.original_conf = original
        start_postgres(lab)
        as_postgres(BIN + "/psql", "-X", "-h", lab.sockets, "-p", str(PORT), "-d", "postgres",
                    "-c", "CREATE ROLE xcatadm LOGIN PASSWORD '%s'" % PASSWORD)
        yield lab
    finally:
        stop_postgres(lab)
        lab.agent("stop")   # also forgets the start recorded in /run/xcatha
        namespaces.remove()
        shutil.rmtree(lab.root, ignore_errors=True)


def wait_for(predicate, seconds=5):
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def test_monitor_and_addresses_in_the_files(lab):
    assert lab.agent("monitor").returncode == 0
    conf = open(lab.conf, "rb").read()
    assert conf.startswith(lab.original_conf)
    assert "listen_addresses = 'localhost,%s,%s'" % (VIP, STATIC) in conf.decode()


def test_postgres_listens_on_the_vip_and_the_static_address(lab):
    ipv4 = {address for address in lab.listening() if not address.startswith("[")}
    assert ipv4 == {"127.0.0.1", VIP, STATIC}


def test_password_login_over_the_vip_from_the_node(lab):
    result = lab.login(VIP)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() in (VIP, STATIC)  # the kernel picks the source address
    result = lab.login(STATIC)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == STATIC


def test_wrong_password_is_refused(lab):
    env = {"PATH": "/usr/bin:/bin", "PGPASSWORD": "wrong"}
    result = sh(BIN + "/psql", "-X", "-c", "select 1",
                "host=%s port=%d user=xcatadm dbname=postgres sslmode=disable" % (VIP, PORT),
                netns=lab.node_ns, check=False, env=env)
    assert result.returncode != 0
    assert "password authentication failed" in result.stderr


def test_client_network_logs_in_and_unlisted_address_is_refused(lab):
    lab.set_client_source(CLIENT_OK)
    result = lab.login(VIP, netns=lab.client_ns)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == CLIENT_OK
    lab.set_client_source(CLIENT_UNLISTED)
    result = lab.login(VIP, netns=lab.client_ns)
    assert result.returncode != 0
    assert 'no pg_hba.conf entry for host "%s"' % CLIENT_UNLISTED in result.stderr


def test_stop_reloads_the_running_server(lab):
    pid = lab.postmaster_pid()
    stopped = lab.agent("stop")
    assert stopped.returncode == 0, stopped.stderr
    assert "send SIGHUP to the postmaster (PID %d)" % pid in stopped.stderr
    assert open(lab.conf, "rb").read() == lab.original_conf
    lab.set_client_source(CLIENT_OK)
    assert wait_for(lambda: "no pg_hba.conf entry" in lab.login(VIP, netns=lab.client_ns).stderr)
    assert "no pg_hba.conf entry" in lab.login(VIP).stderr
    assert lab.postmaster_pid() == pid
    assert lab.agent("monitor").returncode == 7


def test_start_on_a_running_server_restarts_it_only_when_asked(lab):
    as_postgres(BIN + "/pg_ctl", "-D", lab.data, "-m", "fast", "-w", "-l",
                os.path.join(lab.sockets, "server.log"), "restart", netns=lab.node_ns)
    assert VIP not in lab.listening()
    pid = lab.postmaster_pid()

    started = lab.agent("start")
    assert started.returncode == 0, started.stderr
    assert "does not listen on %s, %s: restart it" % (VIP, STATIC) in started.stderr
    assert lab.postmaster_pid() == pid
    assert "Connection refused" in lab.login(VIP).stderr
    assert lab.login("127.0.0.1").returncode == 0

    started = lab.agent("start", restart_postgresql="true")
    assert started.returncode == 0, started.stderr
    assert "pg_ctl restart" in started.stderr
    restarted = lab.postmaster_pid()
    assert restarted != pid
    assert {VIP, STATIC} <= lab.listening()
    lab.set_client_source(CLIENT_OK)
    result = lab.login(VIP, netns=lab.client_ns)
    assert result.returncode == 0, result.stderr
    assert lab.agent("monitor").returncode == 0
    again = lab.agent("start", restart_postgresql="true")
    assert again.returncode == 0 and "pg_ctl" not in again.stderr
    assert lab.postmaster_pid() == restarted
