"""Compatibility path for tests/test_services_process.py and bench/services_regen.py only
(rewritten elsewhere): other tests get these through the ``ocf_agent`` fixture."""

from support.agentrun import agent_path, exit_reason, run_agent  # noqa: F401
