"""Every agent's meta-data, as Pacemaker gets it from the launcher, against the
schemas the tools use: pcs's RelaxNG for its OCF version and the OCF 1.0 DTD of
ocf-tester; then pcs and crm_resource reading the installed agents."""

import subprocess

import pytest
from lxml import etree

from xcatha_ocf import docs, install

PCS_SCHEMA = "/usr/share/pcs/data/ocf-%s.rng"
OCF_DTD = "/usr/share/resource-agents/ra-api-1.dtd"
AGENTS = sorted(install.AGENTS)
PARSER = etree.XMLParser(load_dtd=False, no_network=True, resolve_entities=False)


def parse(xml):
    return etree.fromstring(xml.encode("utf-8"), PARSER)


def launcher_metadata(ocf_agent, agent):
    result = ocf_agent.run(agent, "meta-data")
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def metadata(ocf_agent):
    return {agent: launcher_metadata(ocf_agent, agent) for agent in AGENTS}


@pytest.mark.parametrize("agent", AGENTS)
def test_metadata_matches_pcs_schema_of_its_version(agent, metadata):
    root = parse(metadata[agent])
    version = root.findtext("version")
    assert version in ("1.0", "1.1")
    schema = etree.RelaxNG(etree.parse(PCS_SCHEMA % version))
    assert schema.validate(root), schema.error_log


@pytest.mark.parametrize("agent", AGENTS)
def test_metadata_matches_ocf_dtd(agent, metadata):
    dtd = etree.DTD(OCF_DTD)
    assert dtd.validate(parse(metadata[agent])), dtd.error_log


@pytest.mark.parametrize("agent", AGENTS)
def test_metadata_names_the_agent_and_declares_the_ocf_actions(agent, metadata):
    described = docs.parse_metadata(metadata[agent])
    assert described["name"] == agent
    actions = {action["name"] for action in described["actions"]}
    assert {"start", "stop", "monitor", "meta-data", "validate-all"} <= actions
    assert all(action["timeout"] for action in described["actions"])
    assert described["shortdesc"] and described["longdesc"]
    assert all(p["shortdesc"] and p["longdesc"] for p in described["parameters"])


def test_schemas_reject_broken_metadata(metadata):
    """The validation above can fail: an action without a name breaks both schemas."""
    broken = parse(metadata[AGENTS[0]])
    del broken.find("actions/action").attrib["name"]
    assert not etree.RelaxNG(etree.parse(PCS_SCHEMA % "1.1")).validate(broken)
    assert not etree.DTD(OCF_DTD).validate(broken)


@pytest.mark.parametrize("agent", AGENTS)
def test_pcs_describes_installed_agent(agent, metadata, system_agents):
    result = subprocess.run(["pcs", "resource", "describe", "ocf:xcat:" + agent],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            universal_newlines=True, timeout=60)
    assert result.returncode == 0, result.stderr
    described = docs.parse_metadata(metadata[agent])
    assert result.stdout.startswith("ocf:xcat:%s - %s" % (agent, described["shortdesc"]))
    for param in described["parameters"]:
        marker = " (required)" if param["required"] else ""
        assert "  %s%s: " % (param["name"], marker) in result.stdout
    for action in described["actions"]:
        if action["name"] in ("start", "stop", "monitor"):
            assert "  %s:\n" % action["name"] in result.stdout
            assert "timeout=%s" % action["timeout"] in result.stdout


@pytest.mark.parametrize("agent", AGENTS)
def test_crm_resource_shows_installed_metadata(agent, metadata, system_agents):
    result = subprocess.run(["crm_resource", "--show-metadata", "ocf:xcat:" + agent],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            universal_newlines=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert docs.parse_metadata(result.stdout) == docs.parse_metadata(metadata[agent])
