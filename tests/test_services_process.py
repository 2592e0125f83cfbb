"""xcat-services run as Pacemaker runs it (the launcher, a bare environment)
against real processes: a real PostgreSQL, the xCAT STAND-IN's xcatd and
commands, and ocf-tester.  systemd is NOT real here: this host has none, so
tests/standin/systemctl (a STAND-IN) keeps unit state in a directory and
launches xcatd from its ExecStart line.  What this proves: the OCF contract
(ocf-tester), the real command sequence reaching real programs, idempotent
start/stop, the boot record.  Real systemd is exercised in the cluster lab."""

import os
import shutil
import subprocess
import time

import pytest

from agentrun import agent_path, exit_reason, run_agent
from xcatha_ocf.runtime import bootstate
from standin_env import postgres, prepare_stack, xcat, xcat_root  # noqa: F401

INSTANCE = "svc-test-%d" % os.getpid()
STATE = "/run/xcatha/%s.state" % INSTANCE


@pytest.fixture
def stack(xcat_root, postgres, tmp_path):
    """The agent's (params, env) over the stand-ins; stops the stack afterwards."""
    params, env = prepare_stack(xcat_root, postgres, str(tmp_path / "xcatbin"), INSTANCE)
    yield params, env
    run_agent("xcat-services", "stop", params, extra=env)
    if os.path.exists(STATE):
        os.unlink(STATE)


def calls(env):
    with open(os.path.join(env["XCATHA_SYSTEMCTL_STANDIN"], "calls")) as handle:
        return handle.read().splitlines()


def test_start_monitor_stop_against_real_processes(stack, xcat_root):
    params, env = stack
    assert run_agent("xcat-services", "monitor", params, interval_ms=0, extra=env).returncode == 7
    began = time.monotonic()
    started = run_agent("xcat-services", "start", params, extra=env)
    assert started.returncode == 0, started.stderr
    assert time.monotonic() - began < 30
    assert [c.split()[0] + " " + c.split()[-1] for c in calls(env) if c.startswith(("start", "restart"))] == [
        "start postgresql", "start xcatd", "restart named", "start named",
        "restart isc-dhcp-server", "start isc-dhcp-server", "restart isc-dhcp-server",
        "start conserver-server"]
    port = int(params["xcatd_port"])
    assert "mgtifname=lo\n" in xcat(xcat_root, port, "lsdef", "-t", "network", "-c").stdout
    assert os.path.exists(os.path.join(xcat_root, "var/lib/bind/db.cluster.lab"))
    assert os.path.exists(os.path.join(xcat_root, "etc/conserver/conserver.cf"))
    deep = run_agent("xcat-services", "monitor", params, extra=dict(env, OCF_CHECK_LEVEL="20"))
    assert deep.returncode == 0, deep.stderr

    before = len(calls(env))
    again = run_agent("xcat-services", "start", params, extra=env)
    assert again.returncode == 0
    assert [c for c in calls(env)[before:] if not c.startswith("show")] == []
    assert "makedns" not in again.stderr

    assert run_agent("xcat-services", "stop", params, extra=env).returncode == 0
    assert not os.path.exists(STATE)
    assert run_agent("xcat-services", "monitor", params, extra=env).returncode == 7
    refused = xcat(xcat_root, port, "lsxcatd", "-a")
    assert refused.returncode == 1
    assert run_agent("xcat-services", "stop", params, extra=env).returncode == 0


def test_xcatd_that_cannot_reach_the_database_fails_start(stack, xcat_root):
    params, env = stack
    cfgloc = os.path.join(xcat_root, "etc/xcat/cfgloc")
    shutil.copy(cfgloc, cfgloc + ".good")
    try:
        with open(cfgloc) as handle:
            text = handle.read()
        with open(cfgloc, "w") as handle:
            handle.write(text.replace("|standin-pw", "|wrong"))
        result = run_agent("xcat-services", "start", params, extra=env)
        assert result.returncode == 1
        assert "systemctl start xcatd exited 1" in exit_reason(result)
    finally:
        os.rename(cfgloc + ".good", cfgloc)


def test_dry_run_through_the_launcher_prints_the_plan(stack):
    params, env = stack
    result = run_agent("xcat-services", "start", params, args=["--dry-run"], extra=env)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "dry-run: would run: systemctl start postgresql"
    assert lines[-2:] == ["dry-run: would run: makeconservercf",
                          "dry-run: would run: systemctl start conserver-server"]
    assert [c for c in calls(env) if not c.startswith("show")] == []


def test_ocf_tester_passes(stack):
    params, env = stack
    env = dict(env, OCF_ROOT="/usr/lib/ocf")
    options = {"services": "named isc-dhcp-server chrony", "console": "none",
               "regenerate": "none", "mgtifname": "none"}
    command = ["ocf-tester", "-n", INSTANCE]
    for name, value in options.items():
        command += ["-o", "%s=%s" % (name, value)]
    result = subprocess.run(command + [agent_path("xcat-services")], env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "passed all tests" in result.stdout


def test_parallel_regenerate_against_real_processes(stack, xcat_root):
    params, env = stack
    params = dict(params, parallel_regenerate="true")
    result = run_agent("xcat-services", "start", params, extra=env)
    assert result.returncode == 0, result.stderr
    for path in ("var/lib/bind/db.cluster.lab", "etc/dhcp/dhcpd.conf",
                 "etc/dhcp/xcat-standin-hosts.conf"):
        assert os.path.exists(os.path.join(xcat_root, path))
    done = bootstate.load(STATE)["done"].split()
    assert sorted(done) == ["makeconservercf", "makedhcp", "makedns", "mgtifname"]
