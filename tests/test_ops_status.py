"""xcatha status on cluster states made by crm_simulate, read by the real crm_mon and cibadmin."""

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ElementTree

from xcatha_ocf.ops import cluster, status
from xcatha_ocf.runtime.runner import Runner


def describe(path):
    runner = Runner(env={"CIB_file": path})
    return status.describe(cluster.read_state(runner), cluster.read_configuration(runner))


def start_times(path, node):
    """last-rc-change of the group members' start operations in the CIB's status section."""
    root = ElementTree.parse(path).getroot()
    return [int(op.get("last-rc-change")) for state in root.iter("node_state") if state.get("uname") == node
            for op in state.iter("lrm_rsc_op")
            if op.get("operation") == "start" and op.get("id", "").startswith("xcat-shared_")]


def test_group_running_on_xcatmn1(cluster_states):
    report = describe(cluster_states["running_xcatmn1"])
    assert report["group"]["state"] == "started"
    assert report["group"]["node"] == "xcatmn1"
    assert [(item["id"], item["role"], item["nodes"]) for item in report["resources"]] == [
        ("xcat-shared", "Started", ["xcatmn1"]), ("xcat-vip", "Started", ["xcatmn1"]),
        ("xcat-pgsql-conf", "Started", ["xcatmn1"]), ("xcat-services", "Started", ["xcatmn1"])]
    assert report["vip"] == {"resource": "xcat-vip", "address": cluster_states.vip, "nodes": ["xcatmn1"]}
    change = report["group"]["last_change"]
    assert change["event"] == "started" and change["node"] == "xcatmn1"
    assert change["epoch"] == max(start_times(cluster_states["running_xcatmn1"], "xcatmn1"))
    assert [node["state"] for node in report["nodes"]] == ["online", "online"]
    assert report["failures"] == [] and report["warnings"] == []


def test_stopped_after_crash(cluster_states):
    report = describe(cluster_states["crashed_fenced"])
    assert report["group"]["state"] == "stopped" and report["group"]["node"] is None
    assert report["vip"]["nodes"] == []
    assert report["nodes"][0] == {"name": "xcatmn1", "state": "offline", "dc": True}
    # Fencing wiped xcatmn1's operation history: the time is unknown, not invented.
    assert report["group"]["last_change"] is None
    text = status.render(report)
    assert "xcat-group stopped" in text and "nobody (VIP down)" in text and "Last move: unknown" in text


def test_standby_offline_and_pending_nodes(cluster_states):
    assert [node["state"] for node in describe(cluster_states["standby_xcatmn2"])["nodes"]] == ["online", "standby"]
    assert [node["state"] for node in describe(cluster_states["offline_xcatmn2"])["nodes"]] == ["online", "offline"]
    # crm_mon calls this node online and in standby too; it is pending
    assert [node["state"] for node in describe(cluster_states["pacemaker_stopped_xcatmn2"])["nodes"]] == \
        ["online", "pending"]


def test_unclean_node_makes_the_group_state_unknown(cluster_states):
    report = describe(cluster_states["unclean_xcatmn1"])
    assert report["nodes"][0]["state"] == "UNCLEAN"
    assert report["group"] == dict(report["group"], state="unknown", node="xcatmn1")
    assert any("xcatmn1 is UNCLEAN" in warning for warning in report["warnings"])
    assert "(last known: that node is lost)" in status.render(report)


def test_failed_operation_with_exit_reason(cluster_states):
    report = describe(cluster_states["failed_monitor"])
    (failure,) = report["failures"]
    assert failure == dict(failure, resource="xcat-services", operation="monitor", interval_ms=30000,
                           node="xcatmn1", exit_code=1, exit_status="error", exit_reason=cluster_states.failed_reason)
    assert failure["time"].endswith("Z")
    # Pacemaker restarted that member in place: not a move of the group.
    assert report["group"]["state"] == "started"
    assert report["group"]["last_change"]["operation"] == "xcat-shared start"
    assert ("xcat-services monitor (every 30s) on xcatmn1 at %s: error (rc 1): %s"
            % (failure["time"], cluster_states.failed_reason)) in status.render(report)


def test_leftover_move_constraint_and_maintenance_are_flagged(cluster_states):
    warnings = describe(cluster_states["leftover_constraint"])["warnings"]
    assert any("cli-ban-xcat-group-on-xcatmn2" in warning and "pcs resource clear xcat-group" in warning
               for warning in warnings)
    assert any("maintenance mode" in warning for warning in describe(cluster_states["maintenance"])["warnings"])


def xcatha(args, cib):
    env = dict(os.environ, CIB_file=cib)
    return subprocess.run([sys.executable, "-m", "xcatha_ocf.cli"] + args, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)


def test_cli_json_and_exit_codes(cluster_states):
    result = xcatha(["status", "--json"], cluster_states["running_xcatmn1"])
    assert result.returncode == 0
    assert json.loads(result.stdout)["vip"]["nodes"] == ["xcatmn1"]
    assert xcatha(["status"], cluster_states["crashed_fenced"]).returncode == 3


def test_cli_plain_text_when_not_a_terminal(cluster_states):
    result = xcatha(["status"], cluster_states["running_xcatmn1"])
    assert "\033[" not in result.stdout
    assert "Group:     xcat-group started on xcatmn1" in result.stdout
    assert "xcat-vip         Started  xcatmn1  ocf:xcat:xcat-vip" in result.stdout


def test_colour_only_when_asked():
    report = {"cluster": {"dc": "a", "quorum": True, "stonith_enabled": True, "maintenance_mode": False},
              "nodes": [{"name": "a", "state": "online", "dc": True}],
              "group": {"id": "g", "state": "started", "node": "a", "last_change": None},
              "resources": [], "vip": None, "fencing": [], "failures": [], "warnings": []}
    assert "\033[32mstarted\033[0m" in status.render(report, colour=True)
    assert "\033[" not in status.render(report, colour=False)


def test_cluster_not_running_is_an_error_not_a_traceback(tmp_path):
    result = xcatha(["status"], str(tmp_path / "missing.xml"))
    assert result.returncode == 1
    assert result.stderr.startswith("xcatha status: ") and "Traceback" not in result.stderr


def test_disabled_member_is_flagged(cluster_states):
    report = describe(cluster_states["member_disabled"])
    assert report["group"]["state"] == "partial"
    assert "xcat-services is disabled (target-role=Stopped)" in report["warnings"]
