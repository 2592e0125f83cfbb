"""The fakes of tests/fakes answer as cluster-lab/xcat/NOTES.md measured real xCAT 2.19.0
to answer: the exit codes, the output the agent reads, the units xCAT restarts by itself.
They stand in for xCAT only on this host; the cluster lab runs the real one."""

import os
import signal
import time

from xcatha_ocf.runtime import xcat


def started_xcatd(fake_node):
    """Start the fake xcatd, wait until it answers (as the agent does); its PID."""
    result = fake_node.run("systemctl", "start", "xcatd")
    assert result.returncode == 0, result.stderr
    deadline = time.monotonic() + 10
    while xcat.xcatd_silence(fake_node.port, 1) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert xcat.xcatd_silence(fake_node.port, 1) is None
    return fake_node.main_pid("xcatd")


def test_every_command_exits_111_while_xcatd_is_down(fake_node):
    for argv in (["lsxcatd", "-a"], ["makedns", "-n"], ["makedhcp", "-n"]):
        result = fake_node.run(*argv)
        assert result.returncode == 111
        assert result.stdout.startswith("Unable to open socket connection to xcatd daemon on "
                                        "localhost:%d." % fake_node.port)
        assert "Connection failure: IO::Socket::INET: connect: Connection refused" in result.stderr


def test_xcatd_answers_a_client_hello_unless_it_is_stopped(fake_node):
    xcatd = started_xcatd(fake_node)
    os.kill(xcatd, signal.SIGSTOP)
    try:
        silence = xcat.xcatd_silence(fake_node.port, 1)
    finally:
        os.kill(xcatd, signal.SIGCONT)
    assert "no TLS handshake within 1s" in silence


def test_lsdef_answers_object_attr_lines_and_chdef_edits_them(fake_node):
    started_xcatd(fake_node)
    changed = fake_node.run("chdef", "-t", "network", "-o", "127_0_0_0-255_0_0_0",
                            "mgtifname=lo:0")
    assert changed.stdout == "1 object definitions have been created or modified.\n"
    listed = fake_node.run("lsdef", "-t", "network", "-i", "net,mask,mgtifname", "-c")
    assert listed.returncode == 0
    assert listed.stdout == ("127_0_0_0-255_0_0_0: net=127.0.0.0\n127_0_0_0-255_0_0_0: "
                             "mask=255.0.0.0\n127_0_0_0-255_0_0_0: mgtifname=lo:0\n")
    assert "IPv6 support re-enabled" in listed.stderr
    missing = fake_node.run("chdef", "-t", "network", "-o", "10_0_0_0-255_0_0_0", "mgtifname=x")
    assert missing.returncode == 1
    assert "Net or mask value should not be empty" in missing.stderr


def test_makedns_without_site_domain_fails_and_leaves_named_alone(fake_node):
    fake_node.reset(site={"domain": ""})
    started_xcatd(fake_node)
    result = fake_node.run("makedns", "-n")
    assert result.returncode == 1
    assert result.stderr.endswith("]: domain not defined in site table\n")
    assert [call for call in fake_node.calls() if "named" in call] == []


def test_makedhcp_a_fails_while_dhcpd_is_stopped_and_makedhcp_n_restarts_it(fake_node):
    started_xcatd(fake_node)
    stopped = fake_node.run("makedhcp", "-a")
    assert stopped.returncode == 1
    assert "dhcp server is not running.  please start the dhcp server." in stopped.stderr
    regenerated = fake_node.run("makedhcp", "-n")
    assert regenerated.returncode == 0
    assert "No dynamic range specified for 127.0.0.0" in regenerated.stderr
    assert "restart isc-dhcp-server.service" in fake_node.calls()
    assert fake_node.run("makedhcp", "-a").returncode == 0
