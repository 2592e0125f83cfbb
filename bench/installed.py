"""The agents as Pacemaker runs them: installed from this tree by ``xcatha
install-agents --ocf-root DIR`` (byte-compiled, as a package installs them) and
executed directly, with a bare environment of the OCF variables."""

import os
import subprocess

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SYSTEM_PYTHON = "/usr/bin/python3"   # the agents' interpreter compiles their byte code
BARE_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"
HEARTBEAT = "/usr/lib/ocf/resource.d/heartbeat"


def install_agents(ocf_root):
    """``xcatha install-agents --ocf-root ocf_root``; the directory of the agents."""
    subprocess.run([SYSTEM_PYTHON, "-m", "xcatha_ocf.cli", "install-agents", "--ocf-root", ocf_root],
                   env=dict(os.environ, PYTHONPATH=REPO), stdout=subprocess.DEVNULL, check=True)
    return os.path.join(ocf_root, "resource.d", "xcat")


def environment(params, interval_ms, timeout_ms=20000, check_level=0, path=BARE_PATH):
    """What Pacemaker gives an agent: PATH, the OCF variables, the parameters."""
    env = {"PATH": path, "OCF_ROOT": "/usr/lib/ocf", "OCF_RESOURCE_INSTANCE": "bench",
           "OCF_RA_VERSION_MAJOR": "1", "OCF_RA_VERSION_MINOR": "1",
           "OCF_RESKEY_CRM_meta_interval": str(interval_ms),
           "OCF_RESKEY_CRM_meta_timeout": str(timeout_ms), "OCF_CHECK_LEVEL": str(check_level)}
    for name, value in params.items():
        env["OCF_RESKEY_" + name] = str(value)
    return env
