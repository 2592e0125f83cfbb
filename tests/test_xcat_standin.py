"""The xCAT STAND-IN against a real PostgreSQL: it must fail where xcatd would
(bad credentials, no listener at the cfgloc host) and its commands must keep
the names, options, exit codes and effects xcat-services relies on."""

import os
import subprocess

import pytest

from standin_env import (free_port, postgres, start_xcatd, stop_process, xcat,  # noqa: F401
                         xcat_root)


@pytest.fixture(scope="module")
def xcatd(xcat_root):
    port = free_port()
    process = start_xcatd(xcat_root, [port, free_port()])
    assert process.poll() is None, process.communicate()
    yield xcat_root, port
    stop_process(process)


def read(root, name):
    with open(os.path.join(root, name.lstrip("/"))) as handle:
        return handle.read()


def units_dir(root):
    return os.path.join(root, "systemd")


def set_active(root, unit, active):
    marker = os.path.join(units_dir(root), unit + ".active")
    if active:
        open(marker, "w").close()
    elif os.path.exists(marker):
        os.unlink(marker)


def test_lsxcatd_reports_the_database_from_cfgloc(xcatd):
    root, port = xcatd
    result = xcat(root, port, "lsxcatd", "-a")
    assert result.returncode == 0, result.stderr
    assert "dbengine=Pg\ndbname=xcatdb\ndbhost=127.0.0.1\ndbadmin=xcatadm\n" in result.stdout
    assert xcat(root, port, "lsxcatd", "-v").stdout.startswith("Version 2.16.5 (xcatha-ocf stand-in")


def test_commands_fail_like_xcat_when_xcatd_is_down(xcat_root):
    result = xcat(xcat_root, free_port(), "lsxcatd", "-a")
    assert result.returncode == 1
    assert "Unable to open socket connection to xcatd daemon" in result.stderr


def test_xcatd_refuses_to_start_with_a_wrong_password(xcat_root):
    cfgloc = os.path.join(xcat_root, "etc/xcat/cfgloc")
    good = read(xcat_root, "etc/xcat/cfgloc")
    try:
        with open(cfgloc, "w") as handle:
            handle.write(good.replace("|standin-pw", "|wrong"))
        process = start_xcatd(xcat_root, [free_port()])
        assert process.wait(timeout=20) == 1
        assert "password authentication failed" in process.communicate()[1]
    finally:
        with open(cfgloc, "w") as handle:
            handle.write(good)


def test_xcatd_refuses_to_start_when_nothing_listens_at_the_cfgloc_host(xcat_root):
    cfgloc = os.path.join(xcat_root, "etc/xcat/cfgloc")
    good = read(xcat_root, "etc/xcat/cfgloc")
    try:
        with open(cfgloc, "w") as handle:
            handle.write(good.replace("host=127.0.0.1", "host=127.0.0.2"))
        process = start_xcatd(xcat_root, [free_port()])
        assert process.wait(timeout=20) == 1
        assert "127.0.0.2" in process.communicate()[1]
    finally:
        with open(cfgloc, "w") as handle:
            handle.write(good)


def test_lsdef_chdef_and_chtab_edit_the_database(xcatd):
    root, port = xcatd
    site = xcat(root, port, "lsdef", "-t", "site", "-i", "domain", "-c")
    assert site.stdout == "clustersite: domain=cluster.lab\n"
    network = "127_0_0_0-255_0_0_0"
    assert xcat(root, port, "chdef", "-t", "network", "-o", network, "mgtifname=lo:0").returncode == 0
    listed = xcat(root, port, "lsdef", "-t", "network", "-i", "net,mask,mgtifname", "-c").stdout
    assert listed == ("%s: net=127.0.0.0\n%s: mask=255.0.0.0\n%s: mgtifname=lo:0\n"
                      % (network, network, network))
    assert xcat(root, port, "chtab", "net=127.0.0.0", "networks.mgtifname=lo").returncode == 0
    assert "mgtifname=lo\n" in xcat(root, port, "lsdef", "-t", "network", "-c").stdout
    missing = xcat(root, port, "lsdef", "-t", "network", "-o", "nosuchnet")
    assert missing.returncode == 1 and "Could not find an object named 'nosuchnet'" in missing.stderr


def test_makedns_writes_the_zone_and_restarts_named(xcatd):
    root, port = xcatd
    result = xcat(root, port, "makedns", "-n")
    assert result.returncode == 0, result.stderr
    zone = read(root, "var/lib/bind/db.cluster.lab")
    assert "cn3 IN A 127.0.0.103\n" in zone
    assert 'file "/var/lib/bind/db.cluster.lab";' in read(root, "etc/bind/named.conf.local")
    assert "restart named" in read(root, "systemd/calls")
    checked = subprocess.run(["named-checkzone", "cluster.lab",
                              os.path.join(root, "var/lib/bind/db.cluster.lab")],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout


def test_makedhcp_n_writes_subnets_and_a_needs_a_running_server(xcatd):
    root, port = xcatd
    set_active(root, "isc-dhcp-server", False)
    assert xcat(root, port, "makedhcp", "-n").returncode == 0
    assert "subnet 127.0.0.0 netmask 255.0.0.0 {" in read(root, "etc/dhcp/dhcpd.conf")
    assert 'INTERFACESv4="lo"' in read(root, "etc/default/isc-dhcp-server")
    set_active(root, "isc-dhcp-server", False)
    refused = xcat(root, port, "makedhcp", "-a")
    assert refused.returncode == 1 and "isc-dhcp-server is not running" in refused.stderr
    set_active(root, "isc-dhcp-server", True)
    assert xcat(root, port, "makedhcp", "-a").returncode == 0
    assert "host cn2 { hardware ethernet 52:54:00:00:00:02; fixed-address 127.0.0.102; }" in read(
        root, "etc/dhcp/xcat-standin-hosts.conf")


def test_console_commands(xcatd):
    root, port = xcatd
    assert xcat(root, port, "makeconservercf").returncode == 0
    assert "console cn5 { type exec;" in read(root, "etc/conserver/conserver.cf")
    refused = xcat(root, port, "makegocons")
    assert refused.returncode == 1 and "goconserver is not running" in refused.stderr


def test_delay_from_the_environment_slows_the_make_commands(xcatd):
    import time
    root, port = xcatd
    began = time.monotonic()
    assert xcat(root, port, "makedns", "-n", XCAT_STANDIN_DELAY="0.6").returncode == 0
    assert time.monotonic() - began >= 0.6


def test_install_sh_lays_out_the_standin(tmp_path):
    from standin_env import STANDIN
    result = subprocess.run([os.path.join(STANDIN, "install.sh"), str(tmp_path)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    lib = "/opt/xcat/lib/xcat-standin/xcatstandin.py"
    assert os.access(str(tmp_path) + lib, os.X_OK)
    assert os.readlink(str(tmp_path / "opt/xcat/sbin/xcatd")) == lib
    assert os.readlink(str(tmp_path / "usr/bin/makedhcp")) == "/opt/xcat/bin/makedhcp"
    assert os.readlink(str(tmp_path / "opt/xcat/bin/makedhcp")) == lib
    unit = (tmp_path / "lib/systemd/system/xcatd.service").read_text()
    assert "ExecStart=/opt/xcat/sbin/xcatd\n" in unit and "STAND-IN" in unit
    (tmp_path / "etc/xcat/standin.conf").write_text("makedns=9\n")
    subprocess.run([os.path.join(STANDIN, "install.sh"), str(tmp_path)], check=True,
                   capture_output=True)
    assert (tmp_path / "etc/xcat/standin.conf").read_text() == "makedns=9\n"
