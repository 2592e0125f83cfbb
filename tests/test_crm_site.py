"""The site model, its error messages, the command line, and the apply flow's
exact commands (with an injected runner)."""

import io
import os

import pytest
import yaml

from xcatha_ocf import cli
from xcatha_ocf.errors import InputError
from xcatha_ocf.agents import agent_class
from xcatha_ocf.crm import config as crmconfig
from xcatha_ocf.crm.apply import apply_configuration
from xcatha_ocf.crm.command import main_config
from xcatha_ocf.crm.config import Configuration
from xcatha_ocf.crm.render import crm_quote, pcs_steps, render
from xcatha_ocf.crm.site import build_site
from xcatha_ocf.runtime.ocf import Action
from xcatha_ocf.runtime.runner import Result, Runner

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE = os.path.join(REPO, "crm", "site.example.yaml")


def example():
    with open(EXAMPLE) as handle:
        return yaml.safe_load(handle)


def error_for(data, **options):
    with pytest.raises(InputError) as caught:
        build_site(data, **options)
    return str(caught.value)


def test_example_site_builds_the_documented_group():
    config = Configuration(build_site(example()))
    assert [m.id for m in config.members] == ["xcat-shared", "xcat-vip", "xcat-pgsql-conf",
                                              "xcat-services"]
    assert [(l.resource, l.node, l.score) for l in config.locations] == [
        ("fence-xcatmn1", "xcatmn1", "-INFINITY"), ("fence-xcatmn2", "xcatmn2", "-INFINITY"),
        ("xcat-group", "xcatmn1", "-1"), ("xcat-group", "xcatmn2", "-1")]
    assert dict(config.group_meta)["resource-stickiness"] == "1000"
    assert dict(config.properties)["stonith-enabled"] == "true"


def test_derived_parameters_are_filled_in():
    config = Configuration(build_site(example()))
    params = {m.id: dict(m.params) for m in config.members}
    assert params["xcat-pgsql-conf"]["vip"] == "10.0.0.1"
    assert params["xcat-pgsql-conf"]["node_addresses"] == "xcatmn1=10.0.0.2 xcatmn2=10.0.0.3"
    assert params["xcat-services"]["mgtifname"] == "eth0:0"
    assert params["xcat-vip"] == {"ip": "10.0.0.1", "cidr_netmask": "24", "nic": "eth0",
                                  "iflabel": "0"}


def test_automatic_policy_has_no_location_scores_for_the_group():
    data = example()
    data["policy"] = "automatic"
    config = Configuration(build_site(data))
    assert [l.resource for l in config.locations] == ["fence-xcatmn1", "fence-xcatmn2"]


def test_ipmi_password_stays_out_of_the_cib():
    config = Configuration(build_site(example()))
    params = dict(config.fence_devices[0].params)
    assert params["password_script"] == "cat /etc/xcatha/bmc-xcatmn1.pw"
    assert "password" not in params and params["pcmk_host_list"] == "xcatmn1"


def test_vip_operations_come_from_the_agent_class():
    from xcatha_ocf.agents.vip import VirtualIP
    member = Configuration(build_site(example())).members[1]
    monitor = [a for a in VirtualIP.ACTIONS if a.name == "monitor"][0]
    ops = {(o.name, o.interval): o for o in member.ops}
    assert ops[("monitor", "%ds" % monitor.interval)].timeout == "%ds" % monitor.timeout
    assert ops[("stop", "0s")].on_fail == "fence"
    assert ops[("monitor", "%ds" % monitor.interval)].on_fail == "restart"


def test_parameters_an_agent_requires_are_demanded(monkeypatch):
    from xcatha_ocf.crm import site
    from xcatha_ocf.agents.services import Services
    from xcatha_ocf.runtime.params import Parameter

    class NeedsConsole(Services):
        PARAMETERS = tuple(Parameter(p.name, required=True) if p.name == "console" else p
                           for p in Services.PARAMETERS)

    monkeypatch.setattr(site, "agent_class", lambda name: NeedsConsole
                        if name == "xcat-services" else agent_class(name))
    data = example()
    del data["services"]["console"]
    assert "services.console: missing: xcat-services requires it" in error_for(data)


def test_deeper_monitors_get_their_own_interval_and_check_level(monkeypatch):
    from xcatha_ocf.agents.shared import SharedDirectories

    class Deep(SharedDirectories):
        ACTIONS = (Action("start", 60), Action("stop", 90), Action("monitor", 20, interval=20, depth=0),
                   Action("monitor", 60, interval=120, depth=10))

    monkeypatch.setattr(crmconfig, "agent_class", lambda name: Deep
                        if name == "xcat-shared" else agent_class(name))
    ops = crmconfig.member_operations(Deep, fencing=True)
    assert [(o.name, o.interval, o.timeout, o.check_level) for o in ops] == [
        ("start", "0s", "60s", None), ("stop", "0s", "90s", None),
        ("monitor", "20s", "20s", None), ("monitor", "120s", "60s", "10"),
        ("monitor", "21s", "20s", None)]
    assert [o.role for o in ops] == [None] * 4 + ["Stopped"]
    text = render(Configuration(build_site(example())), "pcs")
    assert "op monitor interval=120s timeout=60s on-fail=restart OCF_CHECK_LEVEL=10" in text


@pytest.mark.parametrize("change, message", [
    (lambda d: d.update(policy="sometimes"), "policy: 'sometimes' is not one of manual, automatic"),
    (lambda d: d["nodes"].pop(), "nodes: list at least two nodes"),
    (lambda d: d["nodes"][1].update(address="10.0.0.300"),
     "nodes[1].address: '10.0.0.300' is not an IPv4 or IPv6 address"),
    (lambda d: d["nodes"][1].update(name="xcatmn1"), "nodes[1].name: xcatmn1 is listed twice"),
    (lambda d: d["nodes"][1].update(address="10.0.0.2"),
     "nodes[1].address: 10.0.0.2 is also another node's address"),
    (lambda d: d["nodes"][0].update(name="xcat_mn1"), "nodes[0].name: 'xcat_mn1' is not a host name"),
    (lambda d: d["nodes"][0].pop("address"), "nodes[0].address: missing"),
    (lambda d: d["nodes"][0]["fence"].pop("password_file"),
     "nodes[0].fence.password_file: missing: fence_ipmilan needs"),
    (lambda d: d["nodes"][0]["fence"].update(password_file="bmc.pw"),
     "nodes[0].fence.password_file: must be an absolute path"),
    (lambda d: d["nodes"][0]["fence"].update(agent="ipmilan"),
     "nodes[0].fence.agent: 'ipmilan' is not a fence agent name"),
    (lambda d: d["nodes"][1].update(fence={"agent": "fence_xvm", "ip": "x"}),
     "nodes[1].fence.ip: only for fence_ipmilan"),
    (lambda d: d["nodes"][1].pop("fence"), "nodes[1].fence: missing: configure a fence device"),
    (lambda d: d["vip"].pop("ip"), "vip.ip: missing"),
    (lambda d: d["vip"].update(ip="2001:db8::1"), "vip.ip: '2001:db8::1' is not a dotted-quad IPv4"),
    (lambda d: d["vip"].update(ip="10.0.0.2"), "vip.ip: 10.0.0.2 is a node's static address"),
    (lambda d: d["vip"].update(netmask=33),
     "vip.netmask: '33': a prefix length must be between 1 and 32"),
    (lambda d: d["vip"].update(arp_count="many"), "vip.arp_count: expected a whole number, got 'many'"),
    (lambda d: d["vip"].update(colour="red"), "vip.colour: xcat-vip has no parameter colour"),
    (lambda d: d.update(pgsql={"vip": "10.0.0.9"}), "pgsql.vip: derived from the rest"),
    (lambda d: d["shared"].pop("shared_dir"), "shared.shared_dir: missing"),
    (lambda d: d["shared"].update(directories=["/install", "tftpboot"]),
     "'tftpboot' is not an absolute path"),
    (lambda d: d["services"].update(services={"a": 1}),
     "services.services: expected a word, a number or a list of words"),
    (lambda d: d["cluster"].update(stickiness="INFINITY"),
     "cluster.stickiness: INFINITY is refused"),
    (lambda d: d["cluster"].update(migration_threshold=0),
     "cluster.migration_threshold: expected a whole number from 1"),
    (lambda d: d["cluster"].update(colour=1), "cluster.colour: unknown field"),
    (lambda d: d.update(extra=1), "extra: unknown field"),
])
def test_bad_input_names_the_field(change, message):
    data = example()
    change(data)
    assert message in error_for(data)


def test_fencing_none_needs_the_flag_and_warns():
    data = example()
    for node in data["nodes"]:
        node["fence"] = "none"
    assert "nodes[0].fence: missing" in error_for(data)
    warnings = []
    config = Configuration(build_site(data, no_fencing=True, warn=warnings.append))
    assert warnings and warnings[0].startswith("WARNING: no fencing")
    assert config.properties == [("stonith-enabled", "false")]
    assert not config.fence_devices
    assert all(op.on_fail == "block" for m in config.members for op in m.ops if op.name == "stop")


def test_priority_fencing_delay_zero_leaves_it_out():
    data = example()
    data["cluster"]["priority_fencing_delay"] = 0
    config = Configuration(build_site(data))
    assert config.properties == [("stonith-enabled", "true")]
    assert "priority" not in dict(config.group_meta)


def test_automatic_policy_requires_fencing():
    data = example()
    data["policy"] = "automatic"
    for node in data["nodes"]:
        node["fence"] = "none"
    assert "policy: automatic failover needs fencing" in error_for(data, no_fencing=True)


def test_half_fenced_cluster_is_refused():
    data = example()
    data["nodes"][1]["fence"] = "none"
    assert "nodes[1].fence: xcatmn2 has no fence device while others do" in \
        error_for(data, no_fencing=True)


def test_other_fence_agent_takes_its_options():
    data = example()
    data["nodes"][1]["fence"] = {"agent": "fence_xvm", "options": {"port": "xcatmn2-vm"}}
    device = Configuration(build_site(data)).fence_devices[1]
    assert device.agent == "stonith:fence_xvm" and device.params == [("port", "xcatmn2-vm"),
                                                                  ("pcmk_host_list", "xcatmn2")]


def test_flags_alone_describe_a_site():
    config = main_config([
        "--node", "mn-a=192.0.2.2", "--node", "mn-b=192.0.2.3",
        "--fence", "mn-a=fence_ipmilan,ip=198.51.100.2,username=root,password_file=/root/a.pw",
        "--fence", "mn-b=fence_ipmilan,ip=198.51.100.3,username=root,password_file=/root/b.pw,"
                   "privlvl=operator",
        "--vip", "192.0.2.1", "--netmask", "24", "--nic", "ens3", "--label", "1",
        "--shared-dir", "/xcatdata", "--device", "nfs1:/export/xcat", "--fstype", "nfs",
        "--set", "pgsql.auth_method=md5", "--policy", "automatic"])
    assert config.site.policy == "automatic"
    assert [n.name for n in config.site.nodes] == ["mn-a", "mn-b"]
    assert ("privlvl", "operator") in config.fence_devices[1].params
    assert dict(config.members[3].params)["mgtifname"] == "ens3:1"
    assert dict(config.members[2].params)["auth_method"] == "md5"


def test_flags_override_the_file_and_keep_its_fencing():
    config = main_config([EXAMPLE, "--node", "xcatmn1=10.0.0.12", "--node", "xcatmn2=10.0.0.13",
                          "--vip", "10.0.0.11"])
    assert [n.address for n in config.site.nodes] == ["10.0.0.12", "10.0.0.13"]
    assert dict(config.fence_devices[0].params)["ip"] == "10.1.0.2"


@pytest.mark.parametrize("argv, message", [
    (["--node", "xcatmn1"], "--node 'xcatmn1': expected NAME=VALUE"),
    (["--fence", "xcatmn9=fence_xvm"], "--fence xcatmn9=fence_xvm: no node named xcatmn9"),
    (["--set", "vipip=1"], "--set 'vipip=1': expected SECTION.KEY=VALUE"),
])
def test_bad_flags_are_named(argv, message):
    with pytest.raises(InputError) as caught:
        main_config([EXAMPLE] + argv)
    assert message in str(caught.value)


def test_cli_prints_one_line_and_exits_2(tmp_path, capsys):
    site = tmp_path / "site.yaml"
    site.write_text("nodes: [\n")
    assert cli.main(["crm", "generate", str(site)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("xcatha crm: %s: not valid YAML" % site) and err.count("\n") == 1


def test_cli_generate_writes_each_format(capsys):
    for output_format, marker in (("pcs", "pcs cluster cib-push"), ("crmsh", "group xcat-group"),
                                  ("xml", '<group id="xcat-group">')):
        assert cli.main(["crm", "generate", "--format", output_format, EXAMPLE]) == 0
        assert marker in capsys.readouterr().out


def test_crm_values_are_quoted_only_when_needed():
    assert crm_quote("10.0.0.1") == "10.0.0.1"
    assert crm_quote("a b") == '"a b"'
    assert crm_quote('say "hi" \\') == '"say \\"hi\\" \\\\"'


class FakeCluster(object):
    """A fake executor: records commands; ``pcs cluster cib FILE`` writes ``cib``;
    ``fail`` names a command prefix that exits 1."""

    def __init__(self, cib="<cib><configuration/><status/></cib>", fail=None, output=""):
        self.cib = cib
        self.fail = fail
        self.output = output
        self.commands = []

    def describe(self, argv):
        return " ".join(argv)

    def run(self, argv, timeout, stdin=None, env=None):
        self.commands.append(argv)
        if argv[:3] == ["pcs", "cluster", "cib"]:
            with open(argv[3], "w") as handle:
                handle.write(self.cib)
        if self.fail and " ".join(argv).startswith(self.fail):
            return Result(argv, 1, err=self.output or "Error: simulated failure")
        return Result(argv, 0)


def run_apply(cluster, tmp_path, dry_run=False):
    config = Configuration(build_site(example()))
    out = io.StringIO()
    runner = Runner(cluster, dry_run=dry_run, out=out)
    rc = apply_configuration(config, runner, out=out, tempdir=str(tmp_path))
    return config, rc, out.getvalue()


def expected_commands(config, workdir):
    orig, new = os.path.join(workdir, "orig.xml"), os.path.join(workdir, "new.xml")
    return ([["pcs", "cluster", "cib", orig]] +
            [["pcs", "-f", new] + argv for argv in pcs_steps(config)] +
            [["crm_verify", "--xml-file", new],
             ["pcs", "cluster", "cib-push", new, "diff-against=" + orig]])


def test_apply_runs_the_pcs_flow_and_pushes_once(tmp_path):
    cluster = FakeCluster()
    config, rc, _ = run_apply(cluster, tmp_path)
    workdir = os.path.dirname(cluster.commands[0][3])
    assert rc == 0
    assert cluster.commands == expected_commands(config, workdir)
    assert cluster.commands[1][3:5] == ["property", "set"]
    assert not os.path.exists(workdir), "the temporary CIB copies are removed"


def test_apply_dry_run_builds_and_verifies_but_never_pushes(tmp_path):
    cluster = FakeCluster()
    config, rc, out = run_apply(cluster, tmp_path, dry_run=True)
    assert rc == 0
    assert cluster.commands == expected_commands(
        config, os.path.dirname(cluster.commands[0][3]))[:-1]
    assert "dry-run: would run: pcs cluster cib-push" in out


def test_a_failed_step_pushes_nothing(tmp_path):
    cluster = FakeCluster(fail="pcs -f")
    _, rc, out = run_apply(cluster, tmp_path)
    assert rc == 1 and len(cluster.commands) == 2
    assert "nothing was pushed to the cluster" in out


def test_crm_verify_warnings_pass_and_errors_stop(tmp_path):
    warned = FakeCluster(fail="crm_verify",
                         output="crm_verify: Warnings found during check: config may not be valid")
    assert run_apply(warned, tmp_path)[1] == 0
    assert warned.commands[-1][:3] == ["pcs", "cluster", "cib-push"]
    broken = FakeCluster(fail="crm_verify",
                         output="crm_verify: Errors found during check: config not valid")
    assert run_apply(broken, tmp_path)[1] == 1
    assert broken.commands[-1][0] == "crm_verify"


def test_apply_refuses_a_cluster_that_already_has_the_group(tmp_path):
    cluster = FakeCluster(cib='<cib><configuration><resources><group id="xcat-group"/>'
                              '</resources></configuration><status/></cib>')
    _, rc, out = run_apply(cluster, tmp_path)
    assert rc == 1 and len(cluster.commands) == 1
    assert "already has xcat-group" in out
