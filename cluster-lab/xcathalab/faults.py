"""Faults the lab can inject on the node that runs the xCAT group."""

from xcatha_ocf.agents import GROUP
from xcathalab import cluster
from xcathalab.shell import LabError, say

POSTMASTER_PID = "/var/lib/postgresql/15/main/postmaster.pid"


def kill_postgres(node):
    pid = cluster.on(node, "head", "-1", POSTMASTER_PID).out.strip()
    cluster.on(node, "kill", "-KILL", pid)
    say("killed the PostgreSQL postmaster (pid %s) on %s" % (pid, node))


def delete_vip(node):
    cluster.on(node, "ip", "addr", "del", "%s/%d" % (cluster.VIP, cluster.PREFIX), "dev", "eth0")
    say("deleted %s from eth0 on %s" % (cluster.VIP, node))


def unmount_shared(node, directory="/install"):
    if cluster.on(node, "mountpoint", "-q", directory, check=False).rc != 0:
        raise LabError("%s is not a mount point on %s" % (directory, node))
    cluster.on(node, "umount", "-l", directory)
    say("unmounted %s on %s" % (directory, node))


def partition(node):
    """Cut the cluster network between the nodes (blackhole routes on both sides)."""
    for here, there in ((a, b) for a in cluster.NODES for b in cluster.NODES if a != b):
        cluster.on(here, "ip", "route", "replace", "blackhole", cluster.NODES[there] + "/32", check=False)
    say("partitioned %s" % " | ".join(cluster.NODES))


def heal(node):
    for here, there in ((a, b) for a in cluster.NODES for b in cluster.NODES if a != b):
        if cluster.container_state(here) == "running":
            cluster.on(here, "ip", "route", "del", "blackhole", cluster.NODES[there] + "/32", check=False)
    say("healed the partition")


FAULTS = {
    "kill-postgres": kill_postgres,
    "delete-vip": delete_vip,
    "unmount-shared": unmount_shared,
    "partition": partition,
    "heal": heal,
}


def inject(name):
    node = cluster.active_node()
    if node is None and name not in ("partition", "heal"):
        raise LabError("%s is not running anywhere: nothing to inject %s into" % (GROUP, name))
    FAULTS[name](node)
