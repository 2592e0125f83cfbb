"""Render a Configuration as a pcs script, crmsh text or CIB XML (jinja2 templates
shipped in xcatha_ocf/templates), and the pcs steps that ``xcatha crm apply`` runs."""

import re
import shlex

FORMATS = ("pcs", "crmsh", "xml")
CRM_BARE = re.compile(r"^[A-Za-z0-9_.:/@+%=,-]+$")


def crm_quote(value):
    """A crmsh value: bare when safe, else double-quoted with \\ escapes."""
    text = str(value)
    if CRM_BARE.match(text):
        return text
    return '"%s"' % text.replace("\\", "\\\\").replace('"', '\\"')


def environment():
    import jinja2
    env = jinja2.Environment(loader=jinja2.PackageLoader("xcatha_ocf", "templates"),
                             autoescape=jinja2.select_autoescape(["xml.j2"]),
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.filters["sh"] = shlex.quote
    env.filters["crm"] = crm_quote
    return env


def pcs_step_lines(config, env=None):
    """The pcs commands as text, one per logical line (continuations kept)."""
    text = (env or environment()).get_template("pcs-steps.j2").render(config=config)
    lines, current = [], ""
    for line in text.splitlines():
        current += line + "\n"
        if not line.endswith("\\"):
            if current.strip():
                lines.append(current.rstrip("\n"))
            current = ""
    return lines


def pcs_steps(config):
    """The pcs commands as argument lists, for ``pcs -f FILE`` + each."""
    return [shlex.split(line) for line in pcs_step_lines(config)]


def render(config, output_format):
    env = environment()
    if output_format == "pcs":
        return env.get_template("pcs.sh.j2").render(config=config,
                                                    steps=pcs_step_lines(config, env))
    if output_format == "crmsh":
        return env.get_template("crmsh.j2").render(config=config)
    if output_format == "xml":
        return pretty_xml(env.get_template("cib.xml.j2").render(config=config))
    raise ValueError("unknown format %r" % output_format)


def pretty_xml(text):
    from lxml import etree
    root = etree.fromstring(text.encode(), etree.XMLParser(remove_blank_text=True))
    return etree.tostring(root, pretty_print=True, encoding="unicode")
