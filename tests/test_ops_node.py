"""xcatha node prepare on a FAKE systemd (this host has none; the lab runs the real
one): the exact commands, and Debian's start.conf switch on real files."""

import io

import pytest

from xcatha_ocf.ops import node
from xcatha_ocf.runtime import pgfiles
from xcatha_ocf.runtime.runner import Runner

QUERY = ("systemctl show --no-pager -p Id,LoadState,ActiveState,SubState,UnitFileState -- "
         "postgresql xcatd named isc-dhcp-server conserver-server goconserver "
         "postgresql@15-main")


@pytest.fixture
def debian_node(tmp_path, monkeypatch, systemd_host, fake_executor):
    """A Debian node with cluster 15/main (start.conf auto) and xCAT's units enabled;
    returns (run prepare -> (rc, output), the fake host, the executor, start.conf)."""
    clusters = tmp_path / "etc-postgresql"
    start_conf = clusters / "15" / "main" / "start.conf"
    start_conf.parent.mkdir(parents=True)
    start_conf.write_text("# Automatic startup configuration\nauto\n")
    monkeypatch.setattr(node, "DEBIAN_CLUSTERS", str(clusters))
    monkeypatch.setattr(pgfiles, "START_CONF", str(clusters / "%s" / "%s" / "start.conf"))
    host = systemd_host(["postgresql", "xcatd", "named", "isc-dhcp-server", "conserver-server",
                         "postgresql@15-main", "chrony"], enabled="enabled")
    executor = fake_executor(host.respond)

    def prepare(dry_run=False):
        out = io.StringIO()
        rc = node.prepare(Runner(executor, dry_run=dry_run, out=out), out, family="debian")
        return rc, out.getvalue()
    return prepare, host, executor, start_conf


def test_prepare_disables_the_units_and_sets_the_cluster_to_manual(debian_node):
    prepare, host, executor, start_conf = debian_node
    rc, out = prepare()
    assert rc == 0
    assert executor.lines() == [
        QUERY, "systemctl disable postgresql xcatd named isc-dhcp-server conserver-server "
        "postgresql@15-main", "systemctl daemon-reload"]
    assert start_conf.read_text() == "# Automatic startup configuration\nmanual\n"
    assert host.units["chrony"][1] == "enabled"          # the time service is left alone
    assert out.startswith("disabled at boot: postgresql, xcatd")


def test_prepare_twice_changes_nothing_the_second_time(debian_node):
    prepare, _, executor, _ = debian_node
    prepare()
    executor.commands[:] = []
    rc, out = prepare()
    assert rc == 0 and executor.lines() == [QUERY]
    assert out == "nothing of xCAT starts at boot on this node\n"


def test_prepare_dry_run_changes_nothing(debian_node):
    prepare, host, executor, start_conf = debian_node
    rc, out = prepare(dry_run=True)
    assert rc == 0 and executor.lines() == [QUERY]
    assert "dry-run: would run: systemctl disable postgresql xcatd" in out
    assert "-auto\n+manual" in out
    assert start_conf.read_text().endswith("auto\n") and host.units["xcatd"][1] == "enabled"
