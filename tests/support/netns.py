"""Two network namespaces joined by a veth pair, made and removed by the test."""

import subprocess
import uuid


def ip(*args, check=True):
    """``ip ARGS``; its output."""
    return subprocess.run(["ip"] + list(args), capture_output=True, text=True,
                          check=check).stdout


class NamespacePair(object):
    """Namespaces ``node`` and ``peer``, each with its end of a veth pair named
    ``node_nic`` and ``peer_nic`` inside it, its addresses (address/prefix) and lo up."""

    def __init__(self, prefix, node_nic, node_addresses, peer_nic, peer_addresses):
        tag = uuid.uuid4().hex[:6]
        self.node, self.peer = "%s-node-%s" % (prefix, tag), "%s-peer-%s" % (prefix, tag)
        self.node_nic, self.peer_nic = node_nic, peer_nic
        for ns in (self.node, self.peer):
            ip("netns", "add", ns)
            ip("-n", ns, "link", "set", "lo", "up")
        ip("link", "add", "xn" + tag, "type", "veth", "peer", "name", "xp" + tag)
        for veth, ns, nic, addresses in (("xn" + tag, self.node, node_nic, node_addresses),
                                         ("xp" + tag, self.peer, peer_nic, peer_addresses)):
            ip("link", "set", veth, "netns", ns, "name", nic)
            for address in addresses:
                ip("-n", ns, "addr", "add", address, "dev", nic)
            ip("-n", ns, "link", "set", nic, "up")

    def remove(self):
        for ns in (self.node, self.peer):
            ip("netns", "del", ns, check=False)
