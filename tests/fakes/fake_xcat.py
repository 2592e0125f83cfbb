#!/usr/bin/python3
"""FAKE xCAT 2.19.0, for the host-level tests on this host, which has no xCAT.

NOT xCAT: the least that answers xcat-services' commands the way real xCAT does in the
cluster lab (cluster-lab/xcat/NOTES.md); the lab proves the real behaviour.  Linked under
each command's name (tests/support/fakenode.py), it runs as:

  xcatd             listens on 127.0.0.1:site.xcatdport.  A TLS ClientHello gets a fatal
                    handshake_failure alert record and the connection is closed: an answer
                    at the byte level, as real xcatd's SSL listener answers with its
                    handshake.  Anything else is a request from the commands below, which
                    xcatd carries out, as real xcatd's plugins do
  lsxcatd -a        version and management-node lines
  lsdef -t site|network [-i a,b] -c     ``object: attr=value`` lines (clustersite for site)
  chdef -t site|network [-o NAME] attr=value...
                    "1 object definitions have been created or modified."; a network not
                    in the table: rc 1 "Net or mask value should not be empty"
  makedns -n        without site.domain: rc 1 "domain not defined in site table", named
                    untouched; else systemctl stop named, /etc/bind/named.conf and
                    /var/lib/bind/db.DOMAIN, systemctl restart named
  makedhcp -n       renames /etc/dhcp/dhcpd.conf to .xcatbak, writes a new one (a "No
                    dynamic range" warning per network), /etc/default/isc-dhcp-server
                    INTERFACES from mgtifname without its alias label, then
                    ``service isc-dhcp-server restart``: rc 0 whatever the restart did
  makedhcp -a       rc 1 "dhcp server is not running.  please start the dhcp server." unless
                    ``service isc-dhcp-server status`` succeeds; else /var/lib/dhcp/dhcpd.leases
  makeconservercf   /etc/conserver.cf, then systemctl restart conserver-server (the lab's
                    patched xCAT restarts it through its service map)
  makegocons        rc 1 "goconserver is not installed." (Debian has no goconserver)

Every command prints IO::Socket::SSL's IPv6 warning on stderr first.  With nothing
listening on XCATHOST (default localhost:3001) a command exits 111, as real xCAT's
client dies with ECONNREFUSED.  Errors go to stderr as "Error: [HOST]: ..." and exit 1.
State: XCATHA_FAKE_ROOT/xcat-tables.json ({"site": {attr: value}, "networks": {name:
{attr: value}}}); every file path above is under XCATHA_FAKE_ROOT.
"""

import json
import os
import socket
import socketserver
import subprocess
import sys
import threading

ROOT = os.environ.get("XCATHA_FAKE_ROOT", "")
TABLES = os.path.join(ROOT, "xcat-tables.json")
HOST = socket.gethostname()
VERSION = "Version 2.19.0 (FAKE xCAT of xcatha-ocf's tests, not xCAT)"
# What every real xCAT 2.19.0 client prints (the file and line of the Perl source vary).
IPV6_WARNING = ("IPv6 support re-enabled in __PACKAGE__, got disabled in file "
                "/opt/xcat/lib/perl/xCAT/Client.pm line 45\n")
TLS_HANDSHAKE = 0x16
TLS_ALERT_HANDSHAKE_FAILURE = b"\x15\x03\x03\x00\x02\x02\x28"   # fatal (2), handshake_failure (40)
TABLES_LOCK = threading.Lock()


class Reply(object):
    """What a command answers: data lines to stdout, warnings and errors to stderr."""

    def __init__(self):
        self.out, self.err, self.rc = [], [], 0

    def data(self, line):
        self.out.append(line + "\n")

    def warning(self, message):
        self.err.append("Warning: [%s]: %s\n" % (HOST, message))

    def error(self, message):
        self.err.append("Error: [%s]: %s\n" % (HOST, message))
        self.rc = 1

    def as_dict(self):
        return {"rc": self.rc, "out": "".join(self.out), "err": "".join(self.err)}


# -- state ----------------------------------------------------------------------------------

def load_tables():
    with open(TABLES) as handle:
        return json.load(handle)


def save_tables(tables):
    write("xcat-tables.json", json.dumps(tables, indent=1, sort_keys=True) + "\n")


def write(relative, text):
    """Write ROOT/relative whole (through a rename: concurrent readers see old or new)."""
    target = os.path.join(ROOT, relative)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    temporary = "%s.%d.%d" % (target, os.getpid(), threading.get_ident())
    with open(temporary, "w") as handle:
        handle.write(text)
    os.rename(temporary, target)


def options(args):
    """'-t site -o NAME -i a,b -c attr=value' -> ({flag: value or True}, {attr: value})."""
    found, pairs, words = {}, {}, list(args)
    while words:
        word = words.pop(0)
        if word in ("-t", "-o", "-i"):
            found[word] = words.pop(0) if words else ""
        elif word.startswith("-"):
            found[word] = True
        else:
            attr, _, value = word.partition("=")
            pairs[attr] = value
    return found, pairs


# -- the commands, as xcatd carries them out -------------------------------------------------

def lsxcatd(args, reply):
    if args != ["-a"]:
        return reply.error("the fake answers lsxcatd -a only")
    reply.data(VERSION)
    reply.data("This is a Management Node")


def table_objects(kind, tables, reply):
    """{object: {attr: value}} of an object type, or None after an error."""
    if kind == "site":
        return {"clustersite": tables["site"]}
    if kind == "network":
        return tables["networks"]
    reply.error("the fake knows object types site and network only, not %s" % kind)
    return None


def lsdef(args, reply):
    found, _ = options(args)
    objects = table_objects(found.get("-t"), load_tables(), reply)
    wanted = found.get("-i", "").split(",") if found.get("-i") else None
    for name, attrs in sorted((objects or {}).items()):
        for attr in wanted or sorted(attrs):
            if attrs.get(attr):
                reply.data("%s: %s=%s" % (name, attr, attrs[attr]))


def chdef(args, reply):
    found, pairs = options(args)
    with TABLES_LOCK:
        tables = load_tables()
        objects = table_objects(found.get("-t"), tables, reply)
        name = "clustersite" if found.get("-t") == "site" else found.get("-o")
        if objects is None:
            return
        if name not in objects:
            return reply.error("Net or mask value should not be empty")
        objects[name].update(pairs)
        save_tables(tables)
    reply.data("1 object definitions have been created or modified.")


def makedns(args, reply):
    if args != ["-n"]:
        return reply.error("the fake answers makedns -n only")
    domain = load_tables()["site"].get("domain")
    if not domain:
        return reply.error("domain not defined in site table")
    subprocess.call(["systemctl", "stop", "named"])
    write("etc/bind/named.conf", 'zone "%s" { type master; file "/var/lib/bind/db.%s"; };\n'
          % (domain, domain))
    write("var/lib/bind/db.%s" % domain, "; FAKE zone (tests/fakes/fake_xcat.py)\n")
    reply.data("Restarting bind9")
    if subprocess.call(["systemctl", "restart", "named"]) != 0:
        return reply.error("failed to start named.")
    reply.data("Completed updating DNS records.")
    reply.data("DNS setup is completed")


def makedhcp(args, reply):
    if args == ["-n"]:
        return makedhcp_new(reply)
    if args == ["-a"]:
        return makedhcp_all(reply)
    reply.error("the fake answers makedhcp -n and makedhcp -a only")


def makedhcp_new(reply):
    networks = load_tables()["networks"]
    conf = os.path.join(ROOT, "etc/dhcp/dhcpd.conf")
    if os.path.exists(conf):
        os.rename(conf, conf + ".xcatbak")
        reply.data("Renamed existing dhcp configuration file to /etc/dhcp/dhcpd.conf.xcatbak")
    subnets = "".join("subnet %(net)s netmask %(mask)s {\n}\n" % attrs for attrs in networks.values())
    write("etc/dhcp/dhcpd.conf", "# FAKE dhcpd.conf (tests/fakes/fake_xcat.py)\n" + subnets)
    for attrs in networks.values():
        reply.warning("No dynamic range specified for %s" % attrs["net"])
    devices = sorted(set(attrs.get("mgtifname", "").split(":")[0] for attrs in networks.values()))
    write("etc/default/isc-dhcp-server", 'INTERFACES="%s"\n' % " ".join(d for d in devices if d))
    subprocess.call(["service", "isc-dhcp-server", "restart"])


def makedhcp_all(reply):
    if subprocess.call(["service", "isc-dhcp-server", "status"], stdout=subprocess.DEVNULL) != 0:
        return reply.error("dhcp server is not running.  please start the dhcp server.")
    write("var/lib/dhcp/dhcpd.leases", "# FAKE: the host entries makedhcp -a sends over OMAPI\n")


def makeconservercf(args, reply):
    write("etc/conserver.cf", "# FAKE conserver.cf (tests/fakes/fake_xcat.py)\n")
    subprocess.call(["systemctl", "restart", "conserver-server"])


def makegocons(args, reply):
    reply.error("goconserver is not installed.")


COMMANDS = {"lsxcatd": lsxcatd, "lsdef": lsdef, "chdef": chdef, "makedns": makedns,
            "makedhcp": makedhcp, "makeconservercf": makeconservercf, "makegocons": makegocons}


# -- xcatd --------------------------------------------------------------------------------------

def receive_exactly(connection, count):
    data = b""
    while len(data) < count:
        chunk = connection.recv(count - len(data))
        if not chunk:
            break
        data += chunk
    return data


class Connection(socketserver.StreamRequestHandler):
    def handle(self):
        first = self.request.recv(1, socket.MSG_PEEK)
        if first and first[0] == TLS_HANDSHAKE:
            return self.refuse_tls()
        request = json.loads(self.rfile.readline().decode("utf-8"))
        reply = Reply()
        COMMANDS[request["command"]](request["args"], reply)
        self.wfile.write((json.dumps(reply.as_dict()) + "\n").encode("utf-8"))

    def refuse_tls(self):
        """Read the ClientHello record, answer with an alert record, close."""
        header = receive_exactly(self.request, 5)
        receive_exactly(self.request, int.from_bytes(header[3:5], "big"))
        self.request.sendall(TLS_ALERT_HANDSHAKE_FAILURE)


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def xcatd():
    port = int(load_tables()["site"].get("xcatdport", 3001))
    Server(("127.0.0.1", port), Connection).serve_forever()
    return 0


# -- the client -------------------------------------------------------------------------------

def client(command, args):
    sys.stderr.write(IPV6_WARNING)
    host, _, port = os.environ.get("XCATHOST", "localhost:3001").partition(":")
    try:
        connection = socket.create_connection((host, int(port)))
    except OSError as error:
        print("Unable to open socket connection to xcatd daemon on %s:%s." % (host, port))
        print("Verify that the xcatd daemon is running and that your SSL setup is correct.")
        sys.stderr.write("Connection failure: IO::Socket::INET: connect: %s\n" % error.strerror)
        return error.errno
    with connection:
        connection.sendall((json.dumps({"command": command, "args": args}) + "\n").encode("utf-8"))
        reply = json.loads(connection.makefile("rb").readline().decode("utf-8"))
    sys.stdout.write(reply["out"])
    sys.stderr.write(reply["err"])
    return reply["rc"]


def main(argv):
    name = os.path.basename(argv[0])
    if name == "xcatd":
        return xcatd()
    if name in COMMANDS:
        return client(name, argv[1:])
    sys.stderr.write("fake xCAT: no command %s (one of xcatd %s)\n" % (name, " ".join(COMMANDS)))
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
