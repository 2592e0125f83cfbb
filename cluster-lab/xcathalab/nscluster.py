"""A live two-node Pacemaker cluster in network namespaces on this host, for the
operator commands (tests/test_ops_live.py, bench/ops_failover.py).

Each node is ``ip netns exec`` + ``unshare --mount --uts --pid`` with its own
/etc/corosync, /var/lib/pacemaker, /var/lib/corosync, /var/log, /run and
/dev/shm bound from a temporary directory, running the host's corosync and
pacemakerd; veths join the nodes through a bridge in a third namespace
(198.51.100.0/24).  No systemd, so no pcsd: pcs's resource, constraint, node,
stonith and property commands work without it.

The configuration is the one ``xcatha crm generate`` makes for this site, with
this tree's agents installed (xcatha install-agents) in a temporary OCF root
that each node overlays on /usr/lib/ocf.  xcat-shared binds directories of the
temporary directory from a "shared storage" directory both nodes see, xcat-vip
puts the VIP on eth0:0, xcat-pgsql-conf edits a PostgreSQL configuration kept
on that storage.  Only xcat-services is replaced, by a fake xcatd (see with_fake_xcatd).
Fencing is a test fence agent that answers monitor but can never fence (a dead
BMC), overlaid on /usr/sbin inside the nodes only: a lost node stays UNCLEAN
until an admin confirms it is down.
"""

import os
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ElementTree

from xcatha_ocf import install
from xcatha_ocf.agents import GROUP
from xcatha_ocf.crm.command import main_config
from xcatha_ocf.crm.render import render
from xcatha_ocf.runtime.xcat import XCATD_PORT
from xcathalab.shell import run, wait_for

PREFIX = "opsl"
NODES = {"xcatmn1": "198.51.100.11", "xcatmn2": "198.51.100.12"}
VIP = "198.51.100.10"
SOURCE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
XCAT_DIRECTORIES = ("install", "etc/xcat", "root/.xcat", "var/lib/pgsql", "tftpboot")
PGSQL_DATA = "var/lib/pgsql/data"

COROSYNC_CONF = """\
totem {
  version: 2
  cluster_name: nscluster
  transport: knet
  crypto_cipher: none
  crypto_hash: none
  token: 1000
}
nodelist {
%s}
quorum {
  provider: corosync_votequorum
  two_node: 1
}
logging {
  to_stderr: no
  to_logfile: yes
  logfile: /var/log/corosync.log
  to_syslog: no
}
"""
NODE_ENTRY = "  node {\n    ring0_addr: %s\n    name: %s\n    nodeid: %d\n  }\n"
SEED_CIB = """\
<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config>
      <cluster_property_set id="cib-bootstrap-options">
        <nvpair id="opt-dc-deadtime" name="dc-deadtime" value="3s"/>
      </cluster_property_set>
    </crm_config>
    <nodes/><resources/><constraints/>
  </configuration>
  <status/>
</cib>
"""
NODE_SCRIPT = """\
set -e
mount --make-rprivate /
for path in etc/corosync var/lib/pacemaker var/lib/corosync var/log; do
  mount --bind "$1/$path" "/$path"
done
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /dev/shm
mount -t overlay overlay -o "lowerdir=$1/fence:/usr/sbin" /usr/sbin
# this tree's agents: the overlay makes their mount points, the binds hide any on the host
mount -t overlay overlay -o "lowerdir=$3:/usr/lib/ocf" /usr/lib/ocf
mount --bind "$3/resource.d/xcat" /usr/lib/ocf/resource.d/xcat
mount --bind "$3/lib/xcat" /usr/lib/ocf/lib/xcat
mkdir -p /var/log/pacemaker
chown hacluster:haclient /var/log/pacemaker
hostname "$2"
corosync -f >/var/log/corosync.out 2>&1 &
exec python3 -c "$REAPER" >/var/log/pacemakerd.out 2>&1
"""
# PID 1 of a node: runs pacemakerd and reaps orphans (a killed agent child would
# otherwise stay a zombie that `kill -0` still finds).
REAPER = """\
import os, subprocess
pacemakerd = subprocess.Popen(["pacemakerd"])
while os.wait()[0] != pacemakerd.pid:
    pass
"""
# A test fence agent (RHCS protocol): monitor works, fencing never does.
FENCE_AGENT = """\
#!/bin/sh
action=reboot
while [ $# -gt 0 ]; do
  case "$1" in -o) action=$2; shift ;; --action=*) action=${1#--action=} ;; esac
  shift
done
[ -t 0 ] || while read -r line; do
  case "$line" in action=*|option=*) action=${line#*=} ;; esac
done
case "$action" in
metadata) cat <<'META'
<?xml version="1.0" ?>
<resource-agent name="fence_dead_bmc" shortdesc="test fence agent that can never fence (a dead BMC)">
<parameters>
  <parameter name="action" unique="0" required="0"><getopt mixed="-o, --action=[action]"/>
    <content type="string" default="reboot"/><shortdesc lang="en">Fencing action</shortdesc></parameter>
  <parameter name="plug" unique="0" required="0"><getopt mixed="-n, --plug=[id]"/>
    <content type="string"/><shortdesc lang="en">Node to fence</shortdesc></parameter>
</parameters>
<actions>
  <action name="on"/><action name="off"/><action name="reboot"/><action name="status"/>
  <action name="monitor"/><action name="list"/><action name="metadata"/>
</actions>
</resource-agent>
META
  exit 0 ;;
monitor|status|list) exit 0 ;;
*) echo "fence_dead_bmc: the BMC does not answer" >&2; exit 1 ;;
esac
"""
PGSQL_FILES = {"postgresql.conf": "port = 5432\n", "pg_hba.conf": "local all all peer\n",
               "PG_VERSION": "15\n"}


def write(path, text, mode=0o644):
    with open(path, "w") as handle:
        handle.write(text)
    os.chmod(path, mode)


# A fake xcatd: it does only what xcatd does to a client that offers no certificate it
# accepts, answer the TLS hello with an alert and close (xcatha failover waits for that).
FAKE_XCATD = """\
import socket, sys
server = socket.create_server((sys.argv[1], int(sys.argv[2])))
while True:
    client, _ = server.accept()
    client.settimeout(5)
    try:
        client.recv(4096)
        client.sendall(b"\\x15\\x03\\x03\\x00\\x02\\x02\\x28")
    except OSError:
        pass
    client.close()
"""


def with_fake_xcatd(cib_text, script):
    """The generated CIB with xcat-services replaced by a fake xcatd: these nodes have no
    systemd, so the real agent could start none of xCAT's services.  Under the same
    id, in the same place in the group and with the same operations,
    ocf:heartbeat:anything runs ``script`` (FAKE_XCATD) on VIP:3001."""
    root = ElementTree.fromstring(cib_text)
    services = root.find(".//group[@id='%s']/primitive[@id='xcat-services']" % GROUP)
    services.set("provider", "heartbeat")
    services.set("type", "anything")
    attributes = services.find("instance_attributes")
    attributes[:] = []
    for name, value in (("binfile", "/usr/bin/python3"),
                        ("cmdline_options", "%s %s %d" % (script, VIP, XCATD_PORT))):
        ElementTree.SubElement(attributes, "nvpair", id="xcat-services-fake-" + name,
                               name=name, value=value)
    return ElementTree.tostring(root, encoding="unicode")


class LiveCluster(object):
    vip = VIP

    def __init__(self):
        self.directory = tempfile.mkdtemp(prefix=PREFIX + "-")
        self.ocf_root = os.path.join(self.directory, "ocf")
        self.shared_dir = os.path.join(self.directory, "xcatdata")
        self.launchers = {}

    # -- bring up / down ------------------------------------------------------
    def up(self):
        install.install(self.ocf_root, out=lambda message: None)
        self._shared_storage()
        run(["ip", "netns", "add", PREFIX + "-br"])
        run(["ip", "-n", PREFIX + "-br", "link", "add", "br0", "type", "bridge"])
        run(["ip", "-n", PREFIX + "-br", "link", "set", "br0", "up"])
        for number, (name, address) in enumerate(sorted(NODES.items()), 1):
            self._network(number, name, address)
            self._files(name)
            self.start(name)
        wait_for("both nodes online", self.both_online, timeout=60, interval=0.5)

    def directories(self):
        """The xCAT directories of the site (mount points under the temporary directory)."""
        return [os.path.join(self.directory, path) for path in XCAT_DIRECTORIES]

    def _shared_storage(self):
        """shared_dir/<directory> for each directory, and the PostgreSQL files there."""
        for directory in self.directories():
            os.makedirs(self.shared_dir + directory)
            os.makedirs(directory)
        data = self.shared_dir + os.path.join(self.directory, PGSQL_DATA)
        os.makedirs(data)
        for name, text in PGSQL_FILES.items():
            write(os.path.join(data, name), text)

    def _network(self, number, name, address):
        namespace, veth = "%s-%s" % (PREFIX, name), self.veth(name)
        run(["ip", "netns", "add", namespace])
        run(["ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", namespace])
        run(["ip", "link", "set", veth, "netns", PREFIX + "-br"])
        run(["ip", "-n", PREFIX + "-br", "link", "set", veth, "master", "br0", "up"])
        run(["ip", "-n", namespace, "addr", "add", address + "/24", "dev", "eth0"])
        run(["ip", "-n", namespace, "link", "set", "eth0", "up"])
        run(["ip", "-n", namespace, "link", "set", "lo", "up"])

    @staticmethod
    def veth(name):
        """The bridge's end of the node's link."""
        return "%s-v%d" % (PREFIX, sorted(NODES).index(name) + 1)

    def _files(self, name):
        root = os.path.join(self.directory, name)
        for path in ("etc/corosync", "var/lib/corosync", "var/log", "fence",
                     "var/lib/pacemaker/cib", "var/lib/pacemaker/pengine",
                     "var/lib/pacemaker/blackbox", "var/lib/pacemaker/cores"):
            os.makedirs(os.path.join(root, path))
        entries = "".join(NODE_ENTRY % (address, node, number)
                          for number, (node, address) in enumerate(sorted(NODES.items()), 1))
        write(os.path.join(root, "etc/corosync/corosync.conf"), COROSYNC_CONF % entries)
        write(os.path.join(root, "var/lib/pacemaker/cib/cib.xml"), SEED_CIB)
        write(os.path.join(root, "fence/fence_dead_bmc"), FENCE_AGENT, 0o755)
        run(["chown", "-R", "hacluster:haclient", os.path.join(root, "var/lib/pacemaker")])

    def start(self, name):
        root = os.path.join(self.directory, name)
        self.launchers[name] = subprocess.Popen(
            ["ip", "netns", "exec", "%s-%s" % (PREFIX, name), "unshare", "--mount", "--uts", "--pid",
             "--fork", "--mount-proc", "sh", "-c", NODE_SCRIPT, "node", root, name, self.ocf_root],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
            env=dict(os.environ, REAPER=REAPER))

    def init_pid(self, name):
        """PID 1 of the node's PID namespace (ip netns exec execs unshare, this is its child)."""
        launcher = self.launchers.get(name)
        if launcher is None:
            return None
        children = run(["pgrep", "-P", str(launcher.pid)], check=False).out.split()
        return children[0] if children else None

    def crash(self, name):
        """The node dies at once: PID 1 of its namespace killed, everything with it, and
        its link down (a dead node answers no ARP for the addresses left on its eth0)."""
        os.kill(int(self.init_pid(name)), 9)
        self.launchers.pop(name).wait(timeout=30)
        run(["ip", "-n", PREFIX + "-br", "link", "set", self.veth(name), "down"])

    def down(self):
        for name in list(self.launchers):
            pid = self.init_pid(name)
            if pid:
                os.kill(int(pid), 9)
            self.launchers.pop(name).wait(timeout=30)
        for name in list(NODES) + ["br"]:
            run(["ip", "netns", "delete", "%s-%s" % (PREFIX, name)], check=False)
        shutil.rmtree(self.directory, ignore_errors=True)

    # -- running commands on a node ---------------------------------------------
    def enter(self, name):
        return ["nsenter", "-t", self.init_pid(name), "-n", "-m", "-u", "-p"]

    def on(self, name, *argv, **kwargs):
        """``argv`` inside node ``name``: its runner Result (LabError if it fails and
        ``check``, the default)."""
        kwargs.setdefault("timeout", 120)
        return run(self.enter(name) + list(argv), **kwargs)

    def xcatha(self, name, *args, **kwargs):
        """The xcatha command on a node; without_pcs hides pcs as on a crmsh-only host."""
        command = ["env", "PYTHONPATH=" + SOURCE, "python3", "-m", "xcatha_ocf.cli"] + list(args)
        if kwargs.get("without_pcs"):
            command = ["unshare", "--mount", "sh", "-c",
                       'mount --bind /dev/null /usr/sbin/pcs && exec "$@"', "hide-pcs"] + command
        return self.on(name, *command, check=False, timeout=kwargs.get("timeout", 180))

    def survivor(self):
        return "xcatmn1" if "xcatmn1" in self.launchers else "xcatmn2"

    def pcs(self, *argv, **kwargs):
        return self.on(self.survivor(), "pcs", *argv, **kwargs)

    def both_online(self):
        if not self.init_pid("xcatmn1"):
            return False
        return "Online: [ xcatmn1 xcatmn2 ]" in self.on("xcatmn1", "crm_mon", "-1", check=False).out

    # -- the group ----------------------------------------------------------------
    def site_arguments(self):
        """``xcatha crm generate`` flags of this site: the nodes and their fencing,
        the VIP on eth0:0, the shared directories, PostgreSQL's configuration on them."""
        arguments = ["--vip", VIP, "--netmask", "24", "--nic", "eth0", "--label", "0",
                     "--shared-dir", self.shared_dir, "--directories", " ".join(self.directories()),
                     "--set", "pgsql.config_dir=" + os.path.join(self.directory, PGSQL_DATA)]
        for name, address in sorted(NODES.items()):
            arguments += ["--node", "%s=%s" % (name, address), "--fence", name + "=fence_dead_bmc"]
        return arguments

    def configure(self):
        """The generated configuration, merged into the live CIB in one request."""
        script = os.path.join(self.directory, "fake-xcatd.py")
        write(script, FAKE_XCATD)
        cib = with_fake_xcatd(render(main_config(self.site_arguments()), "xml"), script)
        path = os.path.join(self.directory, "configuration.xml")
        write(path, ElementTree.tostring(ElementTree.fromstring(cib).find("configuration"),
                                         encoding="unicode"))
        self.on("xcatmn1", "cibadmin", "--modify", "--scope", "configuration", "--xml-file", path)
        self.settle()

    def settle(self, timeout=120):
        self.on(self.survivor(), "crm_resource", "--wait", "--timeout=%ds" % timeout, timeout=timeout + 30)

    def vip_on(self, name):
        return VIP + "/" in self.on(name, "ip", "-o", "addr", "show", "dev", "eth0").out
