"""Units of the shared OCF runtime: exit codes, parameters, dispatch, logging,
the command runner and dry-run."""

import io
import os
import subprocess
import sys
import time

import pytest

from xcatha_ocf import install
from xcatha_ocf.runtime import bootstate, files, log, ocf
from xcatha_ocf.runtime.metadata import render
from xcatha_ocf.runtime.ocf import Action, Operation, ResourceAgent
from xcatha_ocf.runtime.params import Parameter, read_params
from xcatha_ocf.runtime.status import ExitStatus, OCFError
from xcatha_ocf.runtime.runner import CommandError, Runner

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Echo(ResourceAgent):
    """A test agent: start/stop/monitor report what they were given."""

    NAME = "echo"
    SHORTDESC = "test agent"
    LONGDESC = "A <test> agent & friends"
    PARAMETERS = (
        Parameter("target", required=True, unique=True, shortdesc="what"),
        Parameter("count", type="integer", default="3", minimum=1, maximum=9, shortdesc="n"),
        Parameter("loud", type="boolean", default="no", shortdesc="b"),
        Parameter("mode", default="a", check=lambda v: v if v in ("a", "b") else _bad(v)),
    )
    ACTIONS = (Action("start", 30), Action("monitor", 20, interval=10, depth=0),
               Action("stop", 30))

    def start(self):
        self.run(["touch", self.params.target], timeout=5, check=True)

    def stop(self):
        if os.path.exists(self.params.target):
            os.unlink(self.params.target)

    def monitor(self):
        if self.params.target == "explode":
            raise KeyError("bug")
        if not os.path.exists(self.params.target):
            raise OCFError(ExitStatus.NOT_RUNNING, "%s is absent" % self.params.target)
        return ExitStatus.SUCCESS


def _bad(value):
    raise ValueError("mode must be a or b")


@pytest.fixture(autouse=True)
def run_dir(tmp_path, monkeypatch):
    """Starts record their parameters for this boot: here, not in the host's /run."""
    monkeypatch.setattr(bootstate, "RUN_DIR", str(tmp_path / "run"))
    return tmp_path / "run"


def run_main(argv, env, capsys):
    status = ocf.main(Echo, ["echo"] + argv, env)
    out, err = capsys.readouterr()
    return status, out, err


def test_exit_codes_follow_the_ocf_api():
    from xcatha_ocf.runtime.status import NAMES
    assert sorted(NAMES) == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 190, 191]
    assert ExitStatus.NOT_RUNNING == 7 and ExitStatus.ERR_CONFIGURED.name == "ERR_CONFIGURED"
    assert type(ExitStatus(7)) is ExitStatus and ExitStatus(7).name == "NOT_RUNNING"
    assert "%d %s" % (ExitStatus.ERR_ARGS, ExitStatus.ERR_ARGS) == "2 2"


def test_parameters_are_converted_with_defaults():
    params = read_params(Echo.PARAMETERS, {"OCF_RESKEY_target": "x", "OCF_RESKEY_loud": "Yes"})
    assert (params.target, params.count, params.loud, params.mode) == ("x", 3, True, "a")


@pytest.mark.parametrize("env, fragment", [
    ({}, "required parameter target is not set"),
    ({"OCF_RESKEY_target": "x", "OCF_RESKEY_count": "many"}, "count='many': expected a whole number"),
    ({"OCF_RESKEY_target": "x", "OCF_RESKEY_count": "12"}, "must be at most 9"),
    ({"OCF_RESKEY_target": "x", "OCF_RESKEY_loud": "perhaps"}, "expected yes or no"),
    ({"OCF_RESKEY_target": "x", "OCF_RESKEY_mode": "c"}, "mode must be a or b"),
])
def test_bad_parameters_are_configuration_errors(env, fragment):
    with pytest.raises(OCFError) as raised:
        read_params(Echo.PARAMETERS, env)
    assert raised.value.status == ExitStatus.ERR_CONFIGURED
    assert fragment in raised.value.reason


def test_operation_reads_probe_depth_and_timeout():
    op = Operation("monitor", {"OCF_RESKEY_CRM_meta_interval": "0", "OCF_CHECK_LEVEL": "20",
                               "OCF_RESKEY_CRM_meta_timeout": "60000"})
    assert op.is_probe and op.check_level == 20 and op.timeout == 60
    recurring = Operation("monitor", {"OCF_RESKEY_CRM_meta_interval": "10000"})
    assert not recurring.is_probe and recurring.timeout == Operation.DEFAULT_TIMEOUT
    assert not Operation("start", {}).is_probe


def test_timeout_defaults_to_the_declared_one_when_run_by_hand():
    assert Echo.declared_timeout("start") == 30
    assert Echo.declared_timeout("validate-all") == Operation.DEFAULT_TIMEOUT


def test_budget_is_bounded_by_the_remaining_time():
    now = [100.0]
    op = Operation("start", {"OCF_RESKEY_CRM_meta_timeout": "10000"}, clock=lambda: now[0])
    assert op.budget(60) == pytest.approx(10 - Operation.MARGIN)
    assert op.budget(2) == 2
    now[0] += 20
    with pytest.raises(OCFError) as raised:
        op.budget(2)
    assert "ran out of its 10s timeout" in raised.value.reason


def test_dispatch_of_unknown_action_is_unimplemented(capsys):
    status, _, err = run_main(["notify"], {"OCF_RESKEY_target": "x"}, capsys)
    assert status == ExitStatus.ERR_UNIMPLEMENTED and "usage:" in err


def test_no_action_is_an_argument_error_and_usage_succeeds(capsys):
    assert run_main([], {}, capsys)[0] == ExitStatus.ERR_ARGS
    status, out, _ = run_main(["usage"], {}, capsys)
    assert status == ExitStatus.SUCCESS and "validate-all" in out


def test_meta_data_escapes_and_declares_everything(capsys):
    status, out, _ = run_main(["meta-data"], {}, capsys)
    assert status == ExitStatus.SUCCESS
    assert "A &lt;test&gt; agent &amp; friends" in out
    assert '<parameter name="target" unique="1" required="1">' in out
    assert '<content type="integer" default="3"/>' in out
    assert '<action name="monitor" timeout="20s" interval="10s" depth="0"/>' in out


def test_meta_data_validates_against_the_ocf_dtd(tmp_path):
    path = tmp_path / "echo.xml"
    path.write_text(render(Echo))
    subprocess.run(["xmllint", "--noout", "--dtdvalid", "/usr/share/resource-agents/ra-api-1.dtd",
                    str(path)], check=True)


def test_failure_prints_exit_reason(capsys, tmp_path):
    env = {"OCF_RESKEY_target": str(tmp_path / "absent"), "OCF_RESKEY_CRM_meta_interval": "10000"}
    status, _, err = run_main(["monitor"], env, capsys)
    assert status == ExitStatus.NOT_RUNNING
    assert "ocf-exit-reason:%s is absent" % (tmp_path / "absent") in err


def test_internal_error_is_one_line_not_a_traceback(capsys):
    status, _, err = run_main(["monitor"], {"OCF_RESKEY_target": "explode",
                                             "OCF_RESKEY_CRM_meta_interval": "10000"}, capsys)
    assert status == ExitStatus.ERR_GENERIC
    assert "ocf-exit-reason:internal error in echo monitor: KeyError" in err
    assert "Traceback" not in err


def test_bad_configuration_stops_cleanly_and_probes_as_not_running(capsys):
    assert run_main(["stop"], {}, capsys)[0] == ExitStatus.SUCCESS
    assert run_main(["monitor"], {"OCF_RESKEY_CRM_meta_interval": "0"}, capsys)[0] == 7
    assert run_main(["monitor"], {"OCF_RESKEY_CRM_meta_interval": "5000"}, capsys)[0] == 6
    assert run_main(["monitor"], {"OCF_RESKEY_CRM_meta_interval": "5000",    # on a passive node
                                  "OCF_RESKEY_CRM_meta_role": "Stopped"}, capsys)[0] == 7
    assert run_main(["start"], {}, capsys)[0] == ExitStatus.ERR_CONFIGURED


def test_a_configuration_spoiled_after_start_stops_what_that_start_did(capsys, tmp_path, run_dir):
    """pcs resource update count=many under a started resource: its probe and its stop
    run with the parameters of the start in this boot, not as "never started"."""
    target = tmp_path / "started"
    started = {"OCF_RESKEY_target": str(target), "OCF_RESOURCE_INSTANCE": "e1"}
    spoiled = dict(started, OCF_RESKEY_count="many")
    assert run_main(["start"], started, capsys)[0] == ExitStatus.SUCCESS
    assert run_main(["monitor"], dict(spoiled, OCF_RESKEY_CRM_meta_interval="0"), capsys)[0] == 0
    status, _, err = run_main(["stop"], spoiled, capsys)
    assert status == ExitStatus.SUCCESS and not target.exists()
    assert "got 'many'; stop with the parameters of its start in this boot" in err
    assert list(run_dir.iterdir()) == []                  # the record goes with the stop
    assert run_main(["stop"], spoiled, capsys)[0] == ExitStatus.SUCCESS


def test_a_start_record_of_another_boot_does_not_count(capsys, tmp_path, run_dir, monkeypatch):
    target = tmp_path / "started"
    started = {"OCF_RESKEY_target": str(target), "OCF_RESOURCE_INSTANCE": "e1"}
    assert run_main(["start"], started, capsys)[0] == ExitStatus.SUCCESS
    monkeypatch.setattr(bootstate, "boot_id", lambda: "another boot")
    status, _, err = run_main(["stop"], dict(started, OCF_RESKEY_count="many"), capsys)
    assert status == ExitStatus.SUCCESS and target.exists()
    assert "reporting it as not running" in err


def test_start_runs_commands_and_dry_run_changes_nothing(capsys, tmp_path):
    target = tmp_path / "started"
    status, out, _ = run_main(["start", "--dry-run"], {"OCF_RESKEY_target": str(target)}, capsys)
    assert status == 0 and "dry-run: would run: touch %s" % target in out
    assert not target.exists()
    assert run_main(["start"], {"OCF_RESKEY_target": str(target), "XCATHA_DRY_RUN": "1"},
                    capsys)[0] == 0
    assert not target.exists()
    assert run_main(["start"], {"OCF_RESKEY_target": str(target)}, capsys)[0] == 0
    assert target.exists()


def make_runner(dry_run=False, timeout_ms=20000):
    op = Operation("start", {"OCF_RESKEY_CRM_meta_timeout": str(timeout_ms)}, dry_run=dry_run)
    stream = io.StringIO()
    logger = log.Logger("test", {}, stream=stream)
    return Runner(dry_run=dry_run, out=io.StringIO(), log=logger, budget=op.budget), stream


def test_runner_captures_output_and_logs_each_command():
    runner, logged = make_runner()
    result = runner(["sh", "-c", "echo out; echo err >&2; exit 3"], timeout=5)
    assert (result.rc, result.out, result.err) == (3, "out\n", "err\n")
    assert "sh -c 'echo out; echo err >&2; exit 3' exited 3: err" in logged.getvalue()


def test_runner_kills_a_command_and_its_children_on_timeout():
    runner, _ = make_runner()
    started = time.monotonic()
    result = runner(["sh", "-c", "sleep 30 & sleep 30"], timeout=0.5)
    assert result.timed_out and time.monotonic() - started < 5
    assert "timed out" in result.summary()


def test_runner_timeout_is_capped_by_the_operation_timeout():
    runner, _ = make_runner(timeout_ms=1600)
    started = time.monotonic()
    assert runner(["sleep", "30"], timeout=60).timed_out
    assert time.monotonic() - started < 3


def test_runner_reports_a_missing_binary_without_raising():
    runner, _ = make_runner()
    result = runner(["/nonexistent/tool"])
    assert result.rc == 127 and "cannot run" in result.err


def test_runner_check_raises_command_error_with_summary():
    runner, _ = make_runner()
    with pytest.raises(CommandError) as raised:
        runner(["false"], check=True)
    assert str(raised.value) == "false exited 1" and raised.value.result.rc == 1


def test_a_failed_checked_command_ends_the_action_with_a_generic_error(capsys):
    status, _, err = run_main(["start"], {"OCF_RESKEY_target": "/nonexistent/dir/x"}, capsys)
    assert status == ExitStatus.ERR_GENERIC
    assert "ocf-exit-reason:touch /nonexistent/dir/x exited 1: touch: cannot touch" in err


def test_exit_reason_prefix_follows_pacemaker(capsys):
    env = {"OCF_RESKEY_target": "/nonexistent/dir/x", "OCF_EXIT_REASON_PREFIX": "reason:"}
    assert "reason:touch /nonexistent" in run_main(["start"], env, capsys)[2]


def test_dry_run_prints_changes_but_runs_queries(tmp_path):
    runner, _ = make_runner(dry_run=True)
    target = tmp_path / "file"
    target.write_text("old\n")
    runner(["rm", str(target)])
    assert runner.query(["cat", str(target)]).out == "old\n"
    runner.replace_files([(str(target), "new\n")])
    runner.change("create a directory", lambda: (tmp_path / "d").mkdir())
    printed = runner.out.getvalue()
    assert "would run: rm %s" % target in printed
    assert "-old\n+new\n" in printed and "would create a directory" in printed
    assert target.read_text() == "old\n" and not (tmp_path / "d").exists()


def test_replace_file_keeps_mode_and_owner(tmp_path):
    runner, _ = make_runner()
    target = tmp_path / "conf"
    target.write_text("a\r\nb\r\n")
    os.chmod(target, 0o640)
    os.chown(target, 65534, 65534)
    runner.replace_files([(str(target), "a\r\nc\r\n")])
    assert target.read_bytes() == b"a\r\nc\r\n"
    stat = target.stat()
    assert (stat.st_mode & 0o777, stat.st_uid, stat.st_gid) == (0o640, 65534, 65534)
    assert [p.name for p in tmp_path.iterdir()] == ["conf"]


def test_a_symbolic_link_keeps_pointing_at_the_file_it_names(tmp_path):
    """An admin's pg_hba.conf -> /srv/pg/pg_hba.conf stays a link; its file changes."""
    runner, _ = make_runner()
    (tmp_path / "real").write_text("a\n")
    (tmp_path / "link").symlink_to("real")
    runner.replace_files([(str(tmp_path / "link"), "b\n")])
    assert os.readlink(tmp_path / "link") == "real"
    assert (tmp_path / "real").read_text() == "b\n"


def test_a_backup_copy_is_whole_or_absent(tmp_path, monkeypatch):
    import shutil
    source = tmp_path / "pg_hba.conf"
    source.write_text("host all all 10.0.0.0/8 md5\n")
    os.chmod(source, 0o640)
    files.copy_preserving(str(source), str(tmp_path / "pg_hba.conf.orig"))
    assert (tmp_path / "pg_hba.conf.orig").read_text() == source.read_text()
    assert (tmp_path / "pg_hba.conf.orig").stat().st_mode & 0o777 == 0o640

    def disk_full(src, dst):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(shutil, "copy2", disk_full)
    with pytest.raises(OSError):
        files.copy_preserving(str(source), str(tmp_path / "second.orig"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pg_hba.conf", "pg_hba.conf.orig"]


def test_logger_honours_logfile_facility_and_debug(tmp_path):
    logfile = tmp_path / "ha.log"
    stream = io.StringIO()
    logger = log.Logger("xcat-vip", {"HA_LOGFILE": str(logfile), "HA_debug": "0"}, stream=stream)
    logger.instance = "vip"
    logger.info("hello")
    logger.debug("hidden")
    assert "xcat-vip(vip)[%d]: INFO: hello" % os.getpid() in logfile.read_text()
    assert "hidden" not in logfile.read_text() and stream.getvalue() == ""
    debugging = log.Logger("x", {"HA_debug": "1"}, stream=stream)
    debugging.debug("shown")
    assert "x DEBUG: shown" in stream.getvalue()


def test_find_binary_honours_ocf_tester_missing_binary_mode(monkeypatch):
    assert ocf.find_binary("sh")
    monkeypatch.setenv("OCF_TESTER_FAIL_HAVE_BINARY", "1")
    assert ocf.find_binary("sh") is None


@pytest.mark.parametrize("agent", sorted(install.AGENTS))
def test_checked_in_launchers_are_the_generated_ones(agent, ocf_agent):
    path = ocf_agent.path(agent)
    with open(path) as handle:
        assert handle.read() == install.launcher(agent)
    assert os.stat(path).st_mode & 0o777 == 0o755


def test_installed_agents_run_from_their_own_lib_in_a_bare_environment(tmp_path):
    install.install(str(tmp_path), out=lambda line: None)
    for agent in install.AGENTS:
        installed = tmp_path / "resource.d" / "xcat" / agent
        result = subprocess.run([str(installed), "meta-data"], env={}, capture_output=True,
                                text=True, cwd="/", check=True)
        assert '<resource-agent name="%s"' % agent in result.stdout
    shipped = tmp_path / "lib" / "xcat" / "xcatha_ocf"
    assert sorted(p.name for p in shipped.iterdir()) == ["__init__.py", "__pycache__", "agents",
                                                         "runtime"]


@pytest.mark.parametrize("agent", sorted(install.AGENTS))
def test_agent_modules_import_no_heavy_modules(agent):
    """The agents' import path stays light: no jinja2, lxml, yaml, subprocess or re; and
    but for xcat-services, which runs systemctl on every monitor, not even os, which
    costs a monitor about a fifth of the interpreter's own start-up."""
    code = ("import sys; sys.path.insert(0, %r)\n"
            "import xcatha_ocf.runtime.ocf, xcatha_ocf.agents.%s\n"
            "print(' '.join(sorted(sys.modules)))" % (REPO, install.AGENTS[agent]))
    loaded = subprocess.run(["/usr/bin/python3", "-IS", "-c", code], capture_output=True,
                            text=True, check=True).stdout.split()
    heavy = {"jinja2", "lxml", "yaml", "subprocess", "re", "ipaddress", "dataclasses", "logging",
             "enum", "signal"}
    if agent != "xcat-services":
        heavy.add("os")
    assert not heavy & set(loaded)


def test_runtime_and_agents_stay_python36_compatible():
    """RHEL 8 and SLES 15 run agents under Python 3.6."""
    vermin = os.path.join(os.path.dirname(sys.executable), "vermin")
    paths = [os.path.join(REPO, "xcatha_ocf", name) for name in
             ("__init__.py", "runtime", "agents", "install.py")]
    assert all(os.path.exists(path) for path in paths)
    result = subprocess.run([vermin, "-t=3.6-", "--no-tips", "--violations"] + paths,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_launcher_without_its_runtime_reports_not_installed(tmp_path):
    agent_dir = tmp_path / "resource.d" / "xcat"
    agent_dir.mkdir(parents=True)
    launcher = agent_dir / "xcat-vip"
    install.write_executable(str(launcher), install.launcher("xcat-vip"))
    result = subprocess.run([str(launcher), "monitor"], env={}, capture_output=True, text=True)
    assert result.returncode == ExitStatus.ERR_INSTALLED
    assert "ocf-exit-reason:xcatha_ocf runtime missing or outdated" in result.stderr
    assert "Traceback" not in result.stderr


def test_replace_files_changes_all_or_none(tmp_path, monkeypatch):
    """When the second rename fails, the first file gets its old text back."""
    from xcatha_ocf.runtime import files
    first, second = tmp_path / "a.conf", tmp_path / "b.conf"
    first.write_text("a\n")
    second.write_text("b\n")
    renamed = []
    real_rename = os.rename

    def rename(source, target):
        if str(target) == str(second) and not renamed[1:]:
            renamed.append(target)
            raise PermissionError(1, "Operation not permitted")
        renamed.append(target)
        real_rename(source, target)

    monkeypatch.setattr(files.os, "rename", rename)
    with pytest.raises(files.FileChangeError) as raised:
        files.replace_together([(str(first), "A\n"), (str(second), "B\n")])
    assert str(raised.value) == "cannot write %s: Operation not permitted" % second
    assert (first.read_text(), second.read_text()) == ("a\n", "b\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.conf", "b.conf"]


@pytest.mark.parametrize("agent, params", [
    ("xcat-vip", {"ip": "192.0.2.77", "nic": "lo", "cidr_netmask": "24"}),
    ("xcat-shared", {"shared_dir": "/nonexistent/xcatdata"}),
    ("xcat-pgsql-conf", {"vip": "192.0.2.77"}),
])
def test_a_monitor_that_finds_nothing_running_imports_no_os(agent, params):
    """What Pacemaker runs most often on the passive node (issue 15: the monitor path
    pays only for what it uses)."""
    env = dict(("OCF_RESKEY_" + key, value) for key, value in params.items())
    env.update({"OCF_RESKEY_CRM_meta_interval": "10000", "OCF_RESOURCE_INSTANCE": "no-such"})
    code = ("import sys; sys.path.insert(0, %r)\n"
            "from xcatha_ocf.runtime.ocf import main\n"
            "from xcatha_ocf.agents.%s import AGENT\n"
            "status = main(AGENT, ['agent', 'monitor'])\n"
            "sys.stdout.write('%%d %%s' %% (status, ' '.join(sorted(sys.modules))))"
            % (REPO, install.AGENTS[agent]))
    result = subprocess.run(["/usr/bin/python3", "-IS", "-c", code], env=env,
                            capture_output=True, text=True)
    status, modules = result.stdout.split(" ", 1)
    assert status == "7", result.stderr
    assert "os" not in modules.split()
