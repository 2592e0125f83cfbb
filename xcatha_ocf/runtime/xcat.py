"""xCAT's client commands as xcat-services uses them, run under Pacemaker's bare
environment: the networks table's mgtifname, site.consoleservice, and the
``lsxcatd -a`` round trip through xcatd and its database."""

import _socket
import os

from xcatha_ocf.runtime import netif

XCATD_PORT = 3001
BIN_DIRS = ("/opt/xcat/bin", "/opt/xcat/sbin")
CFGLOC = "/etc/xcat/cfgloc"
QUERY_TIMEOUT = 60
# The xCAT commands the agents run (xCAT installs them, not the distribution).
COMMANDS = ("lsdef", "chdef", "lsxcatd", "makedns", "makedhcp", "makeconservercf", "makegocons")


def environment(port=XCATD_PORT, path=None):
    """What xCAT's client commands need: XCATROOT, HOME for ~/.xcat certificates,
    /opt/xcat on PATH, XCATHOST when xcatd listens on another port than 3001."""
    env = {"XCATROOT": os.environ.get("XCATROOT", "/opt/xcat"),
           "HOME": os.environ.get("HOME", "/root")}
    if port != XCATD_PORT:
        env["XCATHOST"] = "localhost:%d" % port
    directories = (os.environ.get("PATH", "") if path is None else path).split(os.pathsep)
    env["PATH"] = os.pathsep.join([d for d in BIN_DIRS if d not in directories]
                                  + [d for d in directories if d])
    return env


def parse_lsdef(text):
    """``lsdef ... -c`` output (``object: attr=value`` lines) -> {object: {attr: value}}."""
    objects = {}
    for line in text.splitlines():
        name, sep, pair = line.partition(": ")
        attr, eq, value = pair.partition("=")
        if sep and eq:
            objects.setdefault(name.strip(), {})[attr.strip()] = value.strip()
    return objects


def cfgloc_host(path=None):
    """The database host in xCAT's cfgloc (``Pg:dbname=xcatdb;host=10.0.0.1|user|pw``),
    or None where it names none (SQLite) or cannot be read."""
    try:
        with open(path or CFGLOC) as handle:
            text = handle.readline()
    except (IOError, OSError):
        return None
    for item in text.split("|", 1)[0].partition(":")[2].split(";"):
        key, _, value = item.partition("=")
        if key.strip() == "host":
            return value.strip()
    return None


def network_contains(net, mask, address):
    try:
        mask_bits = netif.parse_ipv4(mask)
        return netif.parse_ipv4(net) & mask_bits == netif.parse_ipv4(address) & mask_bits
    except ValueError:
        return False


def client_hello():
    """A TLS 1.2 ClientHello offering three common cipher suites: enough to make any
    TLS server answer (with its hello, or with an alert)."""
    body = (b"\x03\x03" + bytes(32) + b"\x00"          # version, random, no session id
            + b"\x00\x06\xc0\x2f\x00\x9c\x00\x2f"          # three cipher suites
            + b"\x01\x00")                               # no compression
    handshake = b"\x01" + len(body).to_bytes(3, "big") + body
    return b"\x16\x03\x01" + len(handshake).to_bytes(2, "big") + handshake


def xcatd_silence(port, timeout):
    """Why xcatd does not answer on localhost:port, or None when it does.

    Answering means reacting to a TLS ClientHello within ``timeout`` seconds: its
    own hello, an alert, even closing the connection.  A hung xcatd (stopped, or
    stuck) still has its port open, because the kernel completes the TCP
    connection for it; only the process itself can answer the hello."""
    failure = handshake_failure("127.0.0.1", port, timeout)
    return failure and "xcatd does not answer on port %d: %s" % (port, failure)


def handshake_failure(host, port, timeout):
    """None when the TLS server on host:port reacts to a ClientHello within
    ``timeout`` seconds, else why it does not.  Done with _socket alone: the socket
    and ssl modules would cost a monitor 15 ms."""
    connection = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
    connection.settimeout(timeout)
    try:
        connection.connect((host, port))
        connection.sendall(client_hello())
        connection.recv(1)
    except _socket.timeout:
        return "no TLS handshake within %gs (hung?)" % timeout
    except ConnectionResetError:
        return None
    except OSError as error:
        return error.strerror or str(error)
    finally:
        connection.close()
    return None


class Client(object):
    """xCAT's commands through a runner that carries their environment."""

    def __init__(self, run):
        self.run = run

    def networks(self):
        """{network object: {net, mask, mgtifname}}; CommandError when lsdef fails."""
        result = self.run.query(["lsdef", "-t", "network", "-i", "net,mask,mgtifname", "-c"],
                                timeout=QUERY_TIMEOUT, check=True)
        return parse_lsdef(result.out)

    def set_mgtifname(self, network, label):
        return self.run(["chdef", "-t", "network", "-o", network, "mgtifname=" + label],
                        timeout=QUERY_TIMEOUT)

    def site(self, *attributes):
        """({attribute: value or ""}, Result) for site table ``attributes``."""
        result = self.run.query(["lsdef", "-t", "site", "-i", ",".join(attributes), "-c"],
                                timeout=QUERY_TIMEOUT)
        values = parse_lsdef(result.out).get("clustersite", {})
        return dict((name, values.get(name, "")) for name in attributes), result

    def round_trip(self, timeout=QUERY_TIMEOUT):
        """``lsxcatd -a``: through xcatd to its database and back."""
        return self.run.query(["lsxcatd", "-a"], timeout=timeout)
