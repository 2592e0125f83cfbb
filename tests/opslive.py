"""A live two-node Pacemaker cluster in network namespaces, for the operator
commands (tests/test_ops_live.py).

Each node is ``ip netns exec`` + ``unshare --mount --uts --pid`` with its own
/etc/corosync, /var/lib/pacemaker, /var/lib/corosync, /var/log, /run and
/dev/shm bound from a temporary directory, running the host's corosync and
pacemakerd; veths join the nodes through a bridge in a third namespace
(198.51.100.0/24).  No systemd, so no pcsd: pcs's resource, constraint, node,
stonith and property commands work without it.

The group has the xCAT group's resource names on stand-in agents, named as such:
Dummy for xcat-shared and xcat-pgsql-conf, a real IPaddr2 VIP, and for
xcat-services ``ocf:heartbeat:anything`` running a TCP listener on VIP:3001 as
the XCATD STAND-IN.  Fencing is a test fence agent that answers monitor but can
never fence (a dead BMC), overlaid on /usr/sbin inside the nodes only: a lost
node stays UNCLEAN until an admin confirms it is down.
"""

import os
import shutil
import subprocess
import tempfile
import time

PREFIX = "opsl"
NODES = {"xcatmn1": "198.51.100.11", "xcatmn2": "198.51.100.12"}
VIP = "198.51.100.10"
GROUP = "xcat-group"
SOURCE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

COROSYNC_CONF = """\
totem {
  version: 2
  cluster_name: opslive
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
<resource-agent name="fence_opslive" shortdesc="test fence agent that can never fence (a dead BMC)">
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
*) echo "fence_opslive: the BMC does not answer" >&2; exit 1 ;;
esac
"""
def run(argv, check=True, timeout=120):
    result = subprocess.run([str(arg) for arg in argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            universal_newlines=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError("%s exited %d: %s%s" % (argv, result.returncode, result.stdout, result.stderr))
    return result


def wait_for(what, predicate, timeout, interval=0.5):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(interval)


def write(path, text, mode=0o644):
    with open(path, "w") as handle:
        handle.write(text)
    os.chmod(path, mode)


class LiveCluster(object):
    def __init__(self):
        self.directory = tempfile.mkdtemp(prefix=PREFIX + "-")
        self.launchers = {}

    # -- bring up / down ------------------------------------------------------
    def up(self):
        run(["ip", "netns", "add", PREFIX + "-br"])
        run(["ip", "-n", PREFIX + "-br", "link", "add", "br0", "type", "bridge"])
        run(["ip", "-n", PREFIX + "-br", "link", "set", "br0", "up"])
        for number, (name, address) in enumerate(sorted(NODES.items()), 1):
            self._network(number, name, address)
            self._files(name)
            self.start(name)
        wait_for("both nodes online", self.both_online, timeout=60)

    def _network(self, number, name, address):
        namespace, veth = "%s-%s" % (PREFIX, name), "%s-v%d" % (PREFIX, number)
        run(["ip", "netns", "add", namespace])
        run(["ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", namespace])
        run(["ip", "link", "set", veth, "netns", PREFIX + "-br"])
        run(["ip", "-n", PREFIX + "-br", "link", "set", veth, "master", "br0", "up"])
        run(["ip", "-n", namespace, "addr", "add", address + "/24", "dev", "eth0"])
        run(["ip", "-n", namespace, "link", "set", "eth0", "up"])
        run(["ip", "-n", namespace, "link", "set", "lo", "up"])

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
        write(os.path.join(root, "fence/fence_opslive"), FENCE_AGENT, 0o755)
        run(["chown", "-R", "hacluster:haclient", os.path.join(root, "var/lib/pacemaker")])

    def start(self, name):
        root = os.path.join(self.directory, name)
        self.launchers[name] = subprocess.Popen(
            ["ip", "netns", "exec", "%s-%s" % (PREFIX, name), "unshare", "--mount", "--uts", "--pid",
             "--fork", "--mount-proc", "sh", "-c", NODE_SCRIPT, "node", root, name],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
            env=dict(os.environ, REAPER=REAPER))

    def init_pid(self, name):
        """PID 1 of the node's PID namespace (ip netns exec execs unshare, this is its child)."""
        launcher = self.launchers.get(name)
        if launcher is None:
            return None
        children = run(["pgrep", "-P", str(launcher.pid)], check=False).stdout.split()
        return children[0] if children else None

    def crash(self, name):
        """The node dies at once: PID 1 of its namespace killed, everything with it."""
        os.kill(int(self.init_pid(name)), 9)
        self.launchers.pop(name).wait(timeout=30)

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
        return "Online: [ xcatmn1 xcatmn2 ]" in self.on("xcatmn1", "crm_mon", "-1", check=False).stdout

    # -- the group ----------------------------------------------------------------
    def configure(self):
        cib = os.path.join(self.directory, "config.xml")
        write(cib, self.pcs("cluster", "cib").stdout)
        steps = [
            ["property", "set", "stonith-enabled=true"],
            ["resource", "defaults", "update", "resource-stickiness=1000"],
            ["resource", "create", "xcat-shared", "ocf:heartbeat:Dummy", "--group", GROUP],
            ["resource", "create", "xcat-vip", "ocf:heartbeat:IPaddr2", "ip=" + VIP, "cidr_netmask=24",
             "nic=eth0", "op", "monitor", "interval=10s", "--group", GROUP],
            ["resource", "create", "xcat-pgsql-conf", "ocf:heartbeat:Dummy", "--group", GROUP],
            # XCATD STAND-IN: any TCP listener on VIP:3001 will do.
            ["resource", "create", "xcat-services", "ocf:heartbeat:anything", "binfile=/usr/bin/python3",
             "cmdline_options=-m http.server 3001 --bind " + VIP, "--group", GROUP],
            ["constraint", "location", GROUP, "avoids", "xcatmn1=1", "xcatmn2=1"],
            ["stonith", "create", "fence-all", "fence_opslive", "pcmk_host_list=xcatmn1 xcatmn2",
             "pcmk_host_check=static-list", "op", "monitor", "interval=30s", "--force"],
        ]
        for step in steps:
            self.on("xcatmn1", "pcs", "-f", cib, *step)
        self.pcs("cluster", "cib-push", cib)
        self.settle()

    def settle(self, timeout=120):
        self.on(self.survivor(), "crm_resource", "--wait", "--timeout=%ds" % timeout, timeout=timeout + 30)

    def vip_on(self, name):
        return VIP + "/" in self.on(name, "ip", "-o", "addr", "show", "dev", "eth0").stdout
