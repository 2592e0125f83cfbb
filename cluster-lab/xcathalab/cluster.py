"""Bring the 2-node lab up and down, and drive it: the containers, the network, the
shared storage, the fence watcher, cluster formation with pcs and the xCAT group."""

import os
import sys
import time

from xcatha_ocf.agents import GROUP
from xcatha_ocf.crm.command import main_config
from xcatha_ocf.crm.render import render
from xcatha_ocf.runtime.xcat import XCATD_PORT, handshake_failure
from xcathalab import engine, fencewatch, image
from xcathalab.shell import LabError, ok, run, say, wait_for

LABEL = "xcatha-lab=1"
NETWORK = "xcatha-lab"
SUBNET, NETMASK, PREFIX = "172.30.77.0", "255.255.255.0", 24
GATEWAY = "172.30.77.1"
NODES = {"xcatmn1": "172.30.77.11", "xcatmn2": "172.30.77.12"}
VIP = "172.30.77.10"
VOLUME = "xcatha-lab-shared"
SHARED_MOUNT = "/xcatdata"
SOURCE_MOUNT = "/opt/xcatha-src"
FENCE_MOUNT = "/var/lib/xcatlab-fence"
CLUSTER = "xcatlab"
# A password for a throw-away lab, used only inside the lab network.
HACLUSTER_PASSWORD = "xcatlab-hacluster"
DB_USER, DB_PASSWORD = "xcatadm", "xcatlabdb1"   # pgsqlsetup: letters and digits only
LAB_DIR = image.LAB_DIR
SOURCE_DIR = os.path.dirname(LAB_DIR)
SITE_FILE = os.path.join(LAB_DIR, "site.yaml")
FENCE_DIR = os.path.join(engine.STATE_DIR, "fence")
WATCHER_PIDFILE = os.path.join(engine.STATE_DIR, "fencewatch.pid")
WATCHER_LOG = os.path.join(engine.STATE_DIR, "fencewatch.log")
SYSTEMD_FLAGS = [
    "--cap-add", "SYS_ADMIN", "--cap-add", "NET_ADMIN", "--cgroupns=private",
    "--tmpfs", "/run", "--tmpfs", "/run/lock", "--tmpfs", "/tmp", "-e", "container=docker",
    "--stop-signal", "SIGRTMIN+3", "--stop-timeout", "90",
]


def on(node, *argv, **kwargs):
    """Run a command inside ``node`` (with stdin=TEXT fed to it)."""
    interactive = ["-i"] if kwargs.get("stdin") is not None else []
    return run(["docker", "exec"] + interactive + [node] + list(argv), **kwargs)


def xcat(node, *argv, **kwargs):
    """Run an xCAT command inside ``node`` with the environment xCAT's profile sets."""
    return on(node, "env", "XCATROOT=/opt/xcat", "HOME=/root", "PERL_BADLANG=0",
              "PATH=/opt/xcat/bin:/opt/xcat/sbin:/usr/sbin:/usr/bin:/sbin:/bin", *argv, **kwargs)


def main_pid(node, unit):
    """The main PID of ``unit`` in ``node``, 0 when it does not run."""
    result = on(node, "systemctl", "show", "--value", "-p", "MainPID", unit, check=False, timeout=30)
    return int(result.out.strip() or 0)


def pcs(*argv, **kwargs):
    """Run pcs on the first node that answers (the cluster is the same from both)."""
    return on(first_running(), "pcs", *argv, **kwargs)


def first_running():
    for node in NODES:
        if container_state(node) == "running":
            return node
    raise LabError("no lab node is running (xcatha lab up)")


def container_state(node):
    result = run(["docker", "inspect", "-f", "{{.State.Status}}", node], check=False, timeout=30)
    return result.out.strip() if result.rc == 0 else "absent"


# --- up ---------------------------------------------------------------------------

def up(xcat_source=None):
    """Bring the lab up; ``xcat_source`` is xCAT's source tarball (else
    $XCATHA_XCAT_SOURCE), needed when the node image must be built."""
    started = time.monotonic()
    engine.ensure()
    node_image = image.ensure(xcat_source)
    if any(container_image(node) not in (None, node_image) for node in NODES):
        say("the node image changed: recreating the nodes and their shared storage")
        remove_containers_network_and_volume()
    ensure_network_and_volume()
    start_fence_watcher()
    for node in NODES:
        start_node(node, node_image)
    for node in NODES:
        wait_for("%s booted" % node, lambda: booted(node), timeout=120)
        on(node, SOURCE_MOUNT + "/cluster-lab/node/setup.sh", SUBNET, NETMASK, VIP, HACLUSTER_PASSWORD,
           timeout=300)
    if not formed():
        form_cluster()
    else:
        pcs("cluster", "start", "--all", "--wait=120", timeout=180)
    configure()
    say("lab up in %.0f s" % (time.monotonic() - started))


def start_fence_watcher():
    fencewatch.start(FENCE_DIR, NODES, WATCHER_PIDFILE, WATCHER_LOG, [LAB_DIR, SOURCE_DIR])


def stop_fence_watcher():
    """Fencing requests then wait, unanswered, until the watcher runs again."""
    fencewatch.stop(WATCHER_PIDFILE)


def fence_actions():
    """The fencing actions the watcher carried out, one line each ("HH:MM:SS fence
    ACTION NODE: ok"), across watcher restarts."""
    try:
        with open(WATCHER_LOG) as log:
            return [line.strip() for line in log if " fence " in line]
    except FileNotFoundError:
        return []


def ensure_network_and_volume():
    if not ok(["docker", "network", "inspect", NETWORK]):
        run(["docker", "network", "create", "--label", LABEL, "--subnet", "%s/%d" % (SUBNET, PREFIX),
             "--gateway", GATEWAY, NETWORK])
    if not ok(["docker", "volume", "inspect", VOLUME]):
        run(["docker", "volume", "create", "--label", LABEL, VOLUME])


def start_node(node, node_image):
    state = container_state(node)
    if state == "absent":
        say("starting %s (%s)" % (node, NODES[node]))
        hosts = sum((["--add-host", "%s:%s" % item] for item in sorted(NODES.items())), [])
        run(["docker", "run", "-d", "--name", node, "--hostname", node, "--label", LABEL,
             "--network", NETWORK, "--ip", NODES[node]] + hosts + SYSTEMD_FLAGS +
            ["-v", "%s:%s:ro" % (SOURCE_DIR, SOURCE_MOUNT), "-v", "%s:%s" % (VOLUME, SHARED_MOUNT),
             "-v", "%s:%s" % (FENCE_DIR, FENCE_MOUNT), node_image])
    elif state != "running":
        run(["docker", "start", node])


def container_image(node):
    """The image ``node`` was created from, None when there is no such container."""
    result = run(["docker", "inspect", "-f", "{{.Config.Image}}", node], check=False, timeout=30)
    return result.out.strip() if result.rc == 0 else None


def booted(node):
    result = on(node, "systemctl", "is-system-running", check=False, timeout=30)
    return result.out.strip() in ("running", "degraded")


def formed():
    return ok(["docker", "exec", "xcatmn1", "test", "-s", "/etc/corosync/corosync.conf"])


def form_cluster():
    """Form the cluster as an admin does: pcsd auth, setup, start, enable."""
    say("forming cluster %s" % CLUSTER)
    started = time.monotonic()
    hosts = ["%s" % word for node, ip in NODES.items() for word in (node, "addr=" + ip)]
    pcs("host", "auth", *hosts, "-u", "hacluster", "-p", HACLUSTER_PASSWORD)
    pcs("cluster", "setup", CLUSTER, *hosts, timeout=120)
    pcs("cluster", "start", "--all", "--wait=120", timeout=180)
    pcs("cluster", "enable", "--all")
    wait_for("both nodes online", both_online, timeout=120)
    say("cluster formed in %.1f s" % (time.monotonic() - started))


def both_online():
    """Both nodes are Pacemaker members (Corosync membership alone is not enough)."""
    return all(pacemaker_member(node) for node in NODES)


def pacemaker_member(node, observer=None):
    state = node_state(node, observer)
    return bool(state and state.online and not state.pending and not state.unclean)


def probes_found_active(node):
    """The resources whose probe on ``node`` found them running or failed (anything but
    "not running"): after a crash they make Pacemaker recover a group it runs elsewhere."""
    import xml.etree.ElementTree as ElementTree
    status = ElementTree.fromstring(on(first_running(), "cibadmin", "--query", "--scope=status").out)
    return sorted(set(
        resource.get("id")
        for state in status.iter("node_state") if state.get("uname") == node
        for resource in state.iter("lrm_resource")
        for op in resource.iter("lrm_rsc_op")
        if op.get("operation") == "monitor" and op.get("interval") == "0"
        and op.get("rc-code") not in ("7", None) and op.get("op-status") == "0"))


def node_state(node, observer=None):
    """``node`` as crm_mon on ``observer`` (the first running node by default) reports it,
    an ops.cluster.NodeStatus, or None when that crm_mon cannot tell."""
    from xcatha_ocf.ops.cluster import ClusterError, ClusterState
    result = on(observer or first_running(), "crm_mon", "--one-shot", "--output-as=xml",
                check=False, timeout=30)
    try:
        return ClusterState(result.out).nodes.get(node)
    except ClusterError:
        return None


def configure():
    """Fencing and the xCAT group, once; a stopped group is started on xcatmn1."""
    if not ok(["docker", "exec", "xcatmn1", "pcs", "resource", "config", GROUP]):
        say("configuring %s" % GROUP)
        apply_generated_configuration()
    settle()
    if active_node():
        return
    started = time.monotonic()
    start_group("xcatmn1")
    say("%s started on xcatmn1 in %.1f s" % (GROUP, time.monotonic() - started))


def apply_generated_configuration():
    """What an admin does: put the directories on the shared storage, generate the
    configuration from the site file and run the generated pcs script on a node."""
    seed_shared_storage()
    script = render(main_config([SITE_FILE]), "pcs")
    on("xcatmn1", "sh", "-s", stdin=script, timeout=300)


def seed_shared_storage():
    on("xcatmn1", SOURCE_MOUNT + "/cluster-lab/node/seed-shared.sh", SHARED_MOUNT, VIP, DB_PASSWORD,
       SUBNET, NETMASK, timeout=1200)   # 5-7 min measured, nearly all pgsqlsetup


# --- operations -------------------------------------------------------------------

def settle(timeout=300):
    """Wait until the cluster has no actions pending (crm_resource --wait)."""
    for node in NODES:
        if container_state(node) == "running":
            on(node, "crm_resource", "--wait", "--timeout=%ds" % timeout, timeout=timeout + 30)
            return


def active_node():
    """The node the group's VIP runs on, or None."""
    result = pcs("status", "resources", GROUP, check=False, timeout=30)
    for line in result.out.splitlines():
        if "xcat-vip" in line and "Started" in line:
            return line.split()[-1]
    return None


def start_group(node, timeout=180):
    """Move the group to ``node`` the way an admin does; return seconds until it answers there."""
    started = time.monotonic()
    active = active_node()
    if active == node:
        return 0.0
    if active:
        pcs("resource", "move", GROUP, node, "--wait=%d" % timeout, timeout=timeout + 30)
    else:
        pcs("resource", "move-with-constraint", GROUP, node, "--wait=%d" % timeout, timeout=timeout + 30)
        pcs("resource", "clear", GROUP)
    wait_for("%s answering on %s" % (GROUP, node), lambda: group_answers(node), timeout=timeout)
    return time.monotonic() - started


def group_answers(node):
    """The VIP is on ``node`` and xcatd answers a TLS hello on it."""
    if VIP not in on(node, "ip", "-4", "-o", "addr", "show", "dev", "eth0", check=False).out:
        return False
    return handshake_failure(VIP, XCATD_PORT, 2) is None


def failover(node):
    if node not in NODES:
        raise LabError("unknown node %s (%s)" % (node, ", ".join(NODES)))
    source = active_node()
    seconds = start_group(node)
    say("%s moved %s -> %s: answering after %.1f s" % (GROUP, source or "stopped", node, seconds))
    return seconds


def status(out=sys.stdout):
    for node in NODES:
        out.write("%s: %s\n" % (node, container_state(node)))
    if any(container_state(node) == "running" for node in NODES):
        out.write(pcs("status", "--full", check=False, timeout=60).out)
    out.flush()


def set_policy(policy):
    """manual: the group avoids every node by a score of -1 (it never starts or fails over
    by itself); automatic: those constraints removed, ordinary failover after fencing."""
    import xml.etree.ElementTree as ElementTree
    constraints = ElementTree.fromstring(pcs("cluster", "cib", "scope=constraints").out)
    avoiding = [c.get("id") for c in constraints.iter("rsc_location")
                if c.get("rsc") == GROUP and c.get("score") == "-1"]
    if policy == "automatic":
        for constraint in avoiding:
            pcs("constraint", "remove", constraint)
    elif not avoiding:
        pcs("constraint", "location", GROUP, "avoids", *("%s=1" % node for node in NODES))
    say("%s policy: %s" % (GROUP, policy))


# --- down -------------------------------------------------------------------------

def down(purge=False):
    if engine.answering():
        remove_containers_network_and_volume()
        if purge:
            image.purge()
    stop_fence_watcher()
    engine.stop()


def remove_containers_network_and_volume():
    for node in NODES:
        if container_state(node) != "absent":
            say("removing %s" % node)
            run(["docker", "rm", "-f", node], timeout=120)
    if ok(["docker", "network", "inspect", NETWORK]):
        run(["docker", "network", "rm", NETWORK])
    if ok(["docker", "volume", "inspect", VOLUME]):
        run(["docker", "volume", "rm", VOLUME])
