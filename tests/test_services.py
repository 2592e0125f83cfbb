"""xcat-services with an injected fake runner: the exact commands per
distribution and option set."""

import os
from types import SimpleNamespace

import pytest

from xcatha_ocf.agents import services
from xcatha_ocf.runtime import bootstate
from xcatha_ocf.runtime import servicestack as stack
from xcatha_ocf.runtime.systemd import match_blocks
from xcatha_ocf.runtime.params import read_params
from xcatha_ocf.runtime.status import ExitStatus, OCFError

SHOW = "systemctl show --no-pager -p Id,LoadState,ActiveState,SubState,UnitFileState -- "
RHEL_QUERY = SHOW + "postgresql xcatd named dhcpd chronyd ntpd conserver goconserver"
DEBIAN_QUERY = (SHOW + "postgresql@15-main postgresql xcatd named isc-dhcp-server chrony ntpsec ntp "
                "conserver-server goconserver")
RHEL_UNITS = ["postgresql", "xcatd", "named", "dhcpd", "chronyd", "conserver"]
PG_LIVENESS = "pg_isready -q -t 5"
DOMAIN = "lsdef -t site -i domain -c"
SITE = "lsdef -t site -i master,nameservers -c"
MGTIFNAME = ["lsdef -t network -i net,mask,mgtifname -c",
             "chdef -t network -o 10_0_0_0-255_255_255_0 mgtifname=eth0:0"]


@pytest.fixture(autouse=True)
def xcat_commands(tmp_path, monkeypatch):
    """Executables named like xCAT's commands, so validate finds them (never run)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("makedns", "makedhcp", "makeconservercf", "makegocons", "lsdef", "chdef",
                 "pg_isready", "systemctl", "lsxcatd"):
        path = bin_dir / name
        path.write_text("#!/bin/sh\nexit 99\n")
        path.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.delenv("OCF_TESTER_FAIL_HAVE_BINARY", raising=False)


def logged(agent):
    return agent.log.stream.getvalue()


def start(agent):
    return agent.dispatch("start")


# -- start ---------------------------------------------------------------------------------

def test_rhel_start_runs_the_documented_sequence(systemd_host, services_agent):
    host = systemd_host(RHEL_UNITS, enabled="enabled")
    agent = services_agent(host)
    assert start(agent) == ExitStatus.SUCCESS
    assert agent.run.executor.lines() == [
        RHEL_QUERY,
        "systemctl disable postgresql xcatd named dhcpd conserver",
        "systemctl start postgresql",
        "pg_isready -q -t 2",
        "systemctl start xcatd",
    ] + MGTIFNAME + [
        "lsdef -t site -i domain -c",
        "makedns -n",
        "systemctl start named",
        "makedhcp -n",
        "systemctl start dhcpd",
        "makedhcp -a",
        "makeconservercf",
        "systemctl start conserver",
        SITE,
    ]
    assert all(state == ["active", "disabled"] for name, state in host.units.items()
               if name != "chronyd")
    assert host.units["chronyd"] == ["inactive", "enabled"]   # never the group's to touch


def test_debian_start_uses_the_cluster_instance_and_debian_names(systemd_host, services_agent):
    names = ["postgresql@15-main", "postgresql", "xcatd", "named", "isc-dhcp-server", "ntpsec",
             "conserver-server"]
    host = systemd_host(names)
    host.units["postgresql"][1] = "enabled"
    agent = services_agent(host, os_release="debian", pg_versions=("13", "15"),
                       params={"mgtifname": "none"})
    assert start(agent) == ExitStatus.SUCCESS
    assert agent.run.executor.lines() == [
        DEBIAN_QUERY,
        "systemctl disable postgresql",
        "systemctl start postgresql@15-main",
        "pg_isready -q -t 2",
        "systemctl start xcatd",
        "lsdef -t site -i domain -c",
        "makedns -n",
        "systemctl start named",
        "makedhcp -n",
        "systemctl start isc-dhcp-server",
        "makedhcp -a",
        "makeconservercf",
        "systemctl start conserver-server",
        SITE,
    ]


def test_debian_without_a_cluster_directory_uses_the_postgresql_unit(systemd_host, services_agent):
    names = ["postgresql", "xcatd", "named", "isc-dhcp-server", "chrony"]
    agent = services_agent(systemd_host(names), os_release="debian",
                       params={"console": "none", "regenerate": "none", "mgtifname": "none"})
    start(agent)
    assert agent.run.executor.lines()[0] == SHOW + (
        "postgresql xcatd named isc-dhcp-server chrony ntpsec ntp conserver-server goconserver")
    assert agent.run.executor.lines()[1:] == [
        "systemctl start postgresql", "pg_isready -q -t 2", "systemctl start xcatd",
        "systemctl start named", "systemctl start isc-dhcp-server", SITE]


def test_goconserver_starts_before_makegocons(systemd_host, services_agent):
    host = systemd_host(["postgresql", "xcatd", "named", "dhcpd", "ntpd", "goconserver"])
    agent = services_agent(host, params={"regenerate": "makeconservercf",
                                               "mgtifname": "none"})
    start(agent)
    assert agent.run.executor.lines()[1:] == [
        "systemctl start postgresql", "pg_isready -q -t 2", "systemctl start xcatd",
        "systemctl start named", "systemctl start dhcpd",
        "systemctl start goconserver", "makegocons", SITE]


@pytest.mark.parametrize("consoleservice, expected", [
    ("goconserver", ["systemctl start goconserver", "makegocons"]),
    (None, ["makeconservercf", "systemctl start conserver"]),
])
def test_auto_console_with_both_installed_follows_site_consoleservice(consoleservice, expected, systemd_host, services_agent):
    host = systemd_host(RHEL_UNITS + ["goconserver"], consoleservice=consoleservice)
    agent = services_agent(host, params={"regenerate": "makeconservercf",
                                               "mgtifname": "none"})
    start(agent)
    assert agent.run.executor.lines()[-4:] == ["lsdef -t site -i consoleservice -c"] + expected + [
        SITE]
    chosen = expected[0].split()[-1] if consoleservice else "conserver"
    assert bootstate.load(agent.record_path)["console"] == chosen


def test_explicit_console_ignores_the_other_one(systemd_host, services_agent):
    host = systemd_host(RHEL_UNITS + ["goconserver"])
    agent = services_agent(host, params={"console": "goconserver", "regenerate": "none",
                                               "mgtifname": "none"})
    start(agent)
    assert "systemctl start conserver" not in agent.run.executor.lines()
    assert agent.run.executor.lines()[-2:] == ["systemctl start goconserver", SITE]


def test_auto_console_with_no_console_server_installed_runs_none(systemd_host, services_agent):
    agent = services_agent(systemd_host(RHEL_UNITS[:-1]), params={"mgtifname": "none"})
    assert start(agent) == ExitStatus.SUCCESS
    assert agent.run.executor.lines()[-2:] == ["makedhcp -a", SITE]


def test_console_none_and_a_services_override(systemd_host, services_agent):
    host = systemd_host(["postgresql", "xcatd", "named", "kea-dhcp4-server", "chronyd", "conserver"])
    agent = services_agent(host, params={
        "services": "chronyd dhcp=kea-dhcp4-server xcatd named postgresql",
        "console": "none", "regenerate": "makedhcp", "mgtifname": "none"})
    start(agent)
    assert agent.run.executor.lines() == [
        SHOW + "postgresql xcatd named kea-dhcp4-server chronyd",
        "systemctl start postgresql", "pg_isready -q -t 2", "systemctl start xcatd",
        "systemctl start named", "makedhcp -n", "systemctl start kea-dhcp4-server",
        "makedhcp -a", SITE]


def test_disable_boot_units_off_leaves_enablement_alone_and_warns(systemd_host, services_agent):
    host = systemd_host(RHEL_UNITS, enabled="enabled")
    agent = services_agent(host, params={"disable_boot_units": "false", "regenerate": "none",
                                               "mgtifname": "none"})
    start(agent)
    assert not any("disable" in command for command in agent.run.executor.lines())
    assert "enabled at boot" in logged(agent) and "xcatd" in logged(agent)


def test_start_twice_redoes_nothing_expensive(systemd_host, services_agent):
    host = systemd_host(RHEL_UNITS)
    start(services_agent(host))
    again = services_agent(host)
    assert start(again) == ExitStatus.SUCCESS
    assert again.run.executor.lines() == [RHEL_QUERY, "pg_isready -q -t 2", SITE]


def test_regeneration_reruns_after_reboot_or_when_its_service_died(systemd_host, services_agent):
    host = systemd_host(RHEL_UNITS)
    start(services_agent(host))
    host.units["named"][0] = "failed"
    agent = services_agent(host)
    start(agent)
    assert agent.run.executor.lines() == [RHEL_QUERY, "pg_isready -q -t 2", DOMAIN, "makedns -n",
                                          "systemctl start named", SITE]
    rebooted = services_agent(host, boot_id="boot-2")
    start(rebooted)
    assert rebooted.run.executor.lines()[2:] == MGTIFNAME + [
        DOMAIN, "makedns -n", "makedhcp -n", "makedhcp -a", "makeconservercf", SITE]


def test_changed_configuration_regenerates_again(systemd_host, services_agent):
    host = systemd_host(RHEL_UNITS)
    start(services_agent(host, params={"regenerate": "makedns"}))
    agent = services_agent(host, params={"regenerate": "makedns makedhcp"})
    start(agent)
    assert "makedns -n" in agent.run.executor.lines() and "makedhcp -n" in agent.run.executor.lines()


def test_parallel_regenerate_runs_both_sequences(systemd_host, services_agent):
    host = systemd_host(RHEL_UNITS)
    agent = services_agent(host, params={"parallel_regenerate": "true", "console": "none",
                                               "mgtifname": "none"})
    start(agent)
    tail = agent.run.executor.lines()[4:]
    dns = [c for c in tail if "dns" in c or "named" in c]
    dhcp = [c for c in tail if "dhcp" in c]
    assert dns == ["makedns -n", "systemctl start named"]
    assert dhcp == ["makedhcp -n", "systemctl start dhcpd", "makedhcp -a"]
    assert sorted(bootstate.load(agent.record_path)["done"].split()) == ["makedhcp", "makedns"]


def test_parallel_failure_reports_the_failing_branch_after_both_finish(systemd_host, services_agent):
    host = systemd_host(RHEL_UNITS, failing={"makedns -n"})
    agent = services_agent(host, params={"parallel_regenerate": "true",
                                               "mgtifname": "none"})
    with pytest.raises(OCFError) as error:
        start(agent)
    assert "makedns -n exited 1" in error.value.reason
    assert "makedhcp -a" in agent.run.executor.lines()
    assert "makeconservercf" not in agent.run.executor.lines()


def test_a_failing_regeneration_fails_start_and_names_it(systemd_host, services_agent):
    host = systemd_host(RHEL_UNITS, failing={"makedhcp -n"})
    agent = services_agent(host, params={"mgtifname": "none"})
    with pytest.raises(OCFError) as error:
        start(agent)
    assert error.value.status == ExitStatus.ERR_GENERIC
    assert error.value.reason.startswith("makedhcp -n exited 1")
    assert agent.run.executor.lines()[-1] == "makedhcp -n"


def test_makedhcp_a_failure_is_a_warning_and_is_retried_next_start(systemd_host, services_agent):
    host = systemd_host(RHEL_UNITS, failing={"makedhcp -a"})
    agent = services_agent(host, params={"mgtifname": "none"})
    assert start(agent) == ExitStatus.SUCCESS
    assert "makedhcp -a failed, continuing" in logged(agent)
    assert agent.run.executor.lines()[-2:] == ["systemctl start conserver", SITE]
    host.failing.clear()
    again = services_agent(host, params={"mgtifname": "none"})
    start(again)
    assert again.run.executor.lines()[2:] == ["makedhcp -n", "makedhcp -a", SITE]


def test_failed_unit_start_stops_the_plan(systemd_host, services_agent):
    host = systemd_host(RHEL_UNITS, failing={"systemctl start xcatd"})
    agent = services_agent(host)
    with pytest.raises(OCFError) as error:
        start(agent)
    assert "systemctl start xcatd exited 1" in error.value.reason
    assert agent.run.executor.lines()[-1] == "systemctl start xcatd"


def test_xcatd_that_never_answers_times_out_within_the_step(monkeypatch, systemd_host, services_agent):
    agent = services_agent(systemd_host(RHEL_UNITS), xcatd_answers=False)
    now = [0.0]
    monkeypatch.setattr(services, "time", SimpleNamespace(
        monotonic=lambda: now[0], sleep=lambda seconds: now.__setitem__(0, now[0] + seconds)))
    with pytest.raises(OCFError) as error:
        start(agent)
    assert "waiting until xcatd answers on port 3001" in error.value.reason
    assert now[0] >= stack.READY_TIMEOUT


def test_mgtifname_already_set_is_not_rewritten_and_explicit_label(systemd_host, services_agent):
    host = systemd_host(RHEL_UNITS)
    agent = services_agent(host, params={"mgtifname": "eth0", "regenerate": "none"})
    start(agent)
    assert "lsdef -t network -i net,mask,mgtifname -c" in agent.run.executor.lines()
    assert not any(c.startswith("chdef") for c in agent.run.executor.lines())


def test_no_alias_label_is_a_warning(systemd_host, services_agent):
    agent = services_agent(systemd_host(RHEL_UNITS), addresses=[("eth0", "10.0.0.2", 24)],
                       params={"regenerate": "none"})
    assert start(agent) == ExitStatus.SUCCESS
    assert "no alias label on this host" in logged(agent)


def test_missing_software_is_err_installed(systemd_host, services_agent):
    agent = services_agent(systemd_host(["postgresql", "xcatd", "named", "chronyd"]),
                       params={"console": "conserver"})
    with pytest.raises(OCFError) as error:
        start(agent)
    assert error.value.status == ExitStatus.ERR_INSTALLED
    assert error.value.reason.startswith("not installed: dhcpd conserver")


def test_dry_run_prints_the_whole_plan_and_changes_nothing(systemd_host, services_agent):
    host = systemd_host(RHEL_UNITS, enabled="enabled")
    agent = services_agent(host, dry_run=True, params={"parallel_regenerate": "yes"})
    assert start(agent) == ExitStatus.SUCCESS
    assert agent.run.executor.lines() == [RHEL_QUERY, DOMAIN, SITE]   # dry-run runs queries
    assert agent.run.out.getvalue().splitlines() == [
        "dry-run: would run: systemctl disable postgresql xcatd named dhcpd conserver",
        "dry-run: would run: systemctl start postgresql",
        "dry-run: would wait up to 120s until postgresql accepts connections",
        "dry-run: would run: systemctl start xcatd",
        "dry-run: would wait up to 120s until xcatd answers on port 3001",
        "dry-run: would set networks.mgtifname=eth0:0 on the xCAT network containing 10.0.0.1 "
        "(lsdef -t network, chdef)",
        "dry-run: would run these 2 sequences in parallel:",
        "dry-run: would run: makedns -n",
        "dry-run: would run: systemctl start named",
        "dry-run: would run: makedhcp -n",
        "dry-run: would run: systemctl start dhcpd",
        "dry-run: would run: makedhcp -a",
        "dry-run: would run: makeconservercf",
        "dry-run: would run: systemctl start conserver",
    ]
    assert not os.path.exists(agent.record_path)
    assert host.units["xcatd"] == ["inactive", "enabled"]


# -- stop ----------------------------------------------------------------------------------

def test_stop_runs_in_reverse_and_keeps_going_past_failures(systemd_host, services_agent):
    host = systemd_host(RHEL_UNITS, active="active", failing={"systemctl stop named"})
    agent = services_agent(host, action="stop")
    with pytest.raises(OCFError) as error:
        agent.dispatch("stop")
    assert agent.run.executor.lines() == [RHEL_QUERY] + [
        "systemctl stop " + u for u in reversed(RHEL_UNITS) if u != "chronyd"]
    assert host.units["chronyd"][0] == "active"           # the time service keeps running
    assert error.value.reason == ("stop failed: systemctl stop named exited 1: "
                                  "systemctl failed on purpose")
    assert host.units["postgresql"][0] == "inactive"


def test_a_failed_stop_keeps_the_record_for_the_next_stop(systemd_host, services_agent):
    """Units that only the record names (the parameters changed since start) are
    still stopped by the stop Pacemaker retries."""
    host = systemd_host(RHEL_UNITS, failing={"systemctl stop conserver"})
    start(services_agent(host, params={"mgtifname": "none"}))
    narrowed = {"services": "postgresql xcatd named dhcpd chronyd", "console": "none",
                "mgtifname": "none"}
    with pytest.raises(OCFError):
        services_agent(host, action="stop", params=narrowed).dispatch("stop")
    assert host.units["conserver"][0] == "active"
    host.failing.clear()
    retry = services_agent(host, action="stop", params=narrowed)
    assert retry.dispatch("stop") == ExitStatus.SUCCESS
    assert host.units["conserver"][0] == "inactive"
    assert not os.path.exists(retry.record_path)


def test_stop_of_a_stopped_stack_succeeds_and_forgets_the_boot_record(systemd_host, services_agent):
    host = systemd_host(RHEL_UNITS)
    start(services_agent(host))
    stop = services_agent(host, action="stop")
    assert stop.dispatch("stop") == ExitStatus.SUCCESS
    assert not os.path.exists(stop.record_path)
    again = services_agent(host, action="stop")
    assert again.dispatch("stop") == ExitStatus.SUCCESS
    assert again.run.executor.lines() == [RHEL_QUERY]


def test_stop_stops_only_what_runs_and_both_consoles_when_auto(systemd_host, services_agent):
    host = systemd_host(RHEL_UNITS + ["goconserver"])
    host.units["goconserver"][0] = "active"
    host.units["xcatd"][0] = "failed"
    agent = services_agent(host, action="stop")
    agent.dispatch("stop")
    assert agent.run.executor.lines() == [RHEL_QUERY, "systemctl stop goconserver"]


# -- monitor -------------------------------------------------------------------------------

def monitor(services_agent, host, started=True, **options):
    """The monitor on the node where the group runs (``started``: start ran here in this
    boot, as its record says) or on another node."""
    agent = services_agent(host, action="monitor", **options)
    if started and bootstate.load(agent.record_path) is None:
        bootstate.save(agent.record_path, {"done": ""})
    try:
        return agent.dispatch("monitor"), agent
    except OCFError as error:
        agent.reason = error.reason
        return error.status, agent


def test_monitor_all_stopped_is_not_running_with_one_systemd_call(systemd_host, services_agent):
    status, agent = monitor(services_agent, systemd_host(RHEL_UNITS), interval_ms=30000)
    assert status == ExitStatus.NOT_RUNNING
    assert agent.run.executor.lines() == [RHEL_QUERY]


def test_monitor_time_service_alone_does_not_make_the_stack_running(systemd_host, services_agent):
    host = systemd_host(RHEL_UNITS)
    host.units["chronyd"][0] = "active"
    status, _ = monitor(services_agent, host)
    assert status == ExitStatus.NOT_RUNNING
    host.units["dhcpd"][0] = "active"
    status, agent = monitor(services_agent, host)
    assert status == ExitStatus.ERR_GENERIC
    assert agent.reason.startswith("partly running: postgresql (inactive), xcatd (inactive)")


def test_monitor_all_running_is_success(systemd_host, services_agent):
    status, agent = monitor(services_agent, systemd_host(RHEL_UNITS, active="active"), interval_ms=30000)
    assert status == ExitStatus.SUCCESS
    assert agent.run.executor.lines() == [RHEL_QUERY, PG_LIVENESS]


def test_monitor_partly_running_names_the_units(systemd_host, services_agent):
    host = systemd_host(RHEL_UNITS, active="active")
    host.units["named"][0] = "failed"
    host.units["conserver"][0] = "inactive"
    status, agent = monitor(services_agent, host, interval_ms=30000)
    assert status == ExitStatus.ERR_GENERIC
    assert agent.reason == "partly running: named (failed), conserver (inactive) not running"


def test_monitor_asks_xcatd_for_an_answer(systemd_host, services_agent):
    status, agent = monitor(services_agent, systemd_host(RHEL_UNITS, active="active"),
                            xcatd_answers=False, interval_ms=30000)
    assert status == ExitStatus.ERR_GENERIC
    assert agent.reason == "xcatd does not answer on port 3001: no TLS handshake"


@pytest.mark.parametrize("rc, reason", [
    (2, "PostgreSQL does not answer within 5 s (hung?)"),
    (1, "PostgreSQL rejects connections (starting or shutting down)"),
])
def test_monitor_asks_postgresql_for_an_answer(systemd_host, services_agent, rc, reason):
    """A stopped postmaster's unit stays active: pg_isready, bounded, tells."""
    host = systemd_host(RHEL_UNITS, active="active")
    host.answers[PG_LIVENESS] = (rc, "", "")
    status, agent = monitor(services_agent, host, interval_ms=30000)
    assert status == ExitStatus.ERR_GENERIC and agent.reason == reason
    assert agent.run.executor.timeouts[-1] == 7   # its own bound, within the monitor's


def test_monitor_depth_20_runs_lsxcatd(systemd_host, services_agent):
    host = systemd_host(RHEL_UNITS, active="active")
    status, agent = monitor(services_agent, host, check_level=20, interval_ms=300000)
    assert status == ExitStatus.SUCCESS
    assert agent.run.executor.lines() == [RHEL_QUERY, PG_LIVENESS, "lsxcatd -a", SITE]
    host.failing.add("lsxcatd -a")
    status, agent = monitor(services_agent, host, check_level=20, interval_ms=300000)
    assert status == ExitStatus.ERR_GENERIC
    assert agent.reason.startswith("xCAT round trip failed: lsxcatd -a exited 1")


def test_monitor_with_two_consoles_counts_the_one_start_chose(systemd_host, services_agent):
    host = systemd_host(RHEL_UNITS + ["goconserver"], consoleservice="goconserver")
    start(services_agent(host, params={"mgtifname": "none"}))
    assert host.units["conserver"][0] == "inactive"
    status, _ = monitor(services_agent, host, interval_ms=30000)
    assert status == ExitStatus.SUCCESS
    host.units["goconserver"][0] = "failed"
    status, agent = monitor(services_agent, host, interval_ms=30000)
    assert agent.reason == "partly running: goconserver (failed) not running"


def test_probe_without_systemd_or_systemctl_is_not_running(monkeypatch, systemd_host, services_agent):
    host = systemd_host(RHEL_UNITS)
    host.failing.add(RHEL_QUERY)
    status, _ = monitor(services_agent, host)
    assert status == ExitStatus.NOT_RUNNING
    status, agent = monitor(services_agent, host, interval_ms=30000)
    assert status == ExitStatus.ERR_GENERIC
    monkeypatch.setenv("OCF_TESTER_FAIL_HAVE_BINARY", "1")
    status, agent = monitor(services_agent, systemd_host(RHEL_UNITS, active="active"))
    assert status == ExitStatus.NOT_RUNNING and agent.run.executor.lines() == []


# -- validation ----------------------------------------------------------------------------

def test_validate_all_reports_enabled_units(systemd_host, services_agent):
    host = systemd_host(RHEL_UNITS)
    host.units["dhcpd"][1] = "enabled"
    agent = services_agent(host, action="validate-all")
    assert agent.dispatch("validate-all") == ExitStatus.SUCCESS
    assert "enabled at boot; start will disable them: dhcpd" in logged(agent)
    assert agent.run.executor.lines() == [RHEL_QUERY]


def test_units_generated_from_sysv_scripts_are_asked_with_is_enabled(systemd_host, services_agent):
    names = ["postgresql", "xcatd", "named", "isc-dhcp-server", "chrony", "conserver-server"]
    host = systemd_host(names)
    for unit in ("isc-dhcp-server", "conserver-server"):
        host.units[unit][1] = "generated"
    host.sysv_enabled["isc-dhcp-server"] = True
    agent = services_agent(host, os_release="debian", params={"regenerate": "none",
                                                                     "mgtifname": "none"})
    start(agent)
    assert agent.run.executor.lines()[1:4] == ["systemctl is-enabled isc-dhcp-server",
                                       "systemctl is-enabled conserver-server",
                                       "systemctl disable isc-dhcp-server"]


@pytest.mark.parametrize("params, message", [
    ({"services": "postgresql dns=named;reboot"}, "is not a unit name"),
    ({"services": "postgresql frobd"}, "cannot tell the role of frobd"),
    ({"services": "conserver goconserver"}, "cannot both run"),
    ({"console": "both"}, "expected one of auto"),
    ({"regenerate": "makedns makenothing"}, "'makenothing' is not one of"),
    ({"xcatd_port": "70000"}, "must be at most 65535"),
    ({"mgtifname": "eth0 0"}, "interface label"),
])
def test_bad_parameters_are_err_configured(params, message):
    environ = {"OCF_RESKEY_" + key: value for key, value in params.items()}
    with pytest.raises(OCFError) as error:
        read_params(services.Services.PARAMETERS, environ)
    assert error.value.status == ExitStatus.ERR_CONFIGURED
    assert message in error.value.reason


def test_override_without_xcatd_needs_regeneration_off(systemd_host, services_agent):
    agent = services_agent(systemd_host(["named"]), params={"services": "named"})
    with pytest.raises(OCFError) as error:
        agent.validate(full=False)
    assert error.value.status == ExitStatus.ERR_CONFIGURED
    ok = services_agent(systemd_host(["named"]), params={
        "services": "named", "regenerate": "none", "mgtifname": "none"})
    assert start(ok) == ExitStatus.SUCCESS
    assert ok.run.executor.lines()[1:] == ["systemctl start named"]


def test_show_blocks_are_matched_by_id_then_by_position():
    blocks = [{"Id": "xcatd.service"}, {"Id": "named.service"}, {"Id": "postgresql.service"}]
    matched = match_blocks(["postgresql", "bind9", "xcatd"], blocks)
    assert matched["postgresql"]["Id"] == "postgresql.service"
    assert matched["xcatd"]["Id"] == "xcatd.service"
    assert matched["bind9"]["Id"] == "named.service"


# -- the pure plan ---------------------------------------------------------------------------

def test_plan_parallel_only_when_both_sides_regenerate():
    units = {stack.DATABASE: "postgresql", stack.XCATD: "xcatd", stack.DNS: "named",
             stack.DHCP: "dhcpd"}
    settings = stack.Settings(regenerate=[stack.MAKEDNS], parallel=True, mgtifname="none")
    kinds = [step.kind for step in stack.start_plan(units, settings)]
    assert "parallel" not in kinds
    settings = stack.Settings(parallel=True, mgtifname="none")
    plan = stack.start_plan(units, settings)
    assert [step.describe() for step in plan[-1].branches[0]] == ["makedns -n",
                                                                  "systemctl start named"]


def test_plan_timeouts_follow_the_parameters():
    units = {stack.XCATD: "xcatd", stack.DNS: "named", stack.DHCP: "dhcpd", stack.CONSERVER: "c"}
    settings = stack.Settings(makedns_timeout=11, makedhcp_timeout=22, console_timeout=33,
                              mgtifname="none")
    timeouts = {step.describe(): step.timeout for step in stack.start_plan(units, settings)}
    assert timeouts["makedns -n"] == 11
    assert timeouts["makedhcp -n"] == timeouts["makedhcp -a"] == 22
    assert timeouts["makeconservercf"] == 33
    assert timeouts["systemctl start xcatd"] == stack.UNIT_TIMEOUT


@pytest.mark.parametrize("action", ["validate-all", "start"])
def test_without_systemd_validate_and_start_say_it_is_missing(systemd_host, services_agent,
                                                              monkeypatch, tmp_path, action):
    """"Failed to connect to bus": this node lacks what the agent needs (5), not a
    generic failure; probe and stop answer 7 and 0 (tests above)."""
    from xcatha_ocf.runtime import systemd
    monkeypatch.setattr(systemd, "RUNTIME_DIR", str(tmp_path / "no-systemd"))
    host = systemd_host(RHEL_UNITS)
    host.failing.add(RHEL_QUERY)
    agent = services_agent(host, action=action)
    with pytest.raises(OCFError) as error:
        agent.dispatch(action)
    assert error.value.status == ExitStatus.ERR_INSTALLED
    assert error.value.reason.startswith("systemd is not running on this node (systemctl show")


@pytest.mark.parametrize("interval_ms, role, expected", [
    (0, None, ExitStatus.NOT_RUNNING),                  # a probe
    (31000, "Stopped", ExitStatus.NOT_RUNNING),         # the passive node's monitor
    (30000, None, ExitStatus.ERR_GENERIC)])             # where the group runs
def test_a_monitor_without_systemd_fails_only_where_the_group_runs(
        systemd_host, services_agent, interval_ms, role, expected):
    host = systemd_host(RHEL_UNITS)
    host.failing.add(RHEL_QUERY)
    status, _ = monitor(services_agent, host, interval_ms=interval_ms, role=role)
    assert status == expected


def test_stop_stops_what_start_started_after_the_units_changed(systemd_host, services_agent):
    """pcs resource update services=...: the recorded units are stopped too."""
    host = systemd_host(RHEL_UNITS)
    start(services_agent(host, params={"mgtifname": "none"}))
    assert host.units["conserver"][0] == "active"
    stop = services_agent(host, action="stop", params={
        "services": "postgresql xcatd named dhcpd chronyd", "console": "none",
        "mgtifname": "none"})
    assert stop.dispatch("stop") == ExitStatus.SUCCESS
    assert stop.run.executor.lines()[1] == "systemctl stop conserver"
    assert all(state[0] == "inactive" for state in host.units.values())


def test_the_time_service_is_checked_never_started_stopped_or_disabled(systemd_host,
                                                                         services_agent):
    host = systemd_host(RHEL_UNITS, enabled="enabled")
    agent = services_agent(host, params={"mgtifname": "none"})
    assert start(agent) == ExitStatus.SUCCESS
    assert not any("chronyd" in line for line in agent.run.executor.lines()[1:])
    assert ("the time service chronyd does not run here: enable and start it on both nodes "
            "(systemctl enable --now chronyd)") in logged(agent)
    status, _ = monitor(services_agent, host, interval_ms=30000)
    assert status == ExitStatus.SUCCESS                  # its absence fails no monitor


def test_without_a_domain_makedns_is_skipped_with_a_warning(systemd_host, services_agent):
    """As xCAT's own HA script does: makedns -n only when site.domain is set."""
    host = systemd_host(RHEL_UNITS, domain=None)
    agent = services_agent(host, params={"mgtifname": "none"})
    assert start(agent) == ExitStatus.SUCCESS
    assert "makedns -n" not in agent.run.executor.lines()
    assert "systemctl start named" in agent.run.executor.lines()
    assert "site.domain is not set, so makedns -n is skipped" in logged(agent)
    assert "makedns" not in bootstate.load(agent.record_path)["done"].split()


def test_a_site_table_naming_this_node_degrades_the_monitor(systemd_host, services_agent,
                                                            monkeypatch, tmp_path):
    """site.master and cfgloc's host on this node's own address: start warns, and the
    monitor says so as OCF_DEGRADED (190), which pcs status shows without a recovery."""
    from xcatha_ocf.runtime import xcat
    cfgloc = tmp_path / "cfgloc"
    cfgloc.write_text("Pg:dbname=xcatdb;host=10.0.0.2|xcatadm|secret\n")
    monkeypatch.setattr(xcat, "CFGLOC", str(cfgloc))
    host = systemd_host(RHEL_UNITS)
    host.site.update(master="10.0.0.2", nameservers="10.0.0.1")
    agent = services_agent(host, params={"mgtifname": "none"})
    assert start(agent) == ExitStatus.SUCCESS
    expected = ("site.master is 10.0.0.2, this node's own address; the host in %s is 10.0.0.2, "
                "this node's own address: the virtual IP belongs there" % cfgloc)
    assert expected in logged(agent)
    status, agent = monitor(services_agent, host, interval_ms=30000)
    assert status == ExitStatus.DEGRADED and agent.reason.startswith(expected)
    host.site.update(master="10.0.0.1")
    cfgloc.write_text("Pg:dbname=xcatdb;host=10.0.0.1|xcatadm|secret\n")
    status, _ = monitor(services_agent, host, check_level=20, interval_ms=300000)
    assert status == ExitStatus.SUCCESS          # the deep monitor reads the table again
    status, _ = monitor(services_agent, host, interval_ms=30000)
    assert status == ExitStatus.SUCCESS


def test_services_found_where_no_start_ran_are_reported_running_to_be_stopped(systemd_host,
                                                                            services_agent):
    """xcatd started by hand on the passive node: the Stopped-role monitor reports it
    running (0, not a failure), so that Pacemaker stops it there."""
    host = systemd_host(RHEL_UNITS)
    host.units["xcatd"][0] = "active"
    host.units["named"][0] = "activating"      # still starting: a stray all the same
    status, agent = monitor(services_agent, host, started=False, interval_ms=31000, role="Stopped")
    assert status == ExitStatus.SUCCESS
    assert ("running: xcatd (active), named (activating), but this node did not start it in "
            "this boot") in logged(agent)
    assert agent.run.executor.lines() == [RHEL_QUERY]      # no liveness check of a stray


def test_where_the_group_runs_a_missing_record_hides_no_failure(systemd_host, services_agent):
    """A Started-role monitor without a record (agents upgraded under the running group)
    checks the units as always."""
    host = systemd_host(RHEL_UNITS)
    host.units["xcatd"][0] = "active"
    status, agent = monitor(services_agent, host, started=False, interval_ms=30000)
    assert status == ExitStatus.ERR_GENERIC
    assert agent.reason.startswith("partly running: ")
    assert "did not start it" not in logged(agent)


def test_debian_cluster_start_conf_is_set_to_manual(systemd_host, services_agent, tmp_path):
    """systemctl disable postgresql@15-main does not survive a reboot on Debian: the
    postgresql-common generator enables the cluster again from start.conf."""
    start_conf = tmp_path / "etc-postgresql" / "15" / "main" / "start.conf"
    host = systemd_host(["postgresql@15-main", "postgresql", "xcatd", "named",
                         "isc-dhcp-server", "conserver-server"])
    agent = services_agent(host, os_release="debian", pg_versions=("15",),
                           params={"mgtifname": "none", "regenerate": "none"})
    start_conf.write_text("# Automatic startup configuration\n\nauto\n")
    start(agent)
    assert start_conf.read_text() == "# Automatic startup configuration\n\nmanual\n"
    assert agent.run.executor.lines()[1] == "systemctl daemon-reload"
    again = services_agent(host, os_release="debian", pg_versions=("15",),
                           params={"mgtifname": "none", "regenerate": "none"})
    start(again)
    assert "systemctl daemon-reload" not in again.run.executor.lines()
