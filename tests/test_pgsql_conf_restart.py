"""How xcat-pgsql-conf restarts a running PostgreSQL: the exact commands, with a
recording runner (this host has no systemd to restart a unit with)."""

import os
import subprocess

import pytest

from xcatha_ocf.agents import pgsql_conf
from xcatha_ocf.runtime import pgserver


@pytest.fixture
def agent(make_agent, fake_executor):
    """xcat-pgsql-conf whose commands go to a recording fake executor."""
    def make(tmp_path):
        environ = {"OCF_RESKEY_vip": "192.0.2.100", "OCF_RESKEY_CRM_meta_timeout": "60000"}
        return make_agent(pgsql_conf.PgsqlConf, environ, fake_executor())
    return make


def test_systemd_managed_server_is_restarted_through_its_unit(tmp_path, monkeypatch, agent):
    monkeypatch.setattr(pgserver, "systemd_unit", lambda pid: "postgresql@15-main.service")
    subject = agent(tmp_path)
    subject.restart(4242, str(tmp_path))
    assert subject.run.executor.commands == [["systemctl", "restart", "postgresql@15-main.service"]]


def test_other_servers_are_restarted_with_their_own_pg_ctl_as_the_data_owner(tmp_path, monkeypatch, agent):
    monkeypatch.setattr(pgserver, "systemd_unit", lambda pid: None)
    os.chown(str(tmp_path), 101, 104)
    subject = agent(tmp_path)
    pid = os.getpid()  # any live process: pg_ctl is taken from the directory of its executable
    subject.restart(pid, str(tmp_path))
    [command] = subject.run.executor.commands
    bindir = os.path.dirname(os.path.realpath("/proc/%d/exe" % pid))
    assert command[:12] == ["runuser", "-u", pgserver.owner_name(str(tmp_path)), "--",
                            os.path.join(bindir, "pg_ctl"), "restart", "-D", str(tmp_path),
                            "-m", "fast", "-w", "-t"]
    assert 50 <= int(command[12]) <= 58
    assert command[13:] == ["-l", os.path.join(str(tmp_path), "xcatha-restart.log")]


@pytest.mark.parametrize("cgroup, unit", [
    ("0::/system.slice/postgresql@15-main.service\n", "postgresql@15-main.service"),
    ("12:pids:/system.slice/postgresql.service\n1:name=systemd:/system.slice/postgresql.service\n",
     "postgresql.service"),
    ("0::/user.slice/user-0.slice/session-3.scope\n", None),
    ("0::/\n", None),
])
def test_systemd_unit_from_the_cgroup(tmp_path, cgroup, unit):
    (tmp_path / "run").mkdir()
    (tmp_path / "proc" / "77").mkdir(parents=True)
    (tmp_path / "proc" / "77" / "cgroup").write_text(cgroup)
    assert pgserver.systemd_unit(77, str(tmp_path / "proc"), str(tmp_path / "run")) == unit
    assert pgserver.systemd_unit(77, str(tmp_path / "proc"), str(tmp_path / "absent")) is None


def test_listening_addresses_reads_the_kernel_table(tmp_path):
    table = tmp_path / "tcp"
    table.write_text(
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid\n"
        "   0: 6400000A:15B8 00000000:0000 0A 00000000:00000000 00:00000000 00000000   101\n"
        "   1: 0100007F:15B8 00000000:0000 0A 00000000:00000000 00:00000000 00000000   101\n"
        "   2: 0200000A:15B8 0300000A:D431 01 00000000:00000000 00:00000000 00000000   101\n"
        "   3: 0200000A:1538 00000000:0000 0A 00000000:00000000 00:00000000 00000000   101\n")
    assert pgserver.listening_addresses(5560, str(table)) == {"10.0.0.100", "127.0.0.1"}


def test_stale_postmaster_pid_is_not_a_running_server(tmp_path):
    """After a crash the PID in postmaster.pid may belong to another process, even
    another postgres: only a process working in this data directory counts."""
    sleeper = subprocess.Popen(["sleep", "30"], cwd=str(tmp_path))
    try:
        (tmp_path / "postmaster.pid").write_text("%d\n%s\n0\n5544\n" % (sleeper.pid, tmp_path))
        assert pgserver.postmaster(str(tmp_path)) == (None, None)
        (tmp_path / "postmaster.pid").write_text("%d\n" % os.getpid())
        assert pgserver.postmaster(str(tmp_path)) == (None, None)
        (tmp_path / "postmaster.pid").write_text("not a pid\n")
        assert pgserver.postmaster(str(tmp_path)) == (None, None)
    finally:
        sleeper.kill()
        sleeper.wait()
