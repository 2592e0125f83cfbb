"""The site description: one data model, from a YAML file and/or command-line
flags, validated with messages that name the field (``nodes[1].address: ...``).

Sections ``vip``, ``shared``, ``pgsql`` and ``services`` take the parameter
names of xcat-vip, xcat-shared, xcat-pgsql-conf and xcat-services directly
(``vip`` also accepts ``netmask`` and ``label`` for cidr_netmask and iflabel);
names the agent does not declare are refused.  Parameters that follow from
other fields are derived, never typed twice: xcat-pgsql-conf's vip and
node_addresses, and xcat-services' mgtifname (nic:label).
"""

import ipaddress
import re
import shlex

from xcatha_ocf.errors import InputError
from xcatha_ocf.agents import agent_class

POLICIES = ("manual", "automatic")
NODE_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
FENCE_AGENT = re.compile(r"^fence_[A-Za-z0-9_]+$")
PARAM_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
DEFAULT_STICKINESS = 1000
DEFAULT_MIGRATION_THRESHOLD = 3
DEFAULT_PRIORITY_FENCING_DELAY = 15
# section -> (agent, aliases, parameters derived from other fields)
SECTIONS = {
    "vip": ("xcat-vip", {"netmask": "cidr_netmask", "label": "iflabel"}, ()),
    "shared": ("xcat-shared", {}, ()),
    "pgsql": ("xcat-pgsql-conf", {}, ("vip", "node_addresses")),
    "services": ("xcat-services", {}, ()),
}
TOP_LEVEL = ("policy", "nodes", "cluster") + tuple(SECTIONS)
CLUSTER_KEYS = ("stickiness", "migration_threshold", "priority_fencing_delay")


class Fence(object):
    """A fence device for one node: agent and its parameters (pcmk_host_list included)."""

    def __init__(self, agent, params):
        self.agent = agent
        self.params = params   # list of (name, value)


class SiteNode(object):
    def __init__(self, name, address, fence):
        self.name = name
        self.address = address
        self.fence = fence     # Fence or None


class Site(object):
    def __init__(self, policy, nodes, agent_params, stickiness, migration_threshold,
                 priority_fencing_delay):
        self.policy = policy
        self.nodes = nodes
        self.agent_params = agent_params   # agent name -> list of (name, value)
        self.stickiness = stickiness
        self.migration_threshold = migration_threshold
        self.priority_fencing_delay = priority_fencing_delay

    @property
    def fencing(self):
        return all(node.fence for node in self.nodes)


def fail(field, message):
    raise InputError("%s: %s" % (field, message))


def text_value(field, value):
    """A YAML scalar or list as the string Pacemaker stores."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        text = str(value)
    elif isinstance(value, list) and all(isinstance(v, (str, int)) for v in value):
        text = " ".join(str(v) for v in value)
    else:
        fail(field, "expected a word, a number or a list of words, got %r" % (value,))
    if "\n" in text:
        fail(field, "must be one line")
    return text


def ip_address(field, value):
    try:
        return str(ipaddress.ip_address(text_value(field, value)))
    except ValueError:
        fail(field, "%r is not an IPv4 or IPv6 address" % (value,))


def positive_int(field, value, maximum=1000000, minimum=1):
    if isinstance(value, str) and value.upper().lstrip("+") == "INFINITY":
        fail(field, "INFINITY is refused: keep it finite (pcs resource move cannot "
                    "override an infinite stickiness)")
    if isinstance(value, bool) or not isinstance(value, (int, str)) \
            or not str(value).isdigit() or not minimum <= int(value) <= maximum:
        fail(field, "expected a whole number from %d to %d, got %r" % (minimum, maximum, value))
    return int(value)


def mapping(field, value):
    if value is None:
        return {}
    if not isinstance(value, dict):
        fail(field, "expected a mapping of names to values")
    return value


def check_keys(field, data, allowed):
    for key in data:
        if key not in allowed:
            fail("%s.%s" % (field, key) if field else key,
                 "unknown field (known: %s)" % ", ".join(allowed))


def parse_nodes(data, no_fencing):
    nodes_data = data.get("nodes")
    if not isinstance(nodes_data, list) or len(nodes_data) < 2:
        fail("nodes", "list at least two nodes, each with a name and its static address")
    nodes, names, addresses = [], set(), set()
    for index, entry in enumerate(nodes_data):
        field = "nodes[%d]" % index
        entry = mapping(field, entry)
        check_keys(field, entry, ("name", "address", "fence"))
        name = text_value(field + ".name", entry.get("name", ""))
        if not NODE_NAME.match(name):
            fail(field + ".name", "%r is not a host name (letters, digits and '-')" % name)
        if name in names:
            fail(field + ".name", "%s is listed twice" % name)
        if "address" not in entry:
            fail(field + ".address", "missing: give the node's static address")
        address = ip_address(field + ".address", entry["address"])
        if address in addresses:
            fail(field + ".address", "%s is also another node's address" % address)
        names.add(name)
        addresses.add(address)
        fence = parse_fence(field + ".fence", name, entry.get("fence"), no_fencing)
        nodes.append(SiteNode(name, address, fence))
    fenced = [node for node in nodes if node.fence]
    if fenced and len(fenced) != len(nodes):
        bare = next(node for node in nodes if not node.fence)
        fail("nodes[%d].fence" % nodes.index(bare),
             "%s has no fence device while others do: fence every node" % bare.name)
    return nodes


def parse_fence(field, node, value, no_fencing):
    """fence_ipmilan (ip, username, password_file) or any fence agent with options."""
    if value in (None, "none"):
        if not no_fencing:
            fail(field, "missing: configure a fence device for %s, or pass --no-fencing "
                        "to run without fencing (unsafe with shared storage)" % node)
        return None
    value = mapping(field, value)
    check_keys(field, value, ("agent", "ip", "username", "password_file", "options"))
    agent = text_value(field + ".agent", value.get("agent", "fence_ipmilan"))
    if not FENCE_AGENT.match(agent):
        fail(field + ".agent", "%r is not a fence agent name (fence_...)" % agent)
    params = []
    if agent == "fence_ipmilan":
        for key in ("ip", "username", "password_file"):
            if not value.get(key):
                fail("%s.%s" % (field, key), "missing: fence_ipmilan needs the BMC's ip, "
                                             "username and a password_file")
        password_file = text_value(field + ".password_file", value["password_file"])
        if not password_file.startswith("/"):
            fail(field + ".password_file", "must be an absolute path")
        params = [("ip", text_value(field + ".ip", value["ip"])),
                  ("username", text_value(field + ".username", value["username"])),
                  # the password never enters the CIB: the agent reads the file
                  ("password_script", "cat " + shlex.quote(password_file)),
                  ("lanplus", "1")]
    else:
        for key in ("ip", "username", "password_file"):
            if key in value:
                fail("%s.%s" % (field, key), "only for fence_ipmilan: give %s's parameters "
                                             "under options" % agent)
    options = mapping(field + ".options", value.get("options"))
    for key, option in options.items():
        if not PARAM_NAME.match(str(key)):
            fail("%s.options.%s" % (field, key), "not a parameter name")
        params = [p for p in params if p[0] != key]
        params.append((str(key), text_value("%s.options.%s" % (field, key), option)))
    # the device fences exactly this node, whatever port or plug names it on the device
    if not any(name in ("pcmk_host_list", "pcmk_host_map") for name, _ in params):
        params.append(("pcmk_host_list", node))
    return Fence(agent, params)


def parse_section(section, data):
    agent, aliases, derived = SECTIONS[section]
    declared = agent_class(agent)
    names = [param.name for param in declared.PARAMETERS]
    values = mapping(section, data.get(section))
    params = []
    for key, value in values.items():
        field = "%s.%s" % (section, key)
        name = aliases.get(key, key)
        if name in derived:
            fail(field, "derived from the rest of the site description: do not set it")
        if name not in names:
            fail(field, "%s has no parameter %s (known: %s)"
                 % (agent, name, ", ".join(sorted(set(names) - set(derived)))))
        if value is None or value == "":
            continue
        text = text_value(field, value)
        try:
            declared.parameter(name).parse(text)
        except ValueError as error:
            message = str(error)
            fail(field, message if text in message else "%r: %s" % (text, message))
        params.append((name, text))
    return params


def check_vip(params, nodes):
    values = dict(params)
    if "ip" not in values:
        fail("vip.ip", "missing: give the virtual IP address")
    vip = ip_address("vip.ip", values["ip"])
    if any(node.address == vip for node in nodes):
        fail("vip.ip", "%s is a node's static address; the virtual IP must be a third one" % vip)
    return vip


def check_paths(section, params, names):
    for name, value in params:
        if name in names:
            for path in value.split():
                if not path.startswith("/"):
                    fail("%s.%s" % (section, name), "%r is not an absolute path" % path)


def check_required(agent_params):
    for section, (agent, _, _) in SECTIONS.items():
        given = dict(agent_params[agent])
        for param in agent_class(agent).PARAMETERS:
            if param.required and param.name not in given:
                fail("%s.%s" % (section, param.name), "missing: %s requires it" % agent)


def derived_params(agent_params, vip, nodes):
    """Fill in what xcat-pgsql-conf and xcat-services learn from the other fields."""
    addresses = " ".join("%s=%s" % (node.name, node.address) for node in nodes)
    agent_params["xcat-pgsql-conf"][:0] = [("vip", vip), ("node_addresses", addresses)]
    vip_values = dict(agent_params["xcat-vip"])
    services = agent_params["xcat-services"]
    if "nic" in vip_values and "mgtifname" not in dict(services):
        label = vip_values.get("iflabel", "0")
        services.append(("mgtifname", vip_values["nic"] + (":" + label if label else "")))


def parse_cluster(data):
    values = mapping("cluster", data.get("cluster"))
    check_keys("cluster", values, CLUSTER_KEYS)
    return (positive_int("cluster.stickiness", values.get("stickiness", DEFAULT_STICKINESS)),
            positive_int("cluster.migration_threshold",
                         values.get("migration_threshold", DEFAULT_MIGRATION_THRESHOLD)),
            positive_int("cluster.priority_fencing_delay",
                         values.get("priority_fencing_delay", DEFAULT_PRIORITY_FENCING_DELAY),
                         maximum=600, minimum=0))


def build_site(data, no_fencing=False, warn=None):
    """Validate the merged site description and return a Site (or raise InputError)."""
    data = mapping("site", data)
    check_keys("", data, TOP_LEVEL)
    policy = data.get("policy", "manual")
    if policy not in POLICIES:
        fail("policy", "%r is not one of %s" % (policy, ", ".join(POLICIES)))
    nodes = parse_nodes(data, no_fencing)
    agent_params = {}
    for section, (agent, _, _) in SECTIONS.items():
        agent_params[agent] = parse_section(section, data)
    vip = check_vip(agent_params["xcat-vip"], nodes)
    if not dict(agent_params["xcat-shared"]).get("shared_dir"):
        fail("shared.shared_dir", "missing: give the mount point of the shared storage")
    check_paths("shared", agent_params["xcat-shared"], ("shared_dir", "directories"))
    check_paths("pgsql", agent_params["xcat-pgsql-conf"], ("config_dir", "hba_file", "conf_file"))
    derived_params(agent_params, vip, nodes)
    check_required(agent_params)
    stickiness, threshold, delay = parse_cluster(data)
    site = Site(policy, nodes, agent_params, stickiness, threshold, delay)
    if not site.fencing:
        if policy == "automatic":
            fail("policy", "automatic failover needs fencing: configure a fence device "
                           "for every node (stonith-enabled is required)")
        if warn:
            warn("WARNING: no fencing. A node that hangs while holding the shared storage "
                 "cannot be stopped; a failed stop blocks the group until an admin acts.")
    return site
