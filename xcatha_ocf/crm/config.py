"""The cluster configuration for a Site: what every output format describes.

Policy choices, in one place:
- group xcat-group: xcat-shared, xcat-vip, xcat-pgsql-conf, xcat-services
  (a group starts its members in order and stops them in reverse);
- every operation's timeout and interval come from the agent's ACTIONS; an
  agent that declares deeper monitors (depth 10, 20) gets one recurring
  monitor per depth, with OCF_CHECK_LEVEL set, each at its declared interval;
- a failed monitor restarts the group in place (on-fail=restart) until
  migration-threshold failures; a failed stop fences the node (on-fail=fence),
  or blocks the resource when the cluster has no fencing;
- the passive node is watched: xcat-shared, xcat-vip and xcat-services also get a
  monitor with role=Stopped (one second after their depth-0 one), so a bind, the
  VIP or an xCAT service started there by hand or by a package upgrade is found;
  with multiple-active=stop_unexpected Pacemaker then stops only that stray copy.
  (xcat-pgsql-conf reports running only after a start in this boot, so there is
  nothing to watch.)  Pacemaker 2.1.5 still restarts the members after a stray
  VIP on the active node;
- a FINITE resource-stickiness on the group (1000 by default) keeps it where it
  runs; INFINITY would make ``pcs resource move`` fail;
- manual policy: a location score of -1 for the group on every node, never
  -INFINITY, so the group never starts or fails over by itself and
  ``pcs resource move`` / ``move-with-constraint`` can always place it;
- automatic policy: no location scores, ordinary failover, fencing required;
- each fence device has pcmk_host_list and a -INFINITY location on its own
  target (a node never runs the device that fences itself); with fencing,
  priority-fencing-delay plus a group priority make the node running the group
  win a fence race in a split two-node cluster (Pacemaker 2.0.4 or later;
  priority_fencing_delay 0 leaves both out for older clusters).
"""

from xcatha_ocf.agents import AGENTS, GROUP, PROVIDER, agent_class

MEMBERS = tuple(AGENTS)
WATCHED_WHERE_STOPPED = ("xcat-shared", "xcat-vip", "xcat-services")
GROUP_PRIORITY = 10
FENCE_MONITOR_INTERVAL = 60


class Op(object):
    def __init__(self, name, interval, timeout, on_fail=None, check_level=None, role=None):
        self.name = name
        self.interval = "%ds" % interval
        self.timeout = "%ds" % timeout
        self.on_fail = on_fail
        self.check_level = check_level
        self.role = role

    @property
    def id_suffix(self):
        return "%s-interval-%s" % (self.name, self.interval)


class Primitive(object):
    def __init__(self, id, standard, provider, type, params, ops):
        self.id = id
        self.standard = standard
        self.provider = provider
        self.type = type
        self.params = params
        self.ops = ops

    @property
    def agent(self):
        """The agent as pcs and crmsh spell it: ocf:xcat:xcat-vip or stonith:fence_ipmilan."""
        parts = [self.standard, self.provider, self.type]
        return ":".join(p for p in parts if p)


class Location(object):
    def __init__(self, id, resource, node, score):
        self.id = id
        self.resource = resource
        self.node = node
        self.score = score


class Configuration(object):
    def __init__(self, site):
        self.site = site
        self.group = GROUP
        self.properties = cluster_properties(site)
        self.fence_devices = [fence_primitive(node) for node in site.nodes if node.fence]
        self.members = [member_primitive(name, site) for name in MEMBERS]
        self.group_meta = group_meta(site)
        self.locations = fence_locations(site) + policy_locations(site)


def cluster_properties(site):
    if not site.fencing:
        return [("stonith-enabled", "false")]
    if not site.priority_fencing_delay:
        return [("stonith-enabled", "true")]
    return [("stonith-enabled", "true"),
            ("priority-fencing-delay", "%ds" % site.priority_fencing_delay)]


def group_meta(site):
    meta = [("resource-stickiness", str(site.stickiness)),
            ("migration-threshold", str(site.migration_threshold)),
            ("multiple-active", "stop_unexpected")]
    if site.fencing and site.priority_fencing_delay:
        meta.append(("priority", str(GROUP_PRIORITY)))
    return meta


def member_operations(agent, fencing):
    start, stop = agent.action("start"), agent.action("stop")
    ops = [Op("start", 0, start.timeout),
           Op("stop", 0, stop.timeout, on_fail="fence" if fencing else "block")]
    for monitor in agent.monitors():
        level = str(monitor.depth) if monitor.depth else None
        ops.append(Op("monitor", monitor.interval, monitor.timeout, on_fail="restart",
                      check_level=level))
    if agent.NAME in WATCHED_WHERE_STOPPED:
        shallowest = agent.monitors()[0]
        ops.append(Op("monitor", shallowest.interval + 1, shallowest.timeout, role="Stopped"))
    return ops


def member_primitive(name, site):
    return Primitive(name, "ocf", PROVIDER, name, site.agent_params[name],
                     member_operations(agent_class(name), site.fencing))


def fence_id(node):
    return "fence-" + node.name


def fence_primitive(node):
    monitor = Op("monitor", FENCE_MONITOR_INTERVAL, 20)
    return Primitive(fence_id(node), "stonith", None, node.fence.agent, node.fence.params,
                     [monitor])


def fence_locations(site):
    return [Location("%s-avoids-%s" % (fence_id(node), node.name), fence_id(node), node.name,
                     "-INFINITY")
            for node in site.nodes if node.fence]


def policy_locations(site):
    if site.policy != "manual":
        return []
    return [Location("%s-avoids-%s" % (GROUP, node.name), GROUP, node.name, "-1")
            for node in site.nodes]
