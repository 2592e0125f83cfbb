"""The lab's fence agent (cluster-lab/node/fence_xcatlab) speaking the fence-agents
protocol against a fence directory, with this test playing the host's watcher."""

import os
import subprocess
import threading
import time

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
AGENT = os.path.join(REPO, "cluster-lab", "node", "fence_xcatlab")


@pytest.fixture
def fence_dir(tmp_path):
    for sub in ("requests", "done", "state"):
        (tmp_path / sub).mkdir()
    (tmp_path / "state" / "xcatmn1").write_text("on\n")
    (tmp_path / "state" / "xcatmn2").write_text("off\n")
    (tmp_path / "heartbeat").write_text("1\n")
    return tmp_path


def fence(fence_dir, stdin=None, args=()):
    return subprocess.run([AGENT] + list(args), input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, env={"XCATLAB_FENCE_DIR": str(fence_dir), "PATH": "/usr/bin:/bin"},
                          timeout=30)


def answer_requests(fence_dir, result="ok"):
    """The host watcher's part: answer the first request that appears, return its text."""
    seen = []

    def watch():
        deadline = time.time() + 10
        while time.time() < deadline and not seen:
            for name in os.listdir(str(fence_dir / "requests")):
                if not name.startswith("."):
                    seen.append((fence_dir / "requests" / name).read_text().strip())
                    (fence_dir / "done" / name).write_text(result + "\n")
                    os.unlink(str(fence_dir / "requests" / name))
            time.sleep(0.05)

    thread = threading.Thread(target=watch)
    thread.start()
    return thread, seen


def test_metadata_is_valid_xml_naming_the_actions_pacemaker_needs(fence_dir, tmp_path):
    result = fence(fence_dir, "action=metadata\n")
    assert result.returncode == 0
    lint = subprocess.run(["xmllint", "--noout", "-"], input=result.stdout, universal_newlines=True)
    assert lint.returncode == 0
    for action in ("off", "reboot", "status", "list", "monitor", "metadata"):
        assert '<action name="%s"' % action in result.stdout
    assert '<parameter name="plug"' in result.stdout


def test_list_and_status_report_the_power_state_the_watcher_publishes(fence_dir):
    assert fence(fence_dir, "action=list\n").stdout == "xcatmn1,\nxcatmn2,\n"
    assert fence(fence_dir, "action=status\nport=xcatmn1\n").returncode == 0
    off = fence(fence_dir, args=["--action=status", "--plug=xcatmn2"])
    assert (off.returncode, off.stdout) == (2, "Status: OFF\n")


def test_reboot_is_a_request_the_watcher_carries_out(fence_dir):
    thread, seen = answer_requests(fence_dir)
    result = fence(fence_dir, "action=reboot\nplug=xcatmn2\nnodename=xcatmn2\n")
    thread.join()
    assert seen == ["xcatmn2 reboot"]
    assert result.returncode == 0, result.stderr
    assert os.listdir(str(fence_dir / "done")) == []


def test_a_failed_request_fails_the_fencing(fence_dir):
    thread, _ = answer_requests(fence_dir, result="failed")
    result = fence(fence_dir, "action=off\nplug=xcatmn1\n")
    thread.join()
    assert result.returncode == 1
    assert "not confirmed" in result.stderr


def test_without_a_live_watcher_monitor_and_fencing_fail(fence_dir):
    old = time.time() - 60
    os.utime(str(fence_dir / "heartbeat"), (old, old))
    assert fence(fence_dir, "action=monitor\n").returncode == 1
    result = fence(fence_dir, "action=reboot\nplug=xcatmn1\n")
    assert result.returncode == 1
    assert "watcher" in result.stderr
    assert os.listdir(str(fence_dir / "requests")) == []


def test_unknown_node_is_refused(fence_dir):
    result = fence(fence_dir, "action=off\nplug=xcatmn9\n")
    assert result.returncode == 1
    assert "xcatmn9" in result.stderr
