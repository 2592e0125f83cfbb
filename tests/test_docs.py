"""``xcatha docs``: the checked-in reference is current, complete, renders as a
man page, and its example commands work with the real pcs and crmsh."""

import os
import re
import shlex
import shutil
import subprocess

import pytest

from xcatha_ocf import cli, docs, install
from xcatha_ocf.runtime import metadata
from xcatha_ocf.runtime.ocf import Action, ResourceAgent
from xcatha_ocf.runtime.params import Parameter

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = os.path.join(REPO, "docs")
AGENTS = sorted(install.AGENTS)


@pytest.fixture(scope="module")
def described(ocf_agent):
    """``described(agent)``: the agent as the docs see it, from the launcher's meta-data."""
    return lambda agent: docs.parse_metadata(ocf_agent.run(agent, "meta-data").stdout)


def read(path):
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def run(command, **options):
    return subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=60, **options)


def test_checked_in_docs_are_current(capsys):
    status = cli.main(["docs", "--check", "--output", DOCS])
    assert status == 0, "stale docs, run xcatha docs:\n" + capsys.readouterr().out


def test_pages_come_from_the_launcher_metadata(described):
    for agent in AGENTS:
        assert docs.parse_metadata(docs.metadata_xml(agent)) == described(agent)


def test_check_finds_stale_missing_and_orphaned_pages_and_docs_fixes_them(tmp_path, capsys):
    output = str(tmp_path / "docs")
    shutil.copytree(DOCS, output)
    page = os.path.join(output, docs.markdown_page(AGENTS[0]))
    with open(page, "a") as handle:
        handle.write("edited by hand\n")
    os.unlink(os.path.join(output, docs.man_page(AGENTS[0])))
    orphan = os.path.join(output, "man", "ocf_xcat_retired.7")
    with open(orphan, "w") as handle:
        handle.write('.\\" %s\n' % docs.GENERATED)
    admin_note = os.path.join(output, "agents", "site-notes.md")
    with open(admin_note, "w") as handle:
        handle.write("written by an admin\n")

    assert cli.main(["docs", "--check", "--output", output]) == 1
    report = capsys.readouterr().out
    for path in (page, os.path.join(output, docs.man_page(AGENTS[0])), orphan):
        assert "out of date: %s\n" % path in report
    assert "site-notes" not in report

    assert cli.main(["docs", "--output", output]) == 0
    assert cli.main(["docs", "--check", "--output", output]) == 0
    assert not os.path.exists(orphan)
    assert read(admin_note) == "written by an admin\n"
    assert read(page) == read(os.path.join(DOCS, docs.markdown_page(AGENTS[0])))


@pytest.mark.parametrize("agent", AGENTS)
def test_markdown_lists_every_parameter_and_action(agent, described):
    text = read(os.path.join(DOCS, docs.markdown_page(agent)))
    agent_info = described(agent)
    for p in agent_info["parameters"]:
        default = (docs.markdown_text(docs.markdown_code(p["default"]))
                   if p["default"] is not None else "none")
        row = "| [`%s`](#%s) | %s | %s | %s | %s |" % (
            p["name"], p["name"].lower(), p["type"], default, "yes" if p["required"] else "no",
            "yes" if p["unique"] else "no")
        assert row in text
        assert "\n### %s\n\n%s\n" % (p["name"], p["longdesc"]) in text
    for a in agent_info["actions"]:
        assert "| `%s` | %s | %s |" % (a["name"], a["timeout"], a["interval"] or "") in text
    assert "[ocf:xcat:%s](%s.md)" % (agent, agent) in read(os.path.join(DOCS, "agents", "README.md"))


def man_output(agent):
    env = dict(os.environ, MANWIDTH="200", MAN_KEEP_FORMATTING="0", LC_ALL="C.UTF-8")
    result = run(["man", "-l", os.path.join(DOCS, docs.man_page(agent))], env=env)
    assert result.returncode == 0, result.stderr
    return re.sub(".\b", "", result.stdout)


@pytest.mark.parametrize("agent", AGENTS)
def test_man_page_renders_cleanly(agent, described):
    result = run(["groff", "-man", "-Tutf8", "-ww", "-z", os.path.join(DOCS, docs.man_page(agent))])
    assert result.returncode == 0 and result.stderr == ""
    text = man_output(agent)
    for section in ("NAME", "SYNOPSIS", "DESCRIPTION", "SUPPORTED PARAMETERS",
                    "SUPPORTED ACTIONS", "EXAMPLE CRM SHELL", "EXAMPLE PCS", "SEE ALSO"):
        assert "\n%s\n" % section in text
    agent_info = described(agent)
    assert "ocf_xcat_%s - %s" % (agent, agent_info["shortdesc"]) in text
    for p in agent_info["parameters"]:
        kind = ("unique, " if p["unique"] else "") + ("required" if p["required"] else "optional")
        default = 'default "%s"' % p["default"] if p["default"] is not None else "no default"
        assert "\n       %s\n" % p["name"] in text
        assert "(%s, %s, %s)" % (kind, p["type"], default) in text
    for a in agent_info["actions"]:
        assert "Suggested minimum timeout: %s." % a["timeout"] in text
    assert "pcs resource create %s ocf:xcat:%s \\\n" % (agent, agent) in text


def example(agent, tool):
    """The example command for ``tool`` from the agent's Markdown page, as argv."""
    text = read(os.path.join(DOCS, docs.markdown_page(agent)))
    heading = {"crm": "## Example: crm shell", "pcs": "## Example: pcs"}[tool]
    block = text.split(heading, 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    return shlex.split(block.replace("\\\n", " "))


@pytest.fixture
def empty_cib(tmp_path, system_agents):
    cib = str(tmp_path / "cib.xml")
    with open(cib, "w") as handle:
        handle.write(run(["cibadmin", "--empty"]).stdout)
    env = dict(os.environ, CIB_file=cib, HOME=str(tmp_path))
    for name, value in (("stonith-enabled", "false"), ("no-quorum-policy", "ignore")):
        assert run(["crm_attribute", "-t", "crm_config", "-n", name, "-v", value],
                   env=env).returncode == 0
    return cib, env


def configured_operations(cib, agent):
    from lxml import etree
    primitive = etree.parse(cib).find(".//primitive[@id='%s']" % agent)
    assert primitive is not None and primitive.get("type") == agent
    return {op.get("name"): (op.get("interval").rstrip("s"), op.get("timeout"))
            for op in primitive.iterfind("operations/op")}


def expected_operations(agent_info):
    return {a["name"]: ((a["interval"] or "0s").rstrip("s"), a["timeout"])
            for a in agent_info["actions"]
            if a["name"] in ("start", "stop") or docs.recurring(a)}


@pytest.mark.parametrize("agent", AGENTS)
def test_pcs_example_creates_the_resource_with_default_operations(agent, empty_cib, described):
    cib, env = empty_cib
    command = example(agent, "pcs")
    assert command[:3] == ["pcs", "resource", "create"]
    result = run(command[:1] + ["-f", cib] + command[1:], env=env)
    assert result.returncode == 0, result.stderr
    assert configured_operations(cib, agent) == expected_operations(described(agent))


@pytest.mark.parametrize("agent", AGENTS)
def test_crm_example_creates_the_resource(agent, empty_cib, described):
    cib, env = empty_cib
    command = example(agent, "crm")
    assert command[:3] == ["crm", "configure", "primitive"]
    result = run(command, env=env)
    assert result.returncode == 0 and "ERROR" not in result.stderr, result.stderr
    assert configured_operations(cib, agent) == expected_operations(described(agent))


class Awkward(ResourceAgent):
    """An agent whose texts trip Markdown and troff: the templates must not care."""
    NAME = "xcat-awkward"
    SHORTDESC = "Pipes | backslashes \\ and -dashes"
    LONGDESC = ".starts like a troff request; 'and a quote, `ticks` and <xml> & co."
    PARAMETERS = (
        Parameter("count", type="integer", required=True, minimum=0, maximum=9, shortdesc="A | count",
                  longdesc="'quoted start and C:\\path"),
        Parameter("mode", default="a|b", shortdesc="Mode with `ticks`"),
    )
    ACTIONS = (Action("start", timeout=30), Action("stop", timeout=40),
               Action("monitor", timeout=25, interval=60, depth=10),
               Action("meta-data", timeout=5))


def test_awkward_texts_render_safely(tmp_path):
    agent = docs.parse_metadata(metadata.render(Awkward))
    pages = docs.render_pages([agent])
    markdown = pages[docs.markdown_page("xcat-awkward")]
    assert "| [`count`](#count) | integer | none | yes | no | A \\| count |" in markdown
    assert "| [`mode`](#mode) | string | `a\\|b` | no | no | Mode with `ticks` |" in markdown
    assert "  op monitor interval=60s timeout=25s depth=10\n" in markdown
    assert "  op monitor interval=60s timeout=25s OCF_CHECK_LEVEL=10\n" in markdown
    page = tmp_path / "ocf_xcat_xcat-awkward.7"
    page.write_text(pages[docs.man_page("xcat-awkward")])
    result = run(["groff", "-man", "-Tutf8", "-ww", "-z", str(page)])
    assert result.returncode == 0 and result.stderr == ""
    text = run(["man", "-l", str(page)], env=dict(os.environ, MANWIDTH="200", LC_ALL="C.UTF-8"))
    text = re.sub(".\b", "", text.stdout)
    assert "ocf_xcat_xcat-awkward - Pipes | backslashes \\ and -dashes\n" in text
    assert ".starts like a troff request; 'and a quote" in text
    assert "'quoted start and C:\\path" in text
    assert "count=COUNT" in text
