"""xcat-services run as Pacemaker runs it (the launcher, a bare environment) against real
processes on a FAKE xCAT management node (the fake_node fixture): a real PostgreSQL that
the agent starts through the fake systemctl, tests/fakes' xcatd and xCAT commands, which
answer like real xCAT 2.19.0 (cluster-lab/xcat/NOTES.md) and restart the units real
xCAT restarts by itself, and ocf-tester.  What this proves: the OCF contract, the
agent's command sequence reaching real programs, idempotent start and stop, the boot
record, a hung xcatd failing the monitor.  Real systemd and real xCAT are exercised in
the cluster lab."""

import os
import signal
import subprocess
import time

import pytest

from xcatha_ocf.runtime import bootstate

INSTANCE = "svc-test-%d" % os.getpid()
STATE = bootstate.path("%s.state" % INSTANCE)
SERVICES = "postgresql xcatd named isc-dhcp-server chrony conserver-server"
TIMEOUT_MS = 60000
MONITOR_TIMEOUT_MS = 30000     # the monitor's advertised timeout
# start's unit jobs, those real xCAT runs by itself among them: makedns -n stops and
# restarts named, makedhcp -n restarts isc-dhcp-server through service(8) and
# makeconservercf restarts conserver-server.  The time service (chrony) is never touched.
START_JOBS = ["start postgresql", "start xcatd",
              "stop named", "restart named", "start named",
              "restart isc-dhcp-server.service", "start isc-dhcp-server",
              "restart conserver-server", "start conserver-server"]
STOP_JOBS = ["stop conserver-server", "stop isc-dhcp-server", "stop named", "stop xcatd",
             "stop postgresql"]
REGENERATED = ("etc/bind/named.conf", "var/lib/bind/db.cluster.lab", "etc/dhcp/dhcpd.conf",
               "var/lib/dhcp/dhcpd.leases", "etc/conserver.cf")
ALL_DONE = ["makeconservercf", "makedhcp", "makedns", "mgtifname"]


@pytest.fixture
def services(fake_node, ocf_agent):
    """``services(action, params=None, env=None, **options)``: xcat-services on the fake
    node (``env``: more environment); the stack is stopped and the boot record removed
    afterwards."""
    base = {"services": SERVICES, "xcatd_port": fake_node.port, "mgtifname": "lo"}

    def run(action, params=None, env=None, **options):
        options.setdefault("timeout_ms", TIMEOUT_MS)
        environment = dict(fake_node.environment(INSTANCE), **(env or {}))
        return ocf_agent.run("xcat-services", action, dict(base, **(params or {})),
                             extra=environment, **options)
    yield run
    run("stop")
    if os.path.exists(STATE):
        os.unlink(STATE)


def unit_jobs(calls):
    """'VERB UNIT' for every start, stop and restart among the fake systemctl's calls."""
    words = [call.split() for call in calls]
    return ["%s %s" % (w[0], w[-1]) for w in words if w[0] in ("start", "stop", "restart")]


def start(services, **params):
    result = services("start", params)
    assert result.returncode == 0, result.stderr
    return result


def test_start_brings_the_stack_up_in_order(services, fake_node):
    assert services("monitor", interval_ms=0).returncode == 7
    start(services)
    assert unit_jobs(fake_node.calls()) == START_JOBS
    networks = fake_node.run("lsdef", "-t", "network", "-i", "mgtifname", "-c")
    assert networks.stdout == "127_0_0_0-255_0_0_0: mgtifname=lo\n"
    assert all(fake_node.exists(path) for path in REGENERATED)
    assert fake_node.read("etc/default/isc-dhcp-server") == 'INTERFACES="lo"\n'
    assert sorted(bootstate.load(STATE)["done"].split()) == ALL_DONE
    assert services("monitor").returncode == 0
    deep = services("monitor", env={"OCF_CHECK_LEVEL": "20"})
    assert deep.returncode == 0, deep.stderr


def test_second_start_redoes_nothing(services, fake_node):
    start(services)
    before = len(fake_node.calls())
    again = start(services)
    assert [call for call in fake_node.calls()[before:] if not call.startswith("show")] == []
    assert "makedns" not in again.stderr


def test_stop_stops_every_unit_in_reverse(services, fake_node):
    start(services)
    before = len(fake_node.calls())
    assert services("stop").returncode == 0
    assert unit_jobs(fake_node.calls()[before:]) == STOP_JOBS
    assert not os.path.exists(STATE)
    assert services("monitor").returncode == 7
    assert fake_node.run("pg_isready", "-q").returncode == 2      # no response: stopped
    refused = fake_node.run("lsxcatd", "-a")
    assert refused.returncode == 111        # real xCAT's client dies with ECONNREFUSED
    assert "Unable to open socket connection to xcatd daemon" in refused.stdout
    assert services("stop").returncode == 0


def test_start_without_site_domain_skips_makedns(services, fake_node):
    fake_node.reset(site={"domain": ""})
    result = start(services)
    assert "site.domain is not set, so makedns -n is skipped" in result.stderr
    assert [job for job in unit_jobs(fake_node.calls()) if job.endswith("named")] == [
        "start named"]


def test_dry_run_through_the_launcher_prints_the_plan(services, fake_node):
    result = services("start", args=["--dry-run"])
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "dry-run: would run: systemctl start postgresql"
    assert lines[-2:] == ["dry-run: would run: makeconservercf",
                          "dry-run: would run: systemctl start conserver-server"]
    assert [call for call in fake_node.calls() if not call.startswith("show")] == []


def test_ocf_tester_passes(services, fake_node, ocf_agent):
    options = {"services": "named isc-dhcp-server chrony", "console": "none",
               "regenerate": "none", "mgtifname": "none"}
    command = ["ocf-tester", "-n", INSTANCE]
    for name, value in options.items():
        command += ["-o", "%s=%s" % (name, value)]
    result = subprocess.run(command + [ocf_agent.path("xcat-services")],
                            env=dict(fake_node.environment(INSTANCE), OCF_ROOT="/usr/lib/ocf"),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "passed all tests" in result.stdout


def test_parallel_regenerate_against_real_processes(services, fake_node):
    start(services, parallel_regenerate="true")
    assert sorted(unit_jobs(fake_node.calls())) == sorted(START_JOBS)
    assert all(fake_node.exists(path) for path in REGENERATED)
    assert sorted(bootstate.load(STATE)["done"].split()) == ALL_DONE


def test_hung_xcatd_fails_the_monitor_within_its_timeout(services, fake_node, exit_reason):
    start(services)
    xcatd = fake_node.main_pid("xcatd")
    os.kill(xcatd, signal.SIGSTOP)
    try:
        began = time.monotonic()
        hung = services("monitor", timeout_ms=MONITOR_TIMEOUT_MS)
        took = time.monotonic() - began
    finally:
        os.kill(xcatd, signal.SIGCONT)
    assert hung.returncode == 1
    assert took < MONITOR_TIMEOUT_MS / 1000.0
    assert exit_reason(hung) == ("xcatd does not answer on port %d: no TLS handshake within 5s "
                                 "(hung?)" % fake_node.port)
    assert services("monitor", timeout_ms=MONITOR_TIMEOUT_MS).returncode == 0
