"""Parameters and actions of the xcat agents, read from the agent classes.

The generated configuration takes every operation's timeout and interval from
the agent's ACTIONS declaration, and checks parameter names against its
PARAMETERS, so the cluster configuration and the agents cannot drift apart.

THE REAL AGENT ALWAYS WINS: ``FALLBACK`` is used only for an agent whose
module is not (yet) in ``install.AGENTS`` or cannot be imported.  Its values
are the documented contract between the agents and this generator (parameter
names from the project brief, conservative timeouts) and exist so that the
generator works while those agents are being written.
"""

import importlib

from xcatha_ocf import install
from xcatha_ocf.ocf import Action, ResourceAgent

FALLBACK = {
    "xcat-shared": {
        "parameters": ("shared_dir", "directories", "device", "fstype", "options", "kill_holders"),
        "required": ("shared_dir",),
        "actions": (Action("start", timeout=120), Action("stop", timeout=180),
                    Action("monitor", timeout=30, interval=20, depth=0)),
    },
    "xcat-pgsql-conf": {
        "parameters": ("vip", "nic", "node_addresses", "config_dir", "hba_file", "conf_file",
                       "auth_method", "database", "user", "client_networks",
                       "restart_postgresql"),
        "required": ("vip",),
        "actions": (Action("start", timeout=120), Action("stop", timeout=120),
                    Action("monitor", timeout=30, interval=30, depth=0)),
    },
    "xcat-services": {
        "parameters": ("services", "console", "regenerate", "makedns_timeout",
                       "makedhcp_timeout", "console_timeout", "parallel_regenerate",
                       "mgtifname", "disable_boot_units", "xcatd_port"),
        "required": (),
        "actions": (Action("start", timeout=600), Action("stop", timeout=300),
                    Action("monitor", timeout=60, interval=30, depth=0)),
    },
}


class AgentInfo(object):
    """What the generator needs to know about one agent."""

    def __init__(self, name, parameters, required, actions, declared_by, checks=None):
        self.name = name
        self.parameters = tuple(parameters)
        self.checks = checks or {}       # name -> ocf.Parameter, from the real agent only
        self.required = tuple(required)
        self.actions = tuple(actions)
        self.declared_by = declared_by   # "module xcatha_ocf.agents.vip" or "fallback"

    def check(self, name, text):
        """The agent's own conversion and check of a value; ValueError if it refuses it."""
        if name in self.checks:
            self.checks[name].parse(text)

    def action(self, name):
        for action in self.actions:
            if action.name == name:
                return action
        raise KeyError("%s declares no %s action" % (self.name, name))

    def monitors(self):
        """Recurring monitors, shallowest first (each needs its own interval)."""
        found = [a for a in self.actions if a.name == "monitor" and a.interval]
        return sorted(found, key=lambda a: a.depth or 0)


def agent_class(name):
    """The ResourceAgent subclass for ``name``, or None while its module is missing."""
    module_name = install.AGENTS.get(name)
    if module_name is None:
        return None
    qualified = "xcatha_ocf.agents." + module_name
    try:
        module = importlib.import_module(qualified)
    except ImportError as error:
        if getattr(error, "name", None) != qualified:
            raise   # the module exists but is broken: say so, do not paper over it
        return None
    for value in vars(module).values():
        if isinstance(value, type) and issubclass(value, ResourceAgent) and value.NAME == name:
            return value
    raise LookupError("%s defines no agent class named %s" % (qualified, name))


def agent_info(name):
    cls = agent_class(name)
    if cls is not None:
        return AgentInfo(name, [p.name for p in cls.PARAMETERS],
                         [p.name for p in cls.PARAMETERS if p.required],
                         cls.ACTIONS, "module " + cls.__module__,
                         {p.name: p for p in cls.PARAMETERS})
    fallback = FALLBACK[name]
    return AgentInfo(name, fallback["parameters"], fallback["required"], fallback["actions"],
                     "fallback")
