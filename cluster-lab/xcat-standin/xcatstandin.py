#!/usr/bin/python3
"""xCAT STAND-IN for the xcatha-ocf cluster lab and tests.  This is NOT xCAT.

xCAT cannot be installed on the lab machines, so this one file plays the part
of its management-node pieces that xcat-services drives, with xCAT's command
names, the options the agent uses and the same exit codes (0 ok, 1 error):

  xcatd                      the daemon: reads /etc/xcat/cfgloc
                             (Pg:dbname=xcatdb;host=VIP|xcatadm|password),
                             refuses to start unless the real PostgreSQL at that
                             host accepts those credentials (so a missing
                             pg_hba.conf entry or listen address makes it fail, as
                             xcatd would), then serves requests on 3001 and 3002
  lsxcatd -v | -a            version / a database round trip
  lsdef -t site|network [-o NAME] [-i a,b] [-c]
  chdef -t site|network -o NAME attr=value...
  chtab KEY=VALUE table.column=value...       (site and networks tables)
  makedns -n                 zone file for site.domain + include in named's
                             configuration, then systemctl restart named
  makedhcp -n                dhcpd.conf with a subnet per xCAT network (interface
                             from mgtifname), then restarts the DHCP server
  makedhcp -a                host entries for the nodes of the hosts/mac tables;
                             fails when the DHCP server is not running
  makeconservercf            conserver.cf with a console per node; reloads a
                             running conserver
  makegocons                 goconserver node list; fails when goconserver is down

The commands are clients: like xCAT's, they send the request to xcatd on
localhost:3001 (XCATHOST=host:port to change it) and fail when it does not
answer; xcatd does the database work with psql and the file work itself.
Large clusters are simulated by delays: /etc/xcat/standin.conf (KEY=seconds:
makedns, makedhcp_n, makedhcp_a, makeconservercf, makegocons) or the
environment variable XCAT_STANDIN_DELAY (seconds, for every make command) in
the command's environment.  XCAT_STANDIN_ROOT prefixes every file path (tests).
Standard library only; psql must be installed.
"""

import json
import os
import socket
import socketserver
import subprocess
import sys
import threading
import time

VERSION = "Version 2.16.5 (xcatha-ocf stand-in, not xCAT)"
PORTS = (3001, 3002)
ROOT = os.environ.get("XCAT_STANDIN_ROOT", "")
DELAY_KEYS = ("makedns", "makedhcp_n", "makedhcp_a", "makeconservercf", "makegocons")
TABLES = {
    "site": ("key", ("value", "comments", "disable")),
    "networks": ("netname", ("net", "mask", "mgtifname", "gateway", "dhcpserver", "tftpserver",
                             "nameservers", "dynamicrange", "domain", "comments", "disable")),
}
OBJECT_TABLE = {"site": "site", "network": "networks"}


class Failure(Exception):
    """An xCAT-style error: printed as 'Error: ...', exit code 1."""


def path(name):
    return ROOT + name


# -- configuration --------------------------------------------------------------------

def read_cfgloc(filename=None):
    """{'engine', 'dbname', 'host', 'user', 'password'} from xCAT's cfgloc."""
    filename = filename or path("/etc/xcat/cfgloc")
    try:
        with open(filename) as handle:
            text = handle.read().strip()
    except (IOError, OSError) as error:
        raise Failure("cannot read %s: %s" % (filename, error.strerror))
    engine, _, rest = text.partition(":")
    fields = rest.split("|")
    if engine != "Pg" or len(fields) < 3:
        raise Failure("%s is not Pg:dbname=DB;host=HOST|USER|PASSWORD" % filename)
    settings = dict(pair.split("=", 1) for pair in fields[0].split(";") if "=" in pair)
    return {"engine": engine, "dbname": settings.get("dbname", "xcatdb"),
            "host": settings.get("host", "localhost"), "port": settings.get("port", "5432"),
            "user": fields[1], "password": fields[2], "text": text}


def read_delays():
    delays = dict((key, 0.0) for key in DELAY_KEYS)
    try:
        with open(path("/etc/xcat/standin.conf")) as handle:
            for line in handle:
                key, sep, value = line.split("#", 1)[0].partition("=")
                if sep and key.strip() in delays:
                    delays[key.strip()] = float(value)
    except (IOError, OSError, ValueError):
        pass
    return delays


# -- the database, through psql ---------------------------------------------------------

def literal(value):
    return "'" + str(value).replace("'", "''") + "'"


class Database(object):
    def __init__(self, cfgloc):
        self.cfgloc = cfgloc

    def query(self, sql):
        """Rows (lists of strings) of the last statement; Failure when psql fails."""
        env = dict(os.environ, PGPASSWORD=self.cfgloc["password"], PGCONNECT_TIMEOUT="5")
        conninfo = "host=%s port=%s dbname=%s user=%s" % (
            self.cfgloc["host"], self.cfgloc["port"], self.cfgloc["dbname"], self.cfgloc["user"])
        process = subprocess.Popen(
            ["psql", "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1", conninfo],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
            universal_newlines=True)
        out, err = process.communicate(sql, timeout=60)
        if process.returncode != 0:
            raise Failure("database %s at %s: %s" % (self.cfgloc["dbname"], self.cfgloc["host"],
                                                     err.strip().splitlines()[-1] if err.strip()
                                                     else "psql exited %d" % process.returncode))
        return [line.split("\t") for line in out.splitlines() if line]

    def rows(self, table):
        key, columns = TABLES[table]
        names = (key,) + columns
        result = self.query("SELECT %s FROM %s ORDER BY 1;" % (", ".join(names), table))
        return [dict(zip(names, row)) for row in result]

    def site(self):
        return dict((row["key"], row["value"]) for row in self.rows("site"))

    def nodes(self):
        """[(node, ip, mac)] from the hosts and mac tables."""
        return [tuple(row) + ("",) * (3 - len(row)) for row in self.query(
            "SELECT h.node, h.ip, coalesce(m.mac, '') FROM hosts h LEFT JOIN mac m "
            "ON m.node = h.node ORDER BY h.node;")]

    def upsert(self, table, key_column, key, values):
        key_name, columns = TABLES[table]
        for column in list(values) + [key_column]:
            if column != key_name and column not in columns:
                raise Failure("%s has no column %s" % (table, column))
        assignments = ", ".join("%s = %s" % (c, literal(v)) for c, v in sorted(values.items()))
        where = "%s = %s" % (key_column, literal(key))
        count = self.query("WITH u AS (UPDATE %s SET %s WHERE %s RETURNING 1) "
                           "SELECT count(*) FROM u;" % (table, assignments, where))[0][0]
        if count == "0":
            values = dict(values, **{key_column: key})
            if key_name not in values:
                values[key_name] = key
            self.query("INSERT INTO %s (%s) VALUES (%s);" % (
                table, ", ".join(sorted(values)), ", ".join(literal(values[c]) for c in sorted(values))))


# -- requests handled by xcatd ------------------------------------------------------------

def options(args, flags_with_value):
    """Parse '-t site -i a,b -c' style arguments -> ({flag: value or True}, positional)."""
    found, positional, index = {}, [], 0
    while index < len(args):
        word = args[index]
        if word in flags_with_value:
            if index + 1 >= len(args):
                raise Failure("%s needs a value" % word)
            found[word] = args[index + 1]
            index += 2
            continue
        if word.startswith("-") and len(word) > 1:
            found[word] = True
        else:
            positional.append(word)
        index += 1
    return found, positional


class Handler(object):
    def __init__(self, cfgloc, delay=None):
        self.cfgloc = cfgloc
        self.db = Database(cfgloc)
        self.delays = read_delays()
        if delay is not None:
            self.delays = dict((key, delay) for key in DELAY_KEYS)

    def simulate(self, key):
        time.sleep(self.delays.get(key, 0.0))

    def run(self, command, args):
        method = getattr(self, "cmd_" + command, None)
        if method is None:
            raise Failure("%s is not a command the stand-in knows" % command)
        return method(args)

    def cmd_lsxcatd(self, args):
        if "-v" in args:
            return VERSION + "\n"
        if "-a" not in args:
            raise Failure("Usage: lsxcatd [-v|-a]")
        self.db.query("SELECT 1 FROM site LIMIT 1;")
        c = self.cfgloc
        return ("%s\nThis is a Management Node\ncfgloc=Pg:dbname=%s;host=%s|%s\ndbengine=Pg\n"
                "dbname=%s\ndbhost=%s\ndbadmin=%s\n" % (VERSION, c["dbname"], c["host"], c["user"],
                                                     c["dbname"], c["host"], c["user"]))

    def objects(self, kind):
        if kind not in OBJECT_TABLE:
            raise Failure("the stand-in knows only -t site and -t network, not %s" % kind)
        if kind == "site":
            return {"clustersite": self.db.site()}
        return dict((row["netname"], dict((k, v) for k, v in row.items() if k != "netname" and v))
                    for row in self.db.rows("networks"))

    def cmd_lsdef(self, args):
        found, positional = options(args, ("-t", "-o", "-i"))
        objects = self.objects(found.get("-t", "node"))
        names = (found.get("-o") or ",".join(positional)).split(",") if (
            found.get("-o") or positional) else sorted(objects)
        wanted = found.get("-i", "").split(",") if found.get("-i") else None
        lines = []
        for name in names:
            if name not in objects:
                raise Failure("Could not find an object named '%s' of type '%s'."
                              % (name, found.get("-t")))
            attrs = objects[name]
            keys = wanted if wanted else sorted(attrs)
            if "-c" in found:
                lines += ["%s: %s=%s" % (name, k, attrs.get(k, "")) for k in keys if k in attrs]
            else:
                lines.append("Object name: %s" % name)
                lines += ["    %s=%s" % (k, attrs.get(k, "")) for k in keys]
        return "".join(line + "\n" for line in lines)

    def cmd_chdef(self, args):
        found, positional = options(args, ("-t", "-o"))
        kind = found.get("-t")
        name = found.get("-o") or next((p for p in positional if "=" not in p), None)
        pairs = dict(p.split("=", 1) for p in positional if "=" in p)
        if kind not in OBJECT_TABLE or not name or not pairs:
            raise Failure("Usage: chdef -t site|network -o NAME attr=value ...")
        if kind == "site":
            for key, value in pairs.items():
                self.db.upsert("site", "key", key, {"value": value})
        else:
            self.db.upsert("networks", "netname", name, pairs)
        return "1 object definitions have been created or modified.\n"

    def cmd_chtab(self, args):
        keys = [a for a in args if "=" in a and "." not in a.split("=", 1)[0]]
        sets = [a for a in args if "=" in a and "." in a.split("=", 1)[0]]
        if len(keys) != 1 or not sets:
            raise Failure("Usage: chtab KEY=VALUE table.column=value ...")
        key_column, key = keys[0].split("=", 1)
        tables = set(s.split(".", 1)[0] for s in sets)
        if len(tables) != 1 or list(tables)[0] not in TABLES:
            raise Failure("the stand-in's chtab edits one of: %s" % ", ".join(sorted(TABLES)))
        values = dict((s.split("=", 1)[0].split(".", 1)[1], s.split("=", 1)[1]) for s in sets)
        self.db.upsert(list(tables)[0], key_column, key, values)
        return ""

    def cmd_makedns(self, args):
        if "-n" not in args:
            raise Failure("the stand-in implements makedns -n only")
        domain = self.db.site().get("domain")
        if not domain:
            raise Failure("domain is not set in the site table")
        nodes = self.db.nodes()
        self.simulate("makedns")
        master = self.db.site().get("master", self.cfgloc["host"])
        records = "".join("%s IN A %s\n" % (node, ip) for node, ip, _ in nodes if ip)
        zone = ("; xCAT STAND-IN zone for %s (not xCAT)\n$TTL 86400\n"
                "@ IN SOA ns.%s. root.%s. ( %d 3600 900 604800 86400 )\n@ IN NS ns.%s.\n"
                "ns IN A %s\n%s" % (domain, domain, domain, int(time.time()), domain, master, records))
        zone_dir = path("/var/lib/bind") if os.path.isdir(path("/etc/bind")) else path("/var/named")
        write(os.path.join(zone_dir, "db.%s" % domain), zone)
        conf = path("/etc/bind/named.conf.local") if os.path.isdir(path("/etc/bind")) \
            else path("/etc/named.conf.xcat-standin")
        write(conf, '// xCAT STAND-IN (not xCAT)\nzone "%s" {\n    type master;\n'
                    '    file "%s";\n};\n' % (domain, os.path.join(zone_dir[len(ROOT):],
                                                              "db.%s" % domain)))
        restart("named")
        return ("Updating zones.\nRestarting named\nRestarting named complete\n"
                "Updating DNS records, %d nodes.\nDNS setup is completed\n" % len(nodes))

    def cmd_makedhcp(self, args):
        if "-n" in args:
            return self.makedhcp_new()
        if "-a" in args:
            return self.makedhcp_all()
        raise Failure("the stand-in implements makedhcp -n and makedhcp -a only")

    def makedhcp_new(self):
        networks = self.db.rows("networks")
        site = self.db.site()
        self.simulate("makedhcp_n")
        lines = ["# xCAT STAND-IN dhcpd.conf (not xCAT)", "authoritative;",
                 'option domain-name "%s";' % site.get("domain", "cluster"), "omapi-port 7911;"]
        interfaces = []
        for row in networks:
            if row.get("disable") in ("1", "yes"):
                continue
            lines += ["subnet %s netmask %s {" % (row["net"], row["mask"]),
                      "  # mgtifname %s" % (row.get("mgtifname") or ""), "}"]
            device = (row.get("mgtifname") or "").split(":")[0]
            if device and device not in interfaces and device != "!remote!":
                interfaces.append(device)
        lines.append('include "%s";' % (self.dhcp_hosts_file()[len(ROOT):]))
        write(self.dhcp_hosts_file(), "# xCAT STAND-IN host entries (makedhcp -a)\n",
              keep_existing=True)
        write(path("/etc/dhcp/dhcpd.conf"), "\n".join(lines) + "\n")
        if os.path.isdir(path("/etc/default")) and dhcp_unit() == "isc-dhcp-server":
            write(path("/etc/default/isc-dhcp-server"),
                  '# xCAT STAND-IN\nINTERFACESv4="%s"\nINTERFACESv6=""\n' % " ".join(interfaces))
        restart(dhcp_unit())
        return "Renamed existing dhcp configuration file\nmakedhcp -n done (%d networks)\n" % len(
            networks)

    @staticmethod
    def dhcp_hosts_file():
        return path("/etc/dhcp/xcat-standin-hosts.conf")

    def makedhcp_all(self):
        if not active(dhcp_unit()):
            raise Failure("Unable to connect to dhcpd: %s is not running" % dhcp_unit())
        nodes = self.db.nodes()
        self.simulate("makedhcp_a")
        entries = ["# xCAT STAND-IN host entries (makedhcp -a)"]
        missing = []
        for node, ip, mac in nodes:
            if not mac:
                missing.append(node)
                continue
            entries.append("host %s { hardware ethernet %s; fixed-address %s; }" % (node, mac, ip))
        write(self.dhcp_hosts_file(), "\n".join(entries) + "\n")
        restart(dhcp_unit())
        if missing:
            raise Failure("Unable to find mac address for %s" % ",".join(missing))
        return ""

    def cmd_makeconservercf(self, args):
        nodes = self.db.nodes()
        self.simulate("makeconservercf")
        consoles = "".join("console %s { type exec; exec /bin/sleep 86400; }\n" % node
                           for node, _, _ in nodes)
        text = ("# xCAT STAND-IN conserver.cf (not xCAT)\n"
                "default full { rw *; }\ndefault * { logfile /var/log/consoles/&; include full; "
                "master localhost; }\n"
                "console xcat-standin-dummy { type exec; exec /bin/sleep 86400; }\n%s"
                "access * { trusted 127.0.0.1; }\n" % consoles)
        if not os.path.isdir(path("/var/log/consoles")):
            os.makedirs(path("/var/log/consoles"))
        debian = os.path.isdir(path("/etc/conserver"))
        write(path("/etc/conserver/conserver.cf") if debian else path("/etc/conserver.cf"), text)
        unit = "conserver-server" if debian else "conserver"
        if active(unit):
            restart(unit)
        return ""

    def cmd_makegocons(self, args):
        if not active("goconserver"):
            raise Failure("goconserver is not running; start it first")
        nodes = self.db.nodes()
        self.simulate("makegocons")
        write(path("/etc/goconserver/xcat-standin-nodes.json"),
              json.dumps([{"name": node, "driver": "cmd"} for node, _, _ in nodes]) + "\n")
        return "Created console sessions for %d nodes\n" % len(nodes)


def write(filename, text, keep_existing=False):
    if keep_existing and os.path.exists(filename):
        return
    directory = os.path.dirname(filename)
    if not os.path.isdir(directory):
        os.makedirs(directory)
    temporary = "%s.standin.%d" % (filename, os.getpid())
    with open(temporary, "w") as handle:
        handle.write(text)
    os.rename(temporary, filename)


def systemctl(*args):
    process = subprocess.Popen(("systemctl",) + args, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, universal_newlines=True)
    out, err = process.communicate(timeout=120)
    return process.returncode, (err or out).strip()


def active(unit):
    return systemctl("is-active", "--quiet", unit)[0] == 0


def restart(unit):
    rc, message = systemctl("restart", unit)
    if rc != 0:
        raise Failure("systemctl restart %s failed: %s" % (unit, message))


def dhcp_unit():
    return "isc-dhcp-server" if os.path.isdir(path("/etc/default")) and os.path.exists(
        path("/etc/default/isc-dhcp-server")) else "dhcpd"


# -- the daemon ------------------------------------------------------------------------

class RequestHandler(socketserver.StreamRequestHandler):
    def handle(self):
        try:
            request = json.loads(self.rfile.readline().decode("utf-8"))
            handler = Handler(self.server.cfgloc, request.get("delay"))
            reply = {"rc": 0, "out": handler.run(request["command"], request.get("args", []))}
        except Failure as error:
            reply = {"rc": 1, "out": "", "err": "Error: %s\n" % error}
        except Exception as error:  # report, keep serving
            reply = {"rc": 1, "out": "", "err": "Error: stand-in xcatd: %s: %s\n"
                                                % (type(error).__name__, error)}
        self.wfile.write((json.dumps(reply) + "\n").encode("utf-8"))


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def notify_ready():
    """Tell systemd (Type=notify) that xcatd is serving."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return
    if address.startswith("@"):
        address = "\0" + address[1:]
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        sock.sendto(b"READY=1", address)
    finally:
        sock.close()


def serve(args):
    ports = [int(p) for p in args[args.index("--ports") + 1].split(",")] if "--ports" in args \
        else list(PORTS)
    try:
        cfgloc = read_cfgloc()
        Database(cfgloc).query("SELECT count(*) FROM site;")
    except Failure as error:
        sys.stderr.write("xcatd (stand-in): cannot start: %s\n" % error)
        return 1
    servers = []
    for port in ports:
        server = Server(("", port), RequestHandler)
        server.cfgloc = cfgloc
        servers.append(server)
    for server in servers[1:]:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stderr.write("xcatd (stand-in): serving on %s, database %s at %s\n"
                     % (",".join(map(str, ports)), cfgloc["dbname"], cfgloc["host"]))
    sys.stderr.flush()
    notify_ready()
    import signal
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=servers[0].shutdown).start())
    servers[0].serve_forever()
    return 0


# -- the client commands ----------------------------------------------------------------

def client(command, args):
    host, _, port = os.environ.get("XCATHOST", "localhost:3001").partition(":")
    request = {"command": command, "args": args}
    if os.environ.get("XCAT_STANDIN_DELAY"):
        request["delay"] = float(os.environ["XCAT_STANDIN_DELAY"])
    try:
        connection = socket.create_connection((host, int(port or 3001)), timeout=10)
    except (OSError, socket.timeout) as error:
        sys.stderr.write("Error: Unable to open socket connection to xcatd daemon on %s:%s (%s). "
                         "Verify that the xcatd daemon is running.\n" % (host, port or 3001, error))
        return 1
    connection.settimeout(None)
    with connection:
        connection.sendall((json.dumps(request) + "\n").encode("utf-8"))
        reply = json.loads(connection.makefile("rb").readline().decode("utf-8"))
    sys.stdout.write(reply.get("out", ""))
    sys.stderr.write(reply.get("err", ""))
    return reply["rc"]


COMMANDS = ("lsxcatd", "lsdef", "chdef", "chtab", "makedns", "makedhcp", "makeconservercf",
            "makegocons")


def main(argv):
    name = os.path.basename(argv[0])
    if name == "xcatstandin.py" and len(argv) > 1:
        name, argv = argv[1], argv[1:]
    if name == "xcatd":
        return serve(argv[1:])
    if name in COMMANDS:
        return client(name, argv[1:])
    sys.stderr.write("xCAT stand-in: unknown command %s (one of xcatd %s)\n"
                     % (name, " ".join(COMMANDS)))
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
