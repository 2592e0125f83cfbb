"""Test support for the crm generator: Pacemaker's own tools on CIB files.

- ``AgentRoot`` gives pcs and crmsh the xcat agents' meta-data without touching
  the host: the agents are installed into a temporary OCF root and commands run
  in a private mount namespace where that root's resource.d is bound over
  /usr/lib/ocf/resource.d (heartbeat and pacemaker linked through).
- ``normalized`` reduces a CIB's configuration to what the three outputs must
  agree on: generated ids of nvpairs, attribute sets and ops are dropped, and
  nvpairs and ops are sorted (pcs sorts parameters, crmsh keeps their order).
- ``simulate`` and ``placement`` run crm_simulate and read where resources run.
"""

import os
import subprocess

from lxml import etree

from xcatha_ocf import install
from xcatha_ocf.agents import PROVIDER

SYSTEM_RESOURCE_D = "/usr/lib/ocf/resource.d"
SYSTEM_AGENT_LIB = "/usr/lib/ocf/lib/" + PROVIDER


class AgentRoot(object):
    def __init__(self, directory):
        ocf_root = os.path.join(directory, "ocf")
        install.install(ocf_root=ocf_root, out=lambda message: None)
        self.resource_d = os.path.join(ocf_root, "resource.d")
        self.agent_lib = os.path.join(ocf_root, "lib", PROVIDER)
        for provider in os.listdir(SYSTEM_RESOURCE_D):
            if provider != PROVIDER:
                os.symlink(os.path.join(SYSTEM_RESOURCE_D, provider),
                           os.path.join(self.resource_d, provider))

    def run(self, argv, env=None, timeout=120):
        # the agents and the runtime they load (OCF_ROOT/lib/xcat) both come from here
        script = ('mount --make-rprivate / && mount --bind "$0" %s && mkdir -p %s && '
                  'mount --bind "$1" %s && shift && exec "$@"'
                  % (SYSTEM_RESOURCE_D, SYSTEM_AGENT_LIB, SYSTEM_AGENT_LIB))
        command = (["unshare", "--mount", "sh", "-c", script, self.resource_d, self.agent_lib]
                   + list(argv))
        environ = dict(os.environ, **(env or {}))
        return subprocess.run(command, env=environ, capture_output=True, text=True,
                              timeout=timeout)


ANONYMOUS_IDS = ("nvpair", "instance_attributes", "meta_attributes", "op",
                 "cluster_property_set")


def op_key(op):
    return (op.get("name"), op.get("interval"))


def normalized(cib_text):
    """The configuration section as canonical text (see module docstring)."""
    root = etree.fromstring(cib_text.encode(), etree.XMLParser(remove_blank_text=True,
                                                                remove_comments=True))
    configuration = root.find("configuration")
    for element in configuration.iter(*ANONYMOUS_IDS):
        element.attrib.pop("id", None)
    for parent in configuration.iter("instance_attributes", "meta_attributes",
                                     "cluster_property_set"):
        parent[:] = sorted(parent, key=lambda nvpair: nvpair.get("name"))
    for operations in configuration.iter("operations"):
        operations[:] = sorted(operations, key=op_key)
    for element in configuration.iter("primitive", "group"):
        # attribute sets first, members and operations after, each in their own order
        element[:] = sorted(element, key=lambda child: child.tag not in (
            "meta_attributes", "instance_attributes"))
    for element in configuration.iter():
        items = sorted(element.attrib.items())
        element.attrib.clear()
        element.attrib.update(items)
    return etree.tostring(configuration, pretty_print=True, encoding="unicode")


def simulate(cib_path, out_path, *options):
    """crm_simulate on cib_path with quorum (two_node keeps a survivor quorate)."""
    result = subprocess.run(["crm_simulate", "--xml-file", cib_path, "--quorum", "1",
                             "--simulate", "--save-output", out_path] + list(options),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def placement(cib_path):
    """{resource id: node or None} as crm_mon reports from the CIB's status."""
    result = subprocess.run(["crm_mon", "--one-shot", "--output-as", "xml",
                             "--include", "all"],
                            env=dict(os.environ, CIB_file=cib_path),
                            capture_output=True, text=True, timeout=60)
    root = etree.fromstring(result.stdout.encode())
    places = {}
    for resource in root.iter("resource"):
        node = resource.find("node")
        active = resource.get("active") == "true" and node is not None
        places[resource.get("id")] = node.get("name") if active else None
    return places
