"""The cluster's state as Pacemaker reports it: ``crm_mon --output-as=xml`` for
nodes, resources, failures and the operation history, ``cibadmin --query`` for
the configuration (resource parameters, move constraints).  Both tools come with
Pacemaker itself, so this works on pcs and crmsh clusters alike, and on a CIB
file through ``CIB_file``."""

import calendar
import collections
import time
import xml.etree.ElementTree as ElementTree

NodeStatus = collections.namedtuple(
    "NodeStatus", "name online standby maintenance unclean pending shutdown is_dc")
Resource = collections.namedtuple(
    "Resource", "id agent role target_role active failed managed blocked nodes group")
Failure = collections.namedtuple(
    "Failure", "resource task interval_ms node exit_status exit_code exit_reason when")
HistoryEntry = collections.namedtuple(
    "HistoryEntry", "node resource task interval_ms rc when")


class ClusterError(Exception):
    """The cluster cannot be read (not running, no permission, bad XML)."""


def true(value):
    return value == "true"


class ClusterState(object):
    def __init__(self, xml_text):
        try:
            root = ElementTree.fromstring(xml_text)
        except ElementTree.ParseError as error:
            raise ClusterError("cannot parse crm_mon output: %s" % error)
        status = root.find("status")
        if status is not None and status.get("code") not in (None, "0"):
            errors = [error.text for error in status.iter("error") if error.text]
            raise ClusterError("crm_mon: %s (is Pacemaker running here?)" % "; ".join(
                errors or [status.get("message", "failed")]))
        self.dc = None
        self.quorum = False
        self.options = {}
        summary = root.find("summary")
        if summary is not None:
            dc = summary.find("current_dc")
            if dc is not None and true(dc.get("present")):
                self.dc = dc.get("name")
                self.quorum = true(dc.get("with_quorum"))
            options = summary.find("cluster_options")
            self.options = dict(options.attrib) if options is not None else {}
        self.nodes = collections.OrderedDict(
            (node.get("name"), parse_node(node)) for node in root.iterfind("nodes/node"))
        self.resources = collections.OrderedDict()
        self.groups = collections.OrderedDict()
        for element in root.find("resources") if root.find("resources") is not None else ():
            self._add_resources(element)
        self.failures = [parse_failure(item) for item in root.iterfind("failures/failure")]
        self.history = []
        for node in root.iterfind("node_history/node"):
            for history in node.iterfind("resource_history"):
                self._add_history(node.get("name"), history)

    def _add_resources(self, element, group=None):
        if element.tag == "group":
            self.groups[element.get("id")] = []
            for member in element.iterfind("resource"):
                self._add_resources(member, element.get("id"))
        elif element.tag == "resource":
            resource = parse_resource(element, group)
            self.resources[resource.id] = resource
            if group:
                self.groups[group].append(resource.id)
        elif element.tag in ("clone", "bundle"):
            for child in element:
                self._add_resources(child)

    def _add_history(self, node, history):
        resource = history.get("id")
        for op in history.iterfind("operation_history"):
            self.history.append(HistoryEntry(
                node, resource, op.get("task"), milliseconds(op.get("interval", "0ms")),
                int(op.get("rc", "0")), parse_time(op.get("last-rc-change"))))

    @property
    def stonith_enabled(self):
        return self.options.get("stonith-enabled", "true") == "true"

    @property
    def maintenance_mode(self):
        return true(self.options.get("maintenance-mode"))

    def members(self, group):
        return [self.resources[member] for member in self.groups.get(group, [])]

    def stonith_devices(self):
        return [resource for resource in self.resources.values()
                if resource.agent.startswith("stonith:")]


def parse_node(element):
    get = element.get
    return NodeStatus(get("name"), true(get("online")), true(get("standby")), true(get("maintenance")),
                true(get("unclean")), true(get("pending")), true(get("shutdown")), true(get("is_dc")))


def parse_resource(element, group):
    get = element.get
    nodes = [node.get("name") for node in element.iterfind("node")]
    return Resource(get("id"), get("resource_agent", ""), get("role", "Stopped"), get("target_role"),
                    true(get("active")),
                    true(get("failed")), get("managed", "true") == "true", true(get("blocked")),
                    nodes, group)


def parse_failure(element):
    get = element.get
    resource, task = get("op_key", ""), get("task", "")
    if "_%s_" % task in resource:
        resource = resource[:resource.rindex("_%s_" % task)]
    return Failure(resource, task, int(get("interval", "0") or 0), get("node"),
                   get("exitstatus"), int(get("exitcode", "1")), get("exitreason", ""),
                   parse_time(get("last-rc-change")))


def milliseconds(text):
    """crm_mon writes intervals as "30000ms"."""
    digits = text[:-2] if text.endswith("ms") else text
    return int(digits) if digits.isdigit() else 0


def parse_time(text):
    """Epoch seconds from crm_mon's time strings, or None.  crm_mon 2.1 writes
    the history in ctime form (local time) and failures as ISO 8601 UTC."""
    if not text:
        return None
    text = text.strip()
    for layout, utc in (("%Y-%m-%d %H:%M:%SZ", True), ("%Y-%m-%d %H:%M:%S", False),
                        ("%a %b %d %H:%M:%S %Y", False)):
        try:
            parsed = time.strptime(text, layout)
        except ValueError:
            continue
        return calendar.timegm(parsed) if utc else time.mktime(parsed)
    return None


class CibConfiguration(object):
    """What the status section does not say: parameters and constraints."""

    def __init__(self, xml_text):
        try:
            self.root = ElementTree.fromstring(xml_text)
        except ElementTree.ParseError as error:
            raise ClusterError("cannot parse the CIB: %s" % error)

    def params(self, resource):
        for primitive in self.root.iter("primitive"):
            if primitive.get("id") == resource:
                return dict((pair.get("name"), pair.get("value")) for pair in
                            primitive.iterfind("instance_attributes/nvpair"))
        return {}

    def move_constraints(self, resource):
        """Constraints a move or ban left behind (ids start with cli-)."""
        return [(location.get("id"), location.get("node"), location.get("score"))
                for location in self.root.iter("rsc_location")
                if location.get("rsc") == resource and location.get("id", "").startswith("cli-")]


def read_state(run):
    result = run.query(["crm_mon", "--one-shot", "--inactive", "--output-as=xml"], timeout=30)
    if not result.out.strip():
        raise ClusterError(result.summary())
    return ClusterState(result.out)


def read_configuration(run):
    result = run.query(["cibadmin", "--query", "--scope", "configuration"], timeout=30)
    if not result.ok:
        raise ClusterError(result.summary())
    return CibConfiguration(result.out)
