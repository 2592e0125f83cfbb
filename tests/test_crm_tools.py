"""The generated configuration, proven with Pacemaker's own tools: pcs and crmsh
build the same CIB as the XML output, crm_verify accepts every one, and
crm_simulate shows the manual and automatic policies behave as promised."""

import os
import subprocess

import pytest
from xcatha_ocf.crm.command import main_config
from xcatha_ocf.crm.render import render

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE = os.path.join(REPO, "crm", "site.example.yaml")
GROUP_MEMBERS = ("xcat-shared", "xcat-vip", "xcat-pgsql-conf", "xcat-services")
BASE_CIB = """<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0"
 admin_epoch="0"><configuration><crm_config/><nodes><node id="1" uname="xcatmn1"/>
<node id="2" uname="xcatmn2"/></nodes><resources/><constraints/></configuration><status/></cib>
"""

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root for mount namespaces")


def config_for(policy):
    return main_config([EXAMPLE, "--policy", policy])


def write(path, text):
    with open(path, "w") as handle:
        handle.write(text)
    return path


def read(path):
    with open(path) as handle:
        return handle.read()


@pytest.fixture(scope="module", params=["manual", "automatic"])
def built(request, crm_agent_root, tmp_path_factory):
    """The CIB each output format produces, for one policy."""
    policy = request.param
    config = config_for(policy)
    work = tmp_path_factory.mktemp("crm-" + policy)
    cibs = {"xml": write(str(work / "xml.xml"), render(config, "xml"))}

    script = write(str(work / "xcat.sh"), render(config, "pcs"))
    cibs["pcs"] = write(str(work / "pcs.xml"), BASE_CIB)
    result = crm_agent_root.run(["sh", script, cibs["pcs"]])
    assert result.returncode == 0, result.stderr

    crm_text = write(str(work / "xcat.crm"), render(config, "crmsh"))
    cibs["crmsh"] = write(str(work / "crmsh.xml"), BASE_CIB)
    result = crm_agent_root.run(["crm", "configure", "load", "update", crm_text],
                        env={"CIB_file": cibs["crmsh"]})
    assert result.returncode == 0 and "ERROR" not in result.stdout + result.stderr, \
        result.stdout + result.stderr
    return policy, work, cibs


@pytest.fixture(scope="module")
def without_nodes(crm_tools):
    """``without_nodes(cib_text)``: the normalized configuration without node entries."""
    return lambda cib_text: crm_tools.normalized(cib_text).replace(
        '  <nodes>\n    <node id="1" uname="xcatmn1"/>\n    <node id="2" uname="xcatmn2"/>\n'
        '  </nodes>\n', "  <nodes/>\n")


def test_pcs_crmsh_and_xml_describe_the_same_configuration(built, without_nodes):
    _, _, cibs = built
    reference = without_nodes(read(cibs["xml"]))
    assert "xcat-group" in reference
    assert without_nodes(read(cibs["pcs"])) == reference
    assert without_nodes(read(cibs["crmsh"])) == reference


def crm_verify(path):
    return subprocess.run(["crm_verify", "--xml-file", path, "-V"], capture_output=True,
                          text=True, timeout=60)


def test_crm_verify_accepts_every_generated_cib(built, crm_tools):
    _, work, cibs = built
    result = crm_verify(cibs["xml"])
    assert result.returncode == 0, result.stderr
    for name in ("pcs", "crmsh"):
        # with both nodes online, so node state warnings cannot hide a real problem
        online = str(work / ("%s-online.xml" % name))
        crm_tools.simulate(cibs[name], online, "--node-up", "xcatmn1", "--node-up", "xcatmn2")
        result = crm_verify(online)
        assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def group_places(crm_tools):
    """``group_places(cib_path)``: the set of nodes the group's members run on."""
    def places(cib_path):
        placement = crm_tools.placement(cib_path)
        return {placement[member] for member in GROUP_MEMBERS}
    return places


def prefer(cib_path, node):
    """What pcs resource move-with-constraint does: a cli-prefer constraint."""
    subprocess.run(["crm_resource", "--resource", "xcat-group", "--move", "--node", node],
                   env=dict(os.environ, CIB_file=cib_path), check=True, capture_output=True)


def clear(cib_path):
    subprocess.run(["crm_resource", "--resource", "xcat-group", "--clear"],
                   env=dict(os.environ, CIB_file=cib_path), check=True, capture_output=True)


def steps(simulate, work, start):
    """Numbered simulation files: each step reads the last one's output."""
    state = {"current": start, "n": 0}

    def step(*options):
        state["n"] += 1
        out = str(work / ("step%d.xml" % state["n"]))
        transition = simulate(state["current"], out, *options)
        state["current"] = out
        return out, transition
    return step


@pytest.fixture
def cib_for(built, tmp_path, crm_tools):
    policy, _, cibs = built
    return policy, steps(crm_tools.simulate, tmp_path, cibs["pcs"])


def test_manual_group_is_never_placed_by_the_cluster(cib_for, group_places):
    policy, step = cib_for
    online, _ = step("--node-up", "xcatmn1", "--node-up", "xcatmn2")
    if policy == "manual":
        assert group_places(online) == {None}
    else:
        assert len(group_places(online)) == 1 and None not in group_places(online)


def running_on_xcatmn1(step, group_places):
    """Both nodes up and the group running on xcatmn1, placed there by the admin
    (manual) or by the cluster, nudged with a cli-prefer if needed (automatic)."""
    online, _ = step("--node-up", "xcatmn1", "--node-up", "xcatmn2")
    if group_places(online) == {"xcatmn1"}:
        return online
    prefer(online, "xcatmn1")
    running, _ = step()
    assert group_places(running) == {"xcatmn1"}
    clear(running)
    settled, _ = step()
    assert group_places(settled) == {"xcatmn1"}, "a cleared constraint must not move the group"
    return settled


def test_failure_of_the_active_node(cib_for, group_places):
    policy, step = cib_for
    running_on_xcatmn1(step, group_places)

    failed, transition = step("--node-fail", "xcatmn1")
    assert "Fence (reboot) xcatmn1" in transition
    after, _ = step()
    if policy == "manual":
        assert group_places(after) == {None}, "manual: nothing starts on the survivor"
    else:
        assert group_places(after) == {"xcatmn2"}, "automatic: failover after fencing"


def test_move_to_the_other_node_and_stay_there(cib_for, group_places):
    policy, step = cib_for
    running = running_on_xcatmn1(step, group_places)
    prefer(running, "xcatmn2")
    moved, _ = step()
    assert group_places(moved) == {"xcatmn2"}
    clear(moved)
    stays, _ = step()
    assert group_places(stays) == {"xcatmn2"}


def summary(transition):
    """The "Transition Summary" lines of crm_simulate's report, spaces squeezed."""
    text = transition.split("Transition Summary:")[1].split("Executing Cluster Transition")[0]
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def test_a_failed_monitor_restarts_in_place_and_a_failed_stop_fences(cib_for, group_places):
    policy, step = cib_for
    running_on_xcatmn1(step, group_places)
    _, transition = step("--op-inject", "xcat-vip_monitor_10000@xcatmn1=7")
    assert "* Recover xcat-vip ( xcatmn1 )" in summary(transition)
    assert not [line for line in summary(transition) if "xcatmn2" in line]
    step("--op-inject", "xcat-vip_monitor_10000@xcatmn1=7",
         "--op-fail", "xcat-vip_stop_0@xcatmn1=1")
    _, transition = step()
    assert "* Fence (reboot) xcatmn1 'xcat-vip failed there'" in summary(transition)


def test_without_fencing_a_failed_stop_blocks_instead_of_fencing(tmp_path, group_places, crm_tools):
    config = main_config([EXAMPLE, "--fence", "xcatmn1=none", "--fence", "xcatmn2=none",
                          "--no-fencing"], warn=lambda message: None)
    cib = write(str(tmp_path / "nofence.xml"), render(config, "xml"))
    assert crm_verify(cib).returncode == 0
    step = steps(crm_tools.simulate, tmp_path, cib)
    running_on_xcatmn1(step, group_places)
    step("--op-inject", "xcat-vip_monitor_10000@xcatmn1=7",
         "--op-fail", "xcat-vip_stop_0@xcatmn1=1")
    after, transition = step()
    assert not [line for line in summary(transition) if "Fence" in line]
    places = crm_tools.placement(after)
    assert places["xcat-shared"] == "xcatmn1" and places["xcat-services"] is None
    assert "(blocked)" in transition


def test_a_stray_service_on_the_passive_node_is_stopped_there_only(cib_for, group_places):
    """xcatd started by hand on xcatmn2 while the group runs on xcatmn1: the Stopped-role
    monitor finds it and Pacemaker stops that copy, and nothing on xcatmn1 restarts."""
    policy, step = cib_for
    running_on_xcatmn1(step, group_places)
    _, transition = step("--op-inject", "xcat-services_monitor_31000@xcatmn2=0")
    actions = " ".join(transition.split())
    assert summary(transition) == ["* Restart xcat-services ( xcatmn1 )"]   # a pseudo restart:
    assert "xcat-services stop on xcatmn2" in actions
    assert "xcat-services stop on xcatmn1" not in actions          # nothing stops there,
    assert "xcat-services start on xcatmn1" not in actions         # nothing starts again


def test_a_stray_vip_on_the_passive_node_is_removed_there(cib_for, group_places, crm_tools):
    """The VIP added by hand on xcatmn2: its Stopped-role monitor finds it and Pacemaker
    removes it there (2.1.5 also restarts the members after the VIP on xcatmn1)."""
    policy, step = cib_for
    running_on_xcatmn1(step, group_places)
    _, transition = step("--op-inject", "xcat-vip_monitor_11000@xcatmn2=0")
    actions = " ".join(transition.split())
    assert "xcat-vip stop on xcatmn2" in actions and "xcat-vip stop on xcatmn1" not in actions
    after, _ = step()
    assert crm_tools.placement(after)["xcat-vip"] == "xcatmn1"
