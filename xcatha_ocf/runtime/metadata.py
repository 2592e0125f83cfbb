"""Renders an agent's declaration as OCF meta-data XML.

The output validates against both the OCF 1.0 DTD that ocf-tester uses and the
RelaxNG schema pcs uses for ``<version>1.1</version>``, so it keeps to the
elements and attributes both know.
"""

from xml.sax.saxutils import escape, quoteattr

OCF_VERSION = "1.1"


def seconds(value):
    return "%ds" % value


def longdesc(param):
    """The parameter's description, with its range when it has one (the OCF schema
    has no attribute for it)."""
    if param.minimum is None and param.maximum is None:
        return param.longdesc
    return "%s. Range: %d to %d." % (param.longdesc.rstrip("."), param.minimum, param.maximum)


def parameter_xml(param):
    default = "" if param.default is None else " default=%s" % quoteattr(str(param.default))
    return (
        '    <parameter name=%s unique="%d" required="%d">\n'
        '      <longdesc lang="en">%s</longdesc>\n'
        '      <shortdesc lang="en">%s</shortdesc>\n'
        '      <content type="%s"%s/>\n'
        '    </parameter>\n'
        % (quoteattr(param.name), param.unique, param.required, escape(longdesc(param)),
           escape(param.shortdesc), param.type, default))


def action_xml(action):
    attributes = ["name=%s" % quoteattr(action.name), 'timeout="%s"' % seconds(action.timeout)]
    if action.interval is not None:
        attributes.append('interval="%s"' % seconds(action.interval))
    if action.depth is not None:
        attributes.append('depth="%d"' % action.depth)
    return "    <action %s/>\n" % " ".join(attributes)


def render(agent_class):
    from xcatha_ocf import __version__
    return (
        '<?xml version="1.0"?>\n'
        '<!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd">\n'
        '<resource-agent name=%s version=%s>\n'
        '  <version>%s</version>\n'
        '  <longdesc lang="en">%s</longdesc>\n'
        '  <shortdesc lang="en">%s</shortdesc>\n'
        '  <parameters>\n%s  </parameters>\n'
        '  <actions>\n%s  </actions>\n'
        '</resource-agent>\n'
        % (quoteattr(agent_class.NAME), quoteattr(agent_class.VERSION or __version__),
           OCF_VERSION, escape(agent_class.LONGDESC), escape(agent_class.SHORTDESC),
           "".join(parameter_xml(p) for p in agent_class.PARAMETERS),
           "".join(action_xml(a) for a in agent_class.actions())))
