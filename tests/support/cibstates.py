"""Cluster states for the operator-command tests, made by Pacemaker itself from
the configuration the project's generator gives for simulated-site.yaml.

``build_states(directory)`` writes CIB files with status sections produced by
crm_simulate (nodes brought up, the group started on xcatmn1 through a real
move constraint, a node crashed and fenced, a node lost UNCLEAN, a failed
monitor...).  ``SimulatedCluster`` is an executor for the real Runner: it
records every command, answers queries with the real crm_mon/cibadmin on the
CIB file, and carries out the cluster commands with real tools on that file
(``pcs -f``, ``crm_resource`` with CIB_file) followed by ``crm_simulate -S`` to
execute the resulting transition, as the live cluster would.
"""

import os
import shutil
import subprocess
import xml.etree.ElementTree as ElementTree

from xcatha_ocf.agents import GROUP
from xcatha_ocf.crm.command import main_config
from xcatha_ocf.crm.render import render
from xcatha_ocf.runtime.runner import Finished, Result

SITE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "simulated-site.yaml")
FAILED_REASON = "xcatd does not answer on port 3001"


class States(dict):
    """{state name: CIB file}; ``vip``: the site's VIP; ``failed_reason``: the exit
    reason of the failed monitor in state failed_monitor."""

    failed_reason = FAILED_REASON

    def __init__(self, vip):
        dict.__init__(self)
        self.vip = vip


def as_the_cluster_records_it(cib_text, site):
    """The generated CIB as a running cluster holds it: the generator leaves the node
    entries to the cluster (with corosync's node ids), which also records quorum and
    its DC (here the first node)."""
    root = ElementTree.fromstring(cib_text)
    root.set("have-quorum", "1")
    root.set("dc-uuid", "1")
    nodes = root.find("configuration/nodes")
    for number, node in enumerate(site.nodes, 1):
        ElementTree.SubElement(nodes, "node", id=str(number), uname=node.name)
    return ElementTree.tostring(root, encoding="unicode")


def tool(argv, cib, check=True):
    env = dict(os.environ, CIB_file=str(cib), LC_ALL="C")
    process = subprocess.run([str(arg) for arg in argv], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, universal_newlines=True, timeout=60)
    if check and process.returncode != 0:
        raise AssertionError("%s failed: %s%s" % (argv, process.stdout, process.stderr))
    return process


def settle(cib, *injections, failing=()):
    """Execute the transition the scheduler computes for ``cib``, in place;
    ``injections`` are operation results recorded before it, ``failing`` the
    operations that fail while it runs (OP_ID@NODE=RC)."""
    tool(["crm_simulate", "--simulate", "--xml-file", cib, "--save-output", cib] +
         ["--op-inject=%s" % item for item in injections] +
         ["--op-fail=%s" % item for item in failing], cib)


def build_states(directory):
    """Write the test states; returns States."""
    directory = str(directory)
    config = main_config([SITE])
    paths = States(dict(config.site.agent_params["xcat-vip"])["ip"])

    def state(name, source, *steps):
        path = os.path.join(directory, name + ".xml")
        shutil.copy(paths[source], path)
        for step in steps:
            step(path)
        paths[name] = path

    base = os.path.join(directory, "base.xml")
    with open(base, "w") as handle:
        handle.write(as_the_cluster_records_it(render(config, "xml"), config.site))
    paths["nodes_up"] = os.path.join(directory, "nodes_up.xml")
    tool(["crm_simulate", "-x", base, "-S", "-O", paths["nodes_up"],
          "--node-up", "xcatmn1", "--node-up", "xcatmn2"], base)
    # Started the way an admin would: a move constraint, the transition, then clear.
    state("running_xcatmn1", "nodes_up",
          lambda p: tool(["crm_resource", "--move", "--resource", GROUP, "--node", "xcatmn1"], p),
          settle,
          lambda p: tool(["crm_resource", "--clear", "--resource", GROUP], p))
    state("crashed_fenced", "running_xcatmn1",
          lambda p: tool(["crm_simulate", "-x", p, "-S", "-O", p, "--node-fail", "xcatmn1"], p))
    state("unclean_xcatmn1", "running_xcatmn1",
          lambda p: tool(["crm_simulate", "-x", p, "-O", p, "--node-fail", "xcatmn1"], p))
    state("standby_xcatmn2", "running_xcatmn1",
          lambda p: tool(["crm_attribute", "--node", "xcatmn2", "--name", "standby", "--update", "on"], p),
          settle)
    state("offline_xcatmn2", "running_xcatmn1",
          lambda p: tool(["crm_simulate", "-x", p, "-S", "-O", p, "--node-down", "xcatmn2"], p))
    # Pacemaker stopped on xcatmn2, Corosync still running there (as in a real cluster)
    state("pacemaker_stopped_xcatmn2", "running_xcatmn1",
          lambda p: replace(p, '"xcatmn2" in_ccm="true" crmd="online" join="member" expected="member"',
                            '"xcatmn2" in_ccm="true" crmd="offline" join="down" expected="down"'))
    state("failed_monitor", "running_xcatmn1",
          lambda p: settle(p, "xcat-services_monitor_30000@xcatmn1=1"),
          lambda p: replace(p, 'exit-reason="Simulated action result"', 'exit-reason="%s"' % FAILED_REASON))
    state("leftover_constraint", "running_xcatmn1",
          lambda p: tool(["crm_resource", "--ban", "--resource", GROUP, "--node", "xcatmn2"], p))
    state("maintenance", "running_xcatmn1",
          lambda p: tool(["crm_attribute", "--type", "crm_config", "--name", "maintenance-mode",
                          "--update", "true"], p))
    state("member_disabled", "running_xcatmn1", lambda p: disable(p, "xcat-services"), settle)
    state("group_disabled", "running_xcatmn1", lambda p: disable(p, GROUP), settle)
    return paths


def disable(cib, resource):
    tool(["crm_resource", "--resource", resource, "--meta", "--set-parameter", "target-role",
          "--parameter-value", "Stopped"], cib)


def replace(path, old, new):
    with open(path) as handle:
        text = handle.read()
    assert old in text
    with open(path, "w") as handle:
        handle.write(text.replace(old, new))


class SimulatedCluster(object):
    """An executor backed by a CIB file (see the module docstring)."""

    QUERIES = ("crm_mon", "cibadmin", "crm_node")

    def __init__(self, cib, fail_start_on=None, failing_commands=()):
        self.cib = str(cib)
        self.changes = []
        self.failing = ["xcat-shared_start_0@%s=1" % fail_start_on] if fail_start_on else []
        self.failing_commands = [list(argv) for argv in failing_commands]

    def describe(self, argv):
        return " ".join(argv)

    def run(self, argv, timeout, stdin=None, env=None):
        if argv[0] in self.QUERIES:
            process = tool(argv, self.cib, check=False)
            return Result(argv, process.returncode, process.stdout, process.stderr)
        self.changes.append(argv)
        return self.apply(argv)

    def start(self, argv, env=None):
        self.changes.append(argv)
        return Finished(self.apply(argv))

    def apply(self, argv):
        if argv in self.failing_commands:
            return Result(argv, 1, err="Error: simulated failure")
        words = argv[:3]
        if words == ["pcs", "resource", "move"]:
            # pcs's autoclean: constraint, wait for the transition, remove it.
            tool(["crm_resource", "--move", "--resource", argv[3], "--node", argv[4]], self.cib)
            settle(self.cib, failing=self.failing)
            tool(["crm_resource", "--clear", "--resource", argv[3]], self.cib)
        elif words[:2] == ["pcs", "resource"]:
            tool(["pcs", "-f", self.cib] + [arg for arg in argv[1:] if not arg.startswith("--wait")],
                 self.cib)
        elif argv[0] == "crm_resource" and "--wait" not in argv:
            tool(argv, self.cib)
        elif argv[0] != "crm_resource":
            raise AssertionError("unexpected command %s" % argv)
        settle(self.cib, failing=self.failing)
        return Result(argv, 0)

    def constraints(self):
        return tool(["cibadmin", "--query", "--scope", "constraints"], self.cib).stdout
