"""What the lab tests (tests/lab/) look at on the nodes and the cluster."""

import json
import subprocess

from xcatha_ocf.runtime import xcat
from xcathalab import cluster

GROUP = cluster.GROUP
OTHER = {"xcatmn1": "xcatmn2", "xcatmn2": "xcatmn1"}


def pcs(*argv, **kwargs):
    return cluster.pcs(*argv, timeout=120, **kwargs)


def xcatha(node, *args, timeout=300):
    """The xcatha command node/setup.sh installed in ``node``, run as an admin runs it."""
    return cluster.on(node, "xcatha", *args, check=False, timeout=timeout)


def check_results(node="xcatmn1"):
    """``xcatha check --json`` run on ``node``: {(name, node): item}."""
    items = json.loads(xcatha(node, "check", "--json").out)
    return {(item["name"], item["node"]): item for item in items}


def has_vip(node):
    if cluster.container_state(node) != "running":
        return False
    out = cluster.on(node, "ip", "-4", "-o", "addr", "show", "dev", "eth0", check=False).out
    return (" %s/" % cluster.VIP) in out


def group_members_started_on(node):
    out = pcs("status", "resources", GROUP, check=False).out
    # pcs 0.11: "    * xcat-vip\t(ocf:xcat:xcat-vip):\t Started xcatmn1"
    return [line.replace("*", " ").split()[0] for line in out.splitlines() if "Started " + node in line]


def mac_of(node):
    return cluster.on(node, "cat", "/sys/class/net/eth0/address").out.strip().lower()


def host_sees_vip_at(node):
    """The host's ARP entry for the VIP (after a ping) is ``node``'s MAC."""
    subprocess.call(["ping", "-c1", "-W1", cluster.VIP], stdout=subprocess.DEVNULL)
    out = subprocess.run(["ip", "neigh", "show", cluster.VIP], stdout=subprocess.PIPE,
                         universal_newlines=True).stdout.lower()
    return mac_of(node) in out


def xcatd_answers():
    return xcat.handshake_failure(cluster.VIP, xcat.XCATD_PORT, 2) is None


def psql_over_vip(node):
    """A password login over the VIP from ``node``'s peer (so it crosses the lab network)."""
    peer = OTHER[node]
    return cluster.on(peer, "env", "PGPASSWORD=" + cluster.DB_PASSWORD, "psql", "-h", cluster.VIP,
                      "-U", cluster.DB_USER, "-d", "xcatdb", "-tAc", "select 1", check=False,
                      timeout=30).out.strip() == "1"


def check_group_on(node):
    """Everything the group offers answers from ``node``, nothing of it runs on the
    other, and the clocks are kept on both."""
    assert has_vip(node)
    assert not has_vip(OTHER[node])
    assert host_sees_vip_at(node)
    assert group_members_started_on(OTHER[node]) == []
    assert xcatd_answers()
    assert psql_over_vip(node)
    assert all(cluster.main_pid(each, "chrony") for each in cluster.NODES)


def fencings_of(executor, target):
    """How many successful fencing actions against ``target`` ``executor``'s fencer knows
    (--verbose: without it, one line per target and action, however many there were)."""
    out = cluster.on(executor, "stonith_admin", "--history", target, "--verbose", check=False,
                     timeout=30).out
    return sum(1 for line in out.splitlines() if " of %s successful" % target in line)


def failed_actions():
    out = pcs("status", "--full").out
    return out.split("Failed Resource Actions:", 1)[1] if "Failed Resource Actions:" in out else ""


def started_at(node):
    return cluster.run(["docker", "inspect", "-f", "{{.State.StartedAt}}", node]).out.strip()
