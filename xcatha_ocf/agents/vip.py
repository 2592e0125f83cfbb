"""xcat-vip: the non-persistent virtual IP of xCAT's management-node HA procedure.

Start does what the procedure does by hand, ``ip addr add VIP/PREFIX brd + dev
eth0 label eth0:0``, after checking that no other host answers for the
address, then announces it with gratuitous ARP.  Nothing is written to the
persistent network configuration: after a reboot the address is gone until
Pacemaker puts it back.
"""

from xcatha_ocf.runtime import bootstate, checks, netif
from xcatha_ocf.runtime.ocf import Action, ResourceAgent, find_binary
from xcatha_ocf.runtime.params import Parameter
from xcatha_ocf.runtime.status import ExitStatus, OCFError

DAD_PROBES = 2
DAD_WAIT = 3


def check_netmask(text):
    """A prefix length (24) or a dotted netmask (255.255.255.0) to a prefix length."""
    if text == "":
        return None
    if text.isdigit():
        prefix = int(text)
        if not 1 <= prefix <= 32:
            raise ValueError("a prefix length must be between 1 and 32")
        return prefix
    mask = netif.parse_ipv4(text)
    prefix = bin(mask).count("1")
    if netif.prefix_mask(prefix) != mask or prefix == 0:
        raise ValueError("%s is not a contiguous netmask" % text)
    return prefix


def check_broadcast(text):
    if text not in ("+", "none"):
        netif.parse_ipv4(text)
    return text


MAX_LIFETIME = 0xFFFFFFFE   # the kernel's infinite lifetime is 0xFFFFFFFF: "forever"


def check_lifetime(text):
    if text != "forever" and not (text.isdigit() and int(text) <= MAX_LIFETIME):
        raise ValueError("expected 'forever' or a number of seconds from 0 to %d" % MAX_LIFETIME)
    return text


class VirtualIP(ResourceAgent):
    NAME = "xcat-vip"
    SHORTDESC = "Non-persistent virtual IP of the xCAT management node"
    LONGDESC = (
        "Adds the xCAT management node's virtual IP with its label (ip addr add VIP/PREFIX "
        "brd + dev eth0 label eth0:0), refuses to start when another host already answers "
        "for the address (arping duplicate address detection), and announces it with "
        "gratuitous ARP. The address is never written to the persistent network "
        "configuration, so a rebooted node cannot come back holding it.")
    PARAMETERS = (
        Parameter("ip", required=True, unique=True, check=checks.ipv4_address,
                  shortdesc="Virtual IPv4 address",
                  longdesc="The IPv4 address that xCAT's service and compute nodes use to "
                           "reach the management node, for example 10.0.0.1."),
        Parameter("cidr_netmask", default="", check=check_netmask,
                  shortdesc="Prefix length or netmask",
                  longdesc="Prefix length (24) or dotted netmask (255.255.255.0) of the "
                           "virtual IP. Empty: the prefix of the address on nic that covers ip."),
        Parameter("nic", default="", check=checks.interface_name,
                  shortdesc="Network interface",
                  longdesc="Interface that carries the virtual IP, for example eth0. Empty: "
                           "the interface that has an address in the virtual IP's network."),
        Parameter("iflabel", default="0", check=checks.label_suffix,
                  shortdesc="Interface label suffix",
                  longdesc="The part after the colon of the address label (the 0 of eth0:0). "
                           "xCAT's networks table names this label in mgtifname. Empty: no label."),
        Parameter("broadcast", default="+", check=check_broadcast,
                  shortdesc="Broadcast address",
                  longdesc="Broadcast address: + computes it from the prefix, none sets none, "
                           "or give an IPv4 address."),
        Parameter("arp_count", type="integer", default="5", minimum=0, maximum=100,
                  shortdesc="Gratuitous ARPs sent after start",
                  longdesc="How many gratuitous ARP packets announce the address after start, "
                           "one a second (0: none)."),
        Parameter("arp_background", type="boolean", default="true",
                  shortdesc="Send gratuitous ARP in the background",
                  longdesc="Send the gratuitous ARP packets in the background so start "
                           "returns at once, as IPaddr2's arp_bg does."),
        Parameter("check_conflict", type="boolean", default="true",
                  shortdesc="Refuse to start on an IP conflict",
                  longdesc="Before adding the address, ask the network whether another host "
                           "already answers for it (arping -D) and refuse to start if so."),
        Parameter("preferred_lft", default="forever", check=check_lifetime,
                  shortdesc="Preferred lifetime of the address",
                  longdesc="Passed to ip addr add: forever, or seconds from 0 to 4294967294. 0 "
                           "keeps the kernel from choosing the virtual IP as the source address "
                           "of outgoing connections."),
        Parameter("noprefixroute", type="boolean", default="false",
                  shortdesc="Add no prefix route",
                  longdesc="Do not create a route for the virtual IP's network (ip addr add "
                           "... noprefixroute)."),
    )
    ACTIONS = (
        Action("start", timeout=20),
        Action("stop", timeout=20),
        Action("monitor", timeout=20, interval=10, depth=0),
    )

    def __init__(self, *args):
        ResourceAgent.__init__(self, *args)
        self.nic = self.params.nic
        self.prefix = self.params.cidr_netmask
        self.address = netif.parse_ipv4(self.params.ip)

    # -- configuration ---------------------------------------------------------

    def label_for(self, nic):
        return "%s:%s" % (nic, self.params.iflabel) if self.params.iflabel else nic

    def validate(self, full=True):
        if self.prefix is not None:
            self.check_host_address(self.prefix)
        if self.nic and len(self.label_for(self.nic)) > netif.IFNAMSIZ - 1:
            raise OCFError(ExitStatus.ERR_CONFIGURED,
                           "label %s is longer than 15 characters" % self.label_for(self.nic))
        if not full:
            return
        for tool in self.required_tools():
            if find_binary(tool) is None:
                raise OCFError(ExitStatus.ERR_INSTALLED, "%s is not installed" % tool)
        if self.nic and not netif.link_exists(self.nic):
            raise OCFError(ExitStatus.ERR_ARGS, "interface %s does not exist on this host" % self.nic)
        self.resolve_nic_and_prefix()

    def required_tools(self):
        tools = ["ip"]
        if self.params.check_conflict or self.params.arp_count:
            tools.append("arping")
        return tools

    def check_host_address(self, prefix):
        if prefix >= 31:
            return
        host_bits = self.address & ~netif.prefix_mask(prefix) & 0xFFFFFFFF
        if host_bits in (0, ~netif.prefix_mask(prefix) & 0xFFFFFFFF):
            raise OCFError(ExitStatus.ERR_CONFIGURED,
                           "%s is the network or broadcast address of its /%d"
                           % (self.params.ip, prefix))

    def resolve_nic_and_prefix(self):
        """Fill in nic and prefix from the host's addresses when not configured."""
        if self.nic and self.prefix is not None:
            return
        for nic, address, prefix in self.host_addresses():
            if self.nic and nic != self.nic:
                continue
            if address == self.address:
                continue
            mask = netif.prefix_mask(prefix)
            if address & mask == self.address & mask:
                self.nic = self.nic or nic
                self.prefix = prefix if self.prefix is None else self.prefix
                self.validate(full=False)
                return
        missing = "cidr_netmask" if self.nic else "nic"
        raise OCFError(ExitStatus.ERR_ARGS,
                       "%s is not set and no interface on this host has an address in the "
                       "network of %s: set nic and cidr_netmask" % (missing, self.params.ip))

    @staticmethod
    def host_addresses():
        """(device, address as an integer, prefix) of each IPv4 address on this host."""
        for label, address, prefix in netif.ipv4_addresses():
            yield netif.device_of(label), netif.parse_ipv4(address), prefix

    # -- state -------------------------------------------------------------------

    def labels_holding_ip(self):
        return [label for label, ip, _ in netif.ipv4_addresses() if ip == self.params.ip]

    def state(self):
        """(status, reason) of the address on this host, asking only the kernel."""
        labels = self.labels_holding_ip()
        ours = [l for l in labels if not self.nic or netif.device_of(l) == self.nic]
        if not ours:
            if self.nic and not self.op.expects_stopped and not netif.link_exists(self.nic):
                return ExitStatus.ERR_GENERIC, "interface %s is gone" % self.nic
            if labels:
                return ExitStatus.NOT_RUNNING, "%s is on %s, not on %s" % (
                    self.params.ip, netif.device_of(labels[0]), self.nic)
            return ExitStatus.NOT_RUNNING, "%s is not configured" % self.params.ip
        nic = netif.device_of(ours[0])
        expected = self.label_for(nic)
        if expected not in ours:
            return ExitStatus.ERR_GENERIC, "%s is on %s with label %s instead of %s" % (
                self.params.ip, nic, ours[0], expected)
        flags = netif.link_flags(nic)
        if flags is None:
            return ExitStatus.ERR_GENERIC, "interface %s is gone" % nic
        if flags & (netif.IFF_UP | netif.IFF_RUNNING) != netif.IFF_UP | netif.IFF_RUNNING:
            return ExitStatus.ERR_GENERIC, "interface %s is down" % nic
        return ExitStatus.SUCCESS, "%s is on %s" % (self.params.ip, expected)

    # -- actions -------------------------------------------------------------------

    def monitor(self):
        self.validate(full=False)
        status, reason = self.state()
        if status == ExitStatus.ERR_GENERIC and self.labels_holding_ip() \
                and self.is_stray(bootstate.load(self.record_path())):
            return self.stray(reason)
        if status != ExitStatus.SUCCESS:
            raise OCFError(status, reason)
        self.log.debug(reason)
        return status

    def start(self):
        self.validate(full=True)
        status, reason = self.state()
        if status == ExitStatus.SUCCESS:
            self.log.info("%s; nothing to do" % reason)
            if bootstate.load(self.record_path()) is None:   # it runs here now, by this start
                self.save_record({"ip": self.params.ip, "nic": self.nic})
            return status
        self.refuse_link_down()
        if self.labels_holding_ip():
            other = [l for l in self.labels_holding_ip() if netif.device_of(l) != self.nic]
            if other:
                raise OCFError(ExitStatus.ERR_GENERIC, "%s is already on %s of this host"
                               % (self.params.ip, netif.device_of(other[0])))
            self.log.warning("%s; re-adding it with its label" % reason)
            self.delete_address()
        if self.params.check_conflict:
            self.refuse_on_conflict()
        record = {"ip": self.params.ip, "nic": self.nic}
        self.save_record(record)       # first: a start that dies half-way is still undone
        self.add_address()
        pid = self.announce()
        if pid is not None:
            self.save_record(dict(record, arping=str(pid)))
        return ExitStatus.SUCCESS

    def refuse_link_down(self):
        """Adding an address to a link that is down succeeds, yet nothing can reach it."""
        flags = netif.link_flags(self.nic)
        if flags is not None and not flags & netif.IFF_UP:
            raise OCFError(ExitStatus.ERR_GENERIC, "interface %s is down: bring it up (ip link "
                                                   "set %s up) and start again" % (self.nic, self.nic))
        if flags is not None and not flags & netif.IFF_RUNNING:
            raise OCFError(ExitStatus.ERR_GENERIC, "interface %s has no carrier (cable or switch "
                                                   "port down)" % self.nic)

    def stop(self):
        self.validate(full=False)
        record = bootstate.load(self.record_path()) or {}
        self.stop_announcer(record)
        if record.get("ip") and (record["ip"] != self.params.ip
                                 or self.nic and record.get("nic") != self.nic):
            self.remove_recorded(record["ip"], record.get("nic"))
        if any(self.holds_on_configured_nic(l) for l in self.labels_holding_ip()):
            self.require_ip()
            self.delete_address()
        else:
            self.log.info("%s is not configured; nothing to do" % self.params.ip)
        if record:
            self.run.change("remove %s" % self.record_path(),
                            lambda: bootstate.remove(self.record_path()))
        return ExitStatus.SUCCESS

    def require_ip(self):
        if find_binary("ip") is None:
            raise OCFError(ExitStatus.ERR_INSTALLED, "ip is not installed; cannot remove %s"
                           % self.params.ip)

    def remove_recorded(self, ip, nic):
        """The address start added before the parameters changed (pcs resource update
        ip=...): it must not stay behind while another node takes over."""
        found = [(device, prefix) for device, address, prefix in self.host_addresses()
                 if address == netif.parse_ipv4(ip) and (not nic or device == nic)]
        for device, prefix in found:
            self.require_ip()
            self.run(["ip", "-4", "addr", "del", "%s/%d" % (ip, prefix), "dev", device],
                     timeout=10, check=True)

    def record_path(self):
        """What start set up in this boot (address, interface, announcer), for stop."""
        return bootstate.path("%s.vip" % (self.op.instance or self.NAME))

    def save_record(self, record):
        self.run.change("record %s in %s" % (self.params.ip, self.record_path()),
                        lambda: bootstate.save(self.record_path(), record))

    def holds_on_configured_nic(self, label):
        return not self.nic or netif.device_of(label) == self.nic

    def refuse_on_conflict(self):
        result = self.run.query(["arping", "-c", DAD_PROBES, "-w", DAD_WAIT, "-D",
                                 "-I", self.nic, self.params.ip], timeout=DAD_WAIT + 2)
        if result.rc == 1:
            import re
            mac = re.search(r"\[([0-9A-Fa-f:]{17})\]", result.out)
            raise OCFError(ExitStatus.ERR_GENERIC,
                           "IP conflict: another host%s already answers for %s on %s"
                           % (" (" + mac.group(1) + ")" if mac else "", self.params.ip, self.nic))
        if not result.ok:
            self.log.warning("duplicate address detection did not run: %s" % result.summary())

    def add_address(self):
        command = ["ip", "-4", "addr", "add", "%s/%d" % (self.params.ip, self.prefix)]
        if self.params.broadcast != "none":
            command += ["brd", self.params.broadcast]
        command += ["dev", self.nic]
        if self.params.iflabel:
            command += ["label", self.label_for(self.nic)]
        command += ["preferred_lft", self.params.preferred_lft]
        if self.params.noprefixroute:
            command.append("noprefixroute")
        self.run(command, timeout=10, check=True)
        if not self.run.dry_run and self.state()[0] != ExitStatus.SUCCESS:
            raise OCFError(ExitStatus.ERR_GENERIC, "%s was added but is not on %s"
                           % (self.params.ip, self.label_for(self.nic)))

    def delete_address(self):
        prefixes = [prefix for nic, address, prefix in self.host_addresses()
                    if address == self.address and (not self.nic or nic == self.nic)]
        for prefix in prefixes:
            self.run(["ip", "-4", "addr", "del", "%s/%d" % (self.params.ip, prefix),
                      "dev", self.nic or self.device_holding_ip()], timeout=10, check=True)
        if not self.run.dry_run and any(self.holds_on_configured_nic(l)
                                        for l in self.labels_holding_ip()):
            raise OCFError(ExitStatus.ERR_GENERIC, "%s is still configured after ip addr del"
                           % self.params.ip)

    def device_holding_ip(self):
        return netif.device_of(self.labels_holding_ip()[0])

    def announce(self):
        """Gratuitous ARP; the PID of the background announcer, if one was started."""
        if not self.params.arp_count:
            return None
        command = ["arping", "-U", "-c", self.params.arp_count, "-I", self.nic, self.params.ip]
        if not self.params.arp_background:
            self.run(command, timeout=self.params.arp_count + 2)
            return None
        return self.run.background(command)

    def stop_announcer(self, record):
        """End the background gratuitous ARP start left running: announcements that go
        on after stop would make the next node's duplicate address detection see a
        conflict."""
        if not record.get("arping", "").isdigit():
            return
        pid, ip = int(record["arping"]), record["ip"]
        self.run.change("end gratuitous ARP for %s (pid %d)" % (ip, pid),
                        lambda: end_announcer(pid, ip))


def end_announcer(pid, ip):
    """SIGTERM to ``pid`` if it still is the arping announcing ``ip``."""
    import os
    import signal
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as handle:
            argv = handle.read().split(b"\0")
    except (IOError, OSError):
        return
    if argv and argv[0].rpartition(b"/")[2] == b"arping" and ip.encode() in argv:
        try:
            os.kill(pid, signal.SIGTERM)
        except OSError:
            pass


AGENT = VirtualIP
