"""xcat-pgsql-conf run as Pacemaker runs it, against configuration files in a
temporary directory (no server running; see test_pgsql_conf_postgres.py)."""

import os
import pwd
import shutil
import subprocess
import tempfile

import pytest
from hypothesis import HealthCheck, given, settings

from hypothesis import strategies as st

from xcatha_ocf import install
from xcatha_ocf.runtime import bootstate, pgconf, pgfiles
from xcatha_ocf.agents import pgsql_conf

AGENT = "xcat-pgsql-conf"
VIP, STATIC = "192.0.2.100", "192.0.2.10"
DEBIAN_CONF = "/etc/postgresql/15/main/postgresql.conf"
DEBIAN_HBA = "/etc/postgresql/15/main/pg_hba.conf"
POSTGRES = pwd.getpwnam("postgres")
STARTED = bootstate.path("test.started")   # the instance name agentrun gives


@pytest.fixture
def config(tmp_path):
    """A configuration directory made from Debian's own files, owned by postgres, mode 640."""
    directory = tmp_path / "data"
    directory.mkdir()
    conf = open(DEBIAN_CONF, "rb").read()
    conf = b"".join(line for line in conf.splitlines(True)
                    if not line.startswith((b"data_directory", b"hba_file", b"include_dir")))
    (directory / "postgresql.conf").write_bytes(conf)
    (directory / "pg_hba.conf").write_bytes(open(DEBIAN_HBA, "rb").read())
    (directory / "PG_VERSION").write_text("15\n")
    for name in ("postgresql.conf", "pg_hba.conf"):
        os.chown(directory / name, POSTGRES.pw_uid, POSTGRES.pw_gid)
        os.chmod(directory / name, 0o640)
    yield directory
    bootstate.remove(STARTED)


def params(directory, **more):
    values = {"vip": VIP, "node_addresses": "xcatmn1=%s xcatmn2=192.0.2.11" % STATIC,
              "config_dir": str(directory)}
    values.update(more)
    return values


@pytest.fixture(scope="module")
def run(ocf_agent):
    """``run(action, directory, interval_ms=10000, extra=None, **params)``: the agent on
    node xcatmn1 with the configuration in ``directory``."""
    def run_on_xcatmn1(action, directory, interval_ms=10000, extra=None, **more):
        env = {"OCF_RESKEY_CRM_meta_on_node": "xcatmn1"}
        env.update(extra or {})
        return ocf_agent.run(AGENT, action, params(directory, **more), interval_ms=interval_ms,
                             extra=env)
    return run_on_xcatmn1


def snapshot(directory):
    """Bytes, inode and stat of every file, to prove what was (not) touched."""
    result = {}
    for name in sorted(os.listdir(directory)):
        path = os.path.join(directory, name)
        if os.path.isfile(path):
            status = os.stat(path)
            result[name] = (open(path, "rb").read(), status.st_ino, status.st_mode,
                            status.st_uid, status.st_gid)
    return result


def test_launcher_is_the_generated_one(ocf_agent):
    assert open(ocf_agent.path(AGENT)).read() == install.launcher(AGENT)
    assert os.stat(ocf_agent.path(AGENT)).st_mode & 0o777 == 0o755
    assert install.AGENTS[AGENT] == "pgsql_conf"


def test_meta_data_validates_against_the_ocf_dtd(ocf_agent):
    meta = subprocess.run([ocf_agent.path(AGENT), "meta-data"], capture_output=True, check=True).stdout
    check = subprocess.run(["xmllint", "--noout", "--dtdvalid",
                            "/usr/share/resource-agents/ra-api-1.dtd", "-"], input=meta,
                           capture_output=True)
    assert check.returncode == 0, check.stderr
    for name in ("vip", "nic", "node_addresses", "config_dir", "hba_file", "conf_file",
                 "auth_method", "database", "user", "client_networks", "restart_postgresql"):
        assert b'name="%s"' % name.encode() in meta


def test_start_monitor_stop_cycle(config, run):
    before = snapshot(config)
    assert run("monitor", config, interval_ms=0).returncode == 7
    assert run("start", config).returncode == 0
    after = snapshot(config)
    for name in ("postgresql.conf", "pg_hba.conf"):
        assert after[name][2:] == before[name][2:], "mode, owner and group are kept"
        assert after[name + ".xcatha-orig"][0] == before[name][0]
        assert after[name + ".xcatha-orig"][2:] == before[name][2:]
    hba = (config / "pg_hba.conf").read_text()
    assert "host    all    all    %s/32    scram-sha-256\n" % VIP in hba
    assert "host    all    all    %s/32    scram-sha-256\n" % STATIC in hba
    assert hba.index(pgconf.BEGIN) < hba.index("\nlocal ")
    conf = (config / "postgresql.conf").read_text()
    assert conf.endswith("listen_addresses = 'localhost,%s,%s'\n%s\n" % (VIP, STATIC, pgconf.END))
    assert run("monitor", config).returncode == 0

    assert run("stop", config).returncode == 0
    restored = snapshot(config)
    for name in ("postgresql.conf", "pg_hba.conf"):
        assert restored[name][0] == before[name][0]
        assert restored[name][2:] == before[name][2:]
    assert run("monitor", config).returncode == 7
    assert run("stop", config).returncode == 0


def test_second_start_changes_nothing(config, run):
    assert run("start", config).returncode == 0
    first = snapshot(config)
    result = run("start", config)
    assert result.returncode == 0
    assert "already allow" in result.stderr
    assert snapshot(config) == first


def test_blocks_left_by_a_crash_are_not_running_after_the_reboot(config, run, exit_reason):
    # the node crashed while started: its local files keep the blocks, /run is new
    assert run("start", config).returncode == 0
    assert bootstate.load(STARTED) is not None
    started = snapshot(config)
    with open(STARTED, "w") as record:
        record.write("an-earlier-boot\n")
    probe = run("monitor", config, interval_ms=0)
    assert probe.returncode == 7, "Pacemaker would see the group active on 2 nodes"
    assert "not started since this node booted" in exit_reason(probe)
    bootstate.remove(STARTED)
    assert run("monitor", config, interval_ms=0).returncode == 7
    assert run("start", config).returncode == 0
    assert snapshot(config) == started
    assert run("monitor", config).returncode == 0


def test_stop_forgets_the_start(config, run):
    assert run("start", config).returncode == 0
    assert run("stop", config).returncode == 0
    assert not os.path.exists(STARTED)
    assert run("stop", config).returncode == 0


def test_backup_is_made_once(config, run):
    original = (config / "pg_hba.conf").read_bytes()
    assert run("start", config).returncode == 0
    assert run("stop", config).returncode == 0
    (config / "pg_hba.conf").write_bytes(original + b"host all all 10.9.9.9/32 md5\n")
    assert run("start", config).returncode == 0
    assert (config / "pg_hba.conf.xcatha-orig").read_bytes() == original


def test_monitor_tells_wrong_from_absent(config, run, exit_reason):
    assert run("start", config).returncode == 0
    result = run("monitor", config, node_addresses="xcatmn1=192.0.2.12")
    assert result.returncode == 1
    assert "not what this node needs" in exit_reason(result)
    hba = config / "pg_hba.conf"
    hba.write_text(pgconf.remove_block(hba.read_text()))
    result = run("monitor", config)
    assert result.returncode == 1
    assert str(hba) in exit_reason(result)


def test_admin_change_to_listen_addresses_is_merged_on_next_start(config, run):
    assert run("start", config).returncode == 0
    conf = config / "postgresql.conf"
    conf.write_text(conf.read_text().replace("#listen_addresses = 'localhost'",
                                             "listen_addresses = 'localhost,10.1.1.1'"))
    assert run("monitor", config).returncode == 1
    assert run("start", config).returncode == 0
    assert "listen_addresses = 'localhost,10.1.1.1,%s,%s'" % (VIP, STATIC) in conf.read_text()
    assert run("monitor", config).returncode == 0


def test_crlf_and_no_final_newline(config, run):
    (config / "pg_hba.conf").write_bytes(b"# mine\r\nlocal all all peer\r\nhost all all ::1/128 md5")
    (config / "postgresql.conf").write_bytes(b"listen_addresses = 'localhost'\r\nport = 5433")
    before = snapshot(config)
    assert run("start", config).returncode == 0
    hba = (config / "pg_hba.conf").read_bytes()
    assert hba.startswith(pgconf.BEGIN.encode() + b"\r\n")
    assert hba.endswith(pgconf.END.encode() + b"\r\n# mine\r\nlocal all all peer\r\n"
                        b"host all all ::1/128 md5")
    assert b"\n" not in hba.replace(b"\r\n", b"")
    assert (config / "postgresql.conf").read_bytes().startswith(
        b"listen_addresses = 'localhost'\r\nport = 5433\r\n" + pgconf.BEGIN.encode())
    assert run("monitor", config).returncode == 0
    assert run("stop", config).returncode == 0
    assert {k: v[0] for k, v in snapshot(config).items() if not k.endswith("orig")} == \
        {k: v[0] for k, v in before.items()}


def test_latin1_bytes_survive(config, run):
    conf = config / "postgresql.conf"
    original = b"# r\xe9glage de l'admin\nlisten_addresses = 'localhost'\n"
    conf.write_bytes(original)
    assert run("start", config).returncode == 0
    assert conf.read_bytes().startswith(original)
    assert run("stop", config).returncode == 0
    assert conf.read_bytes() == original


def include_sets_listen(config):
    (config / "extra.conf").write_text("listen_addresses = '*'\n")
    with open(config / "postgresql.conf", "a") as handle:
        handle.write("include 'extra.conf'\n")
    return "extra.conf, which sets listen_addresses"


def include_dir_sets_listen(config):
    (config / "conf.d").mkdir()
    (config / "conf.d" / "10-a.conf").write_text("work_mem = 4MB\n")
    (config / "conf.d" / "20-b.conf").write_text("include_if_exists = '../deep.conf'\n")
    (config / "deep.conf").write_text("LISTEN_ADDRESSES = localhost\n")
    with open(config / "postgresql.conf", "a") as handle:
        handle.write("include_dir = 'conf.d'\n")
    return "deep.conf, which sets listen_addresses"


def alter_system_sets_listen(config):
    (config / "postgresql.auto.conf").write_text("listen_addresses = '10.0.0.5'\n")
    return "ALTER SYSTEM RESET listen_addresses"


def two_listen_lines(config):
    with open(config / "postgresql.conf", "a") as handle:
        handle.write("listen_addresses = 'localhost'\nlisten_addresses = '*'\n")
    return "sets listen_addresses on lines"


def odd_quoting(config):
    with open(config / "postgresql.conf", "a") as handle:
        handle.write("listen_addresses = 'localhost  # forgot to close\n")
    return "cannot read the value of listen_addresses"


def hba_is_a_directory(config):
    os.unlink(config / "pg_hba.conf")
    (config / "pg_hba.conf").mkdir()
    return "cannot read"


def not_a_config_dir(config):
    os.unlink(config / "postgresql.conf")
    return "is not a PostgreSQL configuration directory"


@pytest.mark.parametrize("spoil, status", [
    (include_sets_listen, 6), (include_dir_sets_listen, 6), (alter_system_sets_listen, 6),
    (two_listen_lines, 6), (odd_quoting, 6), (hba_is_a_directory, 6),
    (not_a_config_dir, 6),
])
def test_bad_input_is_refused_and_files_are_untouched(config, spoil, status, run, exit_reason):
    reason = spoil(config)
    before = snapshot(config)
    result = run("start", config)
    assert result.returncode == status, result.stderr
    assert reason in exit_reason(result)
    assert "Traceback" not in result.stderr
    assert snapshot(config) == before
    assert run("validate-all", config).returncode == status


def test_missing_configuration_directory(tmp_path, run, exit_reason):
    missing = tmp_path / "absent"
    result = run("start", missing)
    assert result.returncode == 5
    assert "no PostgreSQL configuration on this node" in exit_reason(result)
    assert run("monitor", missing, interval_ms=0).returncode == 7
    assert run("stop", missing).returncode == 0


def test_trust_is_refused(config, run, exit_reason):
    result = run("start", config, auth_method="trust")
    assert result.returncode == 6
    assert "trust lets anyone" in exit_reason(result)
    assert run("monitor", config, interval_ms=0, auth_method="trust").returncode == 7
    assert run("stop", config, auth_method="trust").returncode == 0


@pytest.mark.parametrize("version, setting, method", [
    ("15", "", "scram-sha-256"),
    ("14", "", "scram-sha-256"),
    ("13", "", "md5"),
    ("9.6", "", "md5"),
    ("15", "password_encryption = md5\n", "md5"),
    ("13", "password_encryption = 'scram-sha-256'\n", "scram-sha-256"),
    ("10", "password_encryption = on\n", "md5"),
])
def test_auto_auth_method(config, version, setting, method, run):
    (config / "PG_VERSION").write_text(version + "\n")
    with open(config / "postgresql.conf", "a") as handle:
        handle.write(setting)
    assert run("start", config).returncode == 0
    assert "%s/32    %s\n" % (VIP, method) in (config / "pg_hba.conf").read_text()


def test_explicit_auth_database_user_and_client_networks(config, run):
    assert run("start", config, auth_method="md5", database="xcatdb", user="xcatadm",
               client_networks="198.51.100.0/24 2001:db8::/32").returncode == 0
    rules = pgconf.block_lines((config / "pg_hba.conf").read_text())[2:]
    assert rules == ["host    xcatdb    xcatadm    %s    md5" % network for network in
                     ("%s/32" % VIP, "%s/32" % STATIC, "198.51.100.0/24", "2001:db8::/32")]


@pytest.mark.parametrize("name, value", [
    ("vip", "192.0.2.300"), ("client_networks", "198.51.100.1/24"),
    ("client_networks", "198.51.100.0"), ("node_addresses", "xcatmn1"),
    ("database", "all\nhost all all 0.0.0.0/0 trust"), ("user", "a b"),
    ("config_dir", "relative/dir"), ("auth_method", "password"),
])
def test_bad_parameters(config, name, value, run, exit_reason):
    result = run("start", config, **{name: value})
    assert result.returncode == 6
    assert "parameter %s" % name in exit_reason(result)
    assert not (config / "pg_hba.conf.xcatha-orig").exists()


def test_debian_layout_follows_hba_file_and_data_directory(tmp_path, config, run):
    data = tmp_path / "var"
    data.mkdir()
    (data / "PG_VERSION").write_text("13\n")
    os.rename(config / "pg_hba.conf", tmp_path / "hba.conf")
    with open(config / "postgresql.conf", "a") as handle:
        handle.write("data_directory = '%s'\nhba_file = '%s'\n" % (data, tmp_path / "hba.conf"))
    assert run("start", config).returncode == 0
    assert "%s/32    md5" % VIP in (tmp_path / "hba.conf").read_text()


def test_node_name_picks_the_static_address(config, run):
    assert run("start", config, extra={"OCF_RESKEY_CRM_meta_on_node": "xcatmn2.example"}
               ).returncode == 0
    assert "'localhost,%s,192.0.2.11'" % VIP in (config / "postgresql.conf").read_text()


def test_static_address_from_nic(config, run):
    result = run("start", config, node_addresses="", nic="lo")
    assert result.returncode == 0, result.stderr
    assert "'localhost,%s,127.0.0.1'" % VIP in (config / "postgresql.conf").read_text()


def test_no_way_to_tell_the_static_address(config, run, exit_reason):
    result = run("start", config, node_addresses="")
    assert result.returncode == 2
    assert "cannot tell this node's static address" in exit_reason(result)
    result = run("start", config, node_addresses="", nic="xcpg-none0")
    assert result.returncode == 2
    assert "does not exist" in exit_reason(result)


def test_dry_run_changes_nothing(config, run):
    before = snapshot(config)
    result = run("start", config, extra={"XCATHA_DRY_RUN": "1"})
    assert result.returncode == 0
    assert "+listen_addresses = 'localhost,%s,%s'" % (VIP, STATIC) in result.stdout
    assert "would keep the original" in result.stdout
    assert "would record in %s that this boot's configuration is managed" % STARTED in result.stdout
    assert snapshot(config) == before
    assert not os.path.exists(STARTED)


def test_default_config_dir_on_this_debian_host():
    assert pgfiles.default_config_dir("debian") == "/etc/postgresql/15/main"


def test_numbered_subdirectories_sort_by_version(tmp_path):
    for version in ("9.6", "10", "15", "notes"):
        (tmp_path / version).mkdir()
    assert pgfiles.numbered_subdirectories(str(tmp_path), "data") == [
        str(tmp_path / v / "data") for v in ("15", "10", "9.6")]


def test_ocf_tester_passes(config, ocf_agent):
    command = ["ocf-tester", "-n", "pgsqlconf"]
    for name, value in params(config, nic="lo", node_addresses="").items():
        command += ["-o", "%s=%s" % (name, value)]
    result = subprocess.run(command + [ocf_agent.path(AGENT)], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "passed all tests" in result.stdout


def test_unreadable_file_gives_err_perm(tmp_path, exit_reason, ocf_agent):
    """Run as postgres (root reads everything) with a pg_hba.conf only root may read."""
    directory = tempfile.mkdtemp(prefix="xcpgsql-perm-")
    try:
        os.chmod(directory, 0o755)
        open(os.path.join(directory, "postgresql.conf"), "w").write("port = 5432\n")
        hba = os.path.join(directory, "pg_hba.conf")
        open(hba, "w").write("local all all peer\n")
        os.chmod(hba, 0o600)
        env = ["OCF_RESKEY_%s=%s" % item for item in params(directory, nic="lo",
                                                             node_addresses="").items()]
        result = subprocess.run(["runuser", "-u", "postgres", "--", "env", "-i"] + env
                                + [ocf_agent.path(AGENT), "start"], capture_output=True, text=True)
        assert result.returncode == 4
        assert exit_reason(result) == "cannot read %s: Permission denied" % hba
        assert open(hba).read() == "local all all peer\n"
    finally:
        shutil.rmtree(directory)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(generated=st.data())
def test_agent_properties_on_generated_files(pgsql_text, generated, run, exit_reason):
    """The real agent on generated files: start twice is start once, only the block
    is added, stop gives the original bytes back; or a refusal that touches nothing."""
    conf, hba = generated.draw(pgsql_text.conf_files), generated.draw(pgsql_text.hba_files)
    directory = tempfile.mkdtemp(prefix="xcpgsql-prop-")
    try:
        conf_path, hba_path = (os.path.join(directory, name)
                               for name in ("postgresql.conf", "pg_hba.conf"))
        original = {conf_path: conf.encode("utf-8", "surrogateescape"),
                    hba_path: hba.encode("utf-8", "surrogateescape")}
        for path, data in original.items():
            open(path, "wb").write(data)
        first = run("start", directory)
        if first.returncode != 0:
            assert first.returncode == 6 and ("listen_addresses" in exit_reason(first)
                                              or "include" in exit_reason(first))
            assert all(open(path, "rb").read() == data for path, data in original.items())
            return
        once = {path: open(path, "rb").read() for path in original}
        for path, data in once.items():
            pgsql_text.assert_only_the_block_was_added(
                original[path].decode("utf-8", "surrogateescape"),
                data.decode("utf-8", "surrogateescape"))
        assert run("start", directory).returncode == 0
        assert {path: open(path, "rb").read() for path in original} == once
        assert run("monitor", directory).returncode == 0
        assert run("stop", directory).returncode == 0
        assert {path: open(path, "rb").read() for path in original} == original
    finally:
        shutil.rmtree(directory)


def test_python36_compatible_and_light_at_import(ocf_agent):
    """RHEL 8 and SLES 15 run agents under Python 3.6; the monitor path imports
    neither re nor subprocess nor ipaddress."""
    import sys
    vermin = os.path.join(os.path.dirname(sys.executable), "vermin")
    runtime = os.path.dirname(pgconf.__file__)
    paths = [os.path.join(runtime, name) for name in ("pgconf.py", "pgfiles.py", "pgserver.py")]
    paths.append(pgsql_conf.__file__)
    result = subprocess.run([vermin, "-t=3.6-", "--no-tips", "--violations"] + paths,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
    code = ("import sys; sys.path.insert(0, %r); import xcatha_ocf.agents.pgsql_conf; "
            "print(' '.join(sys.modules))" % os.path.dirname(os.path.dirname(ocf_agent.path(AGENT))))
    loaded = subprocess.run(["/usr/bin/python3", "-IS", "-c", code], capture_output=True,
                            text=True, check=True).stdout.split()
    assert not {"os", "re", "subprocess", "ipaddress", "shutil", "signal"} & set(loaded)


# -- files that cannot be written, damaged blocks, changed parameters (issue 14) -----------------

def immutable(path):
    """chattr +i, or skip where the filesystem has no such attribute."""
    if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
        pytest.skip("no immutable attribute on this filesystem")
    return lambda: subprocess.run(["chattr", "-i", str(path)], check=True)


def test_an_immutable_pg_hba_conf_changes_neither_file(config, run, exit_reason):
    undo = immutable(config / "pg_hba.conf")
    try:
        before = snapshot(config)
        validated = run("validate-all", config)
        assert validated.returncode == 4
        hba = config / "pg_hba.conf"
        assert exit_reason(validated) == ("cannot write %s: Operation not permitted (immutable: "
                                          "chattr -i %s)" % (hba, hba))
        started = run("start", config)
        assert started.returncode == 4 and "Traceback" not in started.stderr
        assert exit_reason(started).startswith("cannot write %s: Operation not permitted"
                                               % (config / "pg_hba.conf"))
        assert snapshot(config) == before        # postgresql.conf too, and no backups
        assert run("monitor", config, interval_ms=0).returncode == 7
    finally:
        undo()


def test_a_file_owned_by_another_user_is_refused_before_anything_changes(tmp_path, exit_reason,
                                                                         ocf_agent):
    """Run as postgres: postgresql.conf is theirs, pg_hba.conf root's (readable)."""
    directory = tempfile.mkdtemp(prefix="xcpgsql-owner-")
    try:
        os.chmod(directory, 0o777)
        conf, hba = (os.path.join(directory, name) for name in ("postgresql.conf", "pg_hba.conf"))
        open(conf, "w").write("port = 5432\n")
        os.chown(conf, POSTGRES.pw_uid, POSTGRES.pw_gid)
        open(hba, "w").write("local all all peer\n")
        before = snapshot(directory)
        env = ["OCF_RESKEY_%s=%s" % item for item in params(directory, nic="lo",
                                                             node_addresses="").items()]
        result = subprocess.run(["runuser", "-u", "postgres", "--", "env", "-i"] + env
                                + [ocf_agent.path(AGENT), "start"], capture_output=True, text=True)
        assert result.returncode == 4, result.stderr
        assert exit_reason(result) == "cannot write %s: Permission denied" % hba
        assert snapshot(directory) == before
    finally:
        shutil.rmtree(directory)


def damage(path, how):
    """Spoil the managed block of ``path`` the way ``how`` says."""
    lines = open(path).read().split("\n")
    if how == "no END":
        lines.remove(pgconf.END)
    elif how == "no BEGIN":
        lines.remove(pgconf.BEGIN)
    else:   # a second BEGIN, as a copy-paste might leave
        lines.insert(0, pgconf.BEGIN)
    open(path, "w").write("\n".join(lines))


@pytest.mark.parametrize("name", ["postgresql.conf", "pg_hba.conf"])
@pytest.mark.parametrize("how", ["no END", "no BEGIN", "two BEGIN"])
def test_a_damaged_block_is_handled_the_same_in_both_files(config, name, how, run, exit_reason):
    original = snapshot(config)
    assert run("start", config).returncode == 0
    path = config / name
    damage(path, how)
    monitored = run("monitor", config)
    assert monitored.returncode == 1                     # a failure: Pacemaker restarts it
    assert exit_reason(monitored).startswith("%s has a damaged xcatha-ocf managed block" % path)
    stopped = run("stop", config)
    assert stopped.returncode == 0, stopped.stderr        # never a failed stop over a text file
    assert "%s has a damaged" % path in stopped.stderr
    assert {n: v[0] for n, v in snapshot(config).items() if not n.endswith(pgconf.BACKUP_SUFFIX)} \
        == {n: v[0] for n, v in original.items()}         # our lines gone, the admin's kept
    assert run("start", config).returncode == 0
    damage(path, how)
    assert run("start", config).returncode == 0            # start repairs, then writes a fresh block
    assert run("monitor", config).returncode == 0
    assert VIP not in pgconf.remove_block(open(path).read())   # no stray line of ours is left


def test_stop_of_an_unwritable_file_succeeds_and_reports_it(config, run):
    assert run("start", config).returncode == 0
    undo = immutable(config / "postgresql.conf")
    try:
        stopped = run("stop", config)
        assert stopped.returncode == 0
        assert "cannot write %s: Operation not permitted" % (config / "postgresql.conf") \
            in stopped.stderr
        assert bootstate.load(STARTED) is None
    finally:
        undo()
    assert run("start", config).returncode == 0 and run("stop", config).returncode == 0


def test_stop_cleans_the_files_start_changed_after_the_parameters_changed(config, tmp_path, run):
    """pcs resource update config_dir=...: the stop Pacemaker runs may carry the new
    value; the old files must not keep the VIP."""
    other = tmp_path / "other"
    shutil.copytree(config, other)
    original = open(config / "pg_hba.conf").read()
    assert run("start", config).returncode == 0
    assert VIP in open(config / "pg_hba.conf").read()
    assert run("stop", other).returncode == 0
    assert open(config / "pg_hba.conf").read() == original
