"""The xcat agents: one registry for the launchers (``xcatha install-agents``),
the reference docs and the cluster configuration generator.

Each agent module defines ``AGENT``, its ResourceAgent class.  This package and
``xcatha_ocf.runtime`` are all that the agents import, and all that
install-agents ships.
"""

PROVIDER = "xcat"
GROUP = "xcat-group"
# agent name -> module in this package, in the order xcat-group starts them
AGENTS = {
    "xcat-shared": "shared",
    "xcat-vip": "vip",
    "xcat-pgsql-conf": "pgsql_conf",
    "xcat-services": "services",
}


def agent_class(name):
    """The ResourceAgent class of agent ``name`` (KeyError for an unknown name)."""
    import importlib
    return importlib.import_module("%s.%s" % (__name__, AGENTS[name])).AGENT
