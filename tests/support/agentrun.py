"""Running an agent the way Pacemaker does: a bare environment, the OCF
variables and parameters, the agent file executed directly (its own
#!/usr/bin/python3 -IS line), optionally inside a network namespace."""

import os
import subprocess

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
AGENTS = os.path.join(REPO, "agents")


def agent_path(name):
    return os.path.join(AGENTS, name)


def ocf_environment(params=None, interval_ms=10000, timeout_ms=20000, extra=None):
    env = {
        "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
        "OCF_ROOT": "/usr/lib/ocf",
        "OCF_RESOURCE_INSTANCE": "test",
        "OCF_RA_VERSION_MAJOR": "1",
        "OCF_RA_VERSION_MINOR": "1",
        "OCF_RESKEY_CRM_meta_interval": str(interval_ms),
        "OCF_RESKEY_CRM_meta_timeout": str(timeout_ms),
    }
    for name, value in (params or {}).items():
        env["OCF_RESKEY_" + name] = str(value)
    env.update(extra or {})
    return env


def run_agent(name, action, params=None, netns=None, args=(), timeout=60, **env_options):
    """Run ``name action`` and return the CompletedProcess (rc, stdout, stderr)."""
    command = [agent_path(name), action] + list(args)
    if netns:
        command = ["ip", "netns", "exec", netns] + command
    return subprocess.run(command, env=ocf_environment(params, **env_options),
                          capture_output=True, text=True, timeout=timeout)


def exit_reason(result):
    """The ocf-exit-reason line the agent printed, or None."""
    for line in result.stderr.splitlines():
        if line.startswith("ocf-exit-reason:"):
            return line[len("ocf-exit-reason:"):]
    return None
