"""xcat-pgsql-conf: PostgreSQL listens and authenticates on the VIP and this node's address.

xCAT's HA procedure adds ``host all all <ip>/32 md5`` lines for the virtual IP
and the active node's static IP to pg_hba.conf and both addresses to
listen_addresses in postgresql.conf.  This agent makes that a resource: start
writes one managed block into each file, stop removes exactly that, and the
admin's own lines are never changed.  The text editing lives in
xcatha_ocf.pgconf; this module finds the files and the addresses and makes a
running server take the change.
"""

import os

from xcatha_ocf import bootstate, distro, netif, pgconf
from xcatha_ocf.agents.vip import check_ip, check_nic
from xcatha_ocf.ocf import Action, ExitStatus, OCFError, Parameter, ResourceAgent, run_agent

ENCODING, ERRORS = "utf-8", "surrogateescape"  # any bytes in, the same bytes out
BACKUP_SUFFIX = ".xcatha-orig"
AUTH_METHODS = ("auto", "scram-sha-256", "md5")
SCRAM = "scram-sha-256"
SCRAM_DEFAULT_SINCE = 14  # the major version whose default password_encryption is SCRAM
TOKEN_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.,+@$-")
MAX_INCLUDE_DEPTH = 10
TCP_LISTEN = "0A"


# -- parameter checks ----------------------------------------------------------------------


def check_auth_method(text):
    if text == "trust":
        raise ValueError("trust lets anyone who reaches the address in without a password; "
                         "use scram-sha-256 or md5")
    if text not in AUTH_METHODS:
        raise ValueError("expected one of %s" % ", ".join(AUTH_METHODS))
    return text


def check_token(text):
    """A pg_hba database or user field: names, comma lists, +group or @file."""
    if not text or not set(text) <= TOKEN_CHARACTERS:
        raise ValueError("expected all, a name, a comma-separated list, +group or @file")
    return text


def check_node_addresses(text):
    """"xcatmn1=10.0.0.2 xcatmn2=10.0.0.3" to {"xcatmn1": "10.0.0.2", ...}."""
    mapping = {}
    for word in text.split():
        node, sep, address = word.partition("=")
        if not sep or not node:
            raise ValueError("expected node=address pairs separated by spaces, got %r" % word)
        mapping[node] = check_ip(address)
    return mapping


def check_networks(text):
    """Space-separated IPv4 or IPv6 networks in CIDR form, host bits clear."""
    networks = []
    for word in text.split():
        address, sep, prefix = word.partition("/")
        if not sep or not prefix.isdigit():
            raise ValueError("%r is not in address/prefix form" % word)
        if ":" in address:
            import ipaddress
            try:
                ipaddress.ip_network(word)
            except ValueError as error:
                raise ValueError("%r: %s" % (word, error))
        else:
            check_ipv4_network(netif.parse_ipv4(address), int(prefix), word)
        networks.append(word)
    return networks


def check_ipv4_network(address, prefix, word):
    if prefix > 32:
        raise ValueError("%r: an IPv4 prefix is at most 32" % word)
    if address & ~netif.prefix_mask(prefix) & 0xFFFFFFFF:
        raise ValueError("%r has host bits set" % word)


def check_absolute(text):
    if text and not os.path.isabs(text):
        raise ValueError("expected an absolute path")
    return text


# -- files and processes ---------------------------------------------------------------------


class NotFound(Exception):
    """A configuration file is absent: stop has nothing to do, monitor reports
    not running, start fails with ``status``."""

    def __init__(self, status, reason):
        Exception.__init__(self, reason)
        self.status = status
        self.reason = reason


def read_config(path):
    """The text of ``path``; NotFound when absent, OCFError when unreadable."""
    try:
        with open(path, "r", newline="", encoding=ENCODING, errors=ERRORS) as handle:
            return handle.read()
    except FileNotFoundError:
        raise NotFound(ExitStatus.ERR_INSTALLED, "%s does not exist" % path)
    except PermissionError as error:
        raise OCFError(ExitStatus.ERR_PERM, "cannot read %s: %s" % (path, error.strerror))
    except (IOError, OSError) as error:
        raise OCFError(ExitStatus.ERR_CONFIGURED, "cannot read %s: %s" % (path, error.strerror))


def read_optional(path):
    """The text of ``path`` or None when it does not exist."""
    try:
        return read_config(path)
    except NotFound:
        return None


def numbered_subdirectories(parent, child):
    """parent/<version>/child for each numeric version present, highest first."""
    try:
        names = os.listdir(parent)
    except OSError:
        return []
    versions = [name for name in names if name.replace(".", "").isdigit()]
    versions.sort(key=lambda name: [int(part) for part in name.split(".") if part], reverse=True)
    return [os.path.join(parent, name, child) for name in versions]


def default_config_dir(family):
    """Where this distribution keeps postgresql.conf: Debian's newest
    /etc/postgresql/<version>/main, else /var/lib/pgsql/data or PGDG's
    /var/lib/pgsql/<version>/data."""
    if family == distro.DEBIAN:
        candidates = numbered_subdirectories("/etc/postgresql", "main")
        fallback = "/etc/postgresql/<version>/main"
    else:
        candidates = ["/var/lib/pgsql/data"] + numbered_subdirectories("/var/lib/pgsql", "data")
        fallback = candidates[0]
    for directory in candidates:
        if os.path.isfile(os.path.join(directory, "postgresql.conf")):
            return directory
    return fallback


def postmaster(data_dir):
    """(pid, port) of the live postmaster of ``data_dir``, or (None, None)."""
    try:
        with open(os.path.join(data_dir, "postmaster.pid")) as handle:
            lines = handle.read().split("\n")
        pid = int(lines[0])
        with open("/proc/%d/comm" % pid) as handle:
            command = handle.read().strip()
        directory = os.readlink("/proc/%d/cwd" % pid)
    except (IOError, OSError, ValueError):
        return None, None
    if command not in ("postgres", "postmaster") or \
            directory != os.path.realpath(data_dir):
        return None, None  # a stale file (after a crash) whose PID is now another process
    port = int(lines[3]) if len(lines) > 3 and lines[3].strip().isdigit() else 5432
    return pid, port


def listening_addresses(port, table="/proc/net/tcp"):
    """IPv4 addresses with a TCP socket listening on ``port`` in this network namespace."""
    import socket
    import struct
    found = set()
    try:
        with open(table) as handle:
            rows = handle.read().splitlines()[1:]
    except (IOError, OSError):
        return found
    for row in rows:
        fields = row.split()
        address, _, hex_port = fields[1].partition(":")
        if fields[3] == TCP_LISTEN and int(hex_port, 16) == port:
            found.add(socket.inet_ntoa(struct.pack("=I", int(address, 16))))
    return found


def systemd_unit(pid, proc="/proc", systemd_dir="/run/systemd/system"):
    """The systemd service running ``pid``, or None when systemd does not manage it."""
    if not os.path.isdir(systemd_dir):
        return None
    try:
        with open("%s/%d/cgroup" % (proc, pid)) as handle:
            paths = [line.split(":", 2)[-1].strip() for line in handle]
    except (IOError, OSError):
        return None
    for path in paths:
        unit = path.rstrip("/").rsplit("/", 1)[-1]
        if unit.endswith(".service"):
            return unit
    return None


def copy_preserving(source, target):
    """Copy ``source`` to ``target`` with its mode, times, owner and group."""
    import shutil
    temporary = target + ".tmp"
    shutil.copy2(source, temporary)
    status = os.stat(source)
    os.chown(temporary, status.st_uid, status.st_gid)
    os.rename(temporary, target)


class Files(object):
    """The two files as read from disk, and where the server keeps its data."""

    def __init__(self, conf_path, conf_text, hba_path, hba_text, data_dir):
        self.conf_path = conf_path
        self.conf_text = conf_text
        self.hba_path = hba_path
        self.hba_text = hba_text
        self.data_dir = data_dir


# -- the agent -------------------------------------------------------------------------------


class PgsqlConf(ResourceAgent):
    NAME = "xcat-pgsql-conf"
    SHORTDESC = "PostgreSQL listens and authenticates on the xCAT VIP and this node's address"
    LONGDESC = (
        "Does the PostgreSQL step of xCAT's management-node HA procedure on the node where it "
        "runs: allows password logins from the virtual IP, this node's static address and "
        "optional client networks in pg_hba.conf, and adds both addresses to listen_addresses "
        "in postgresql.conf. Each file gets one block between '" + pgconf.BEGIN + "' and '"
        + pgconf.END + "' lines; nothing the admin wrote is changed, reordered or lost. In "
        "pg_hba.conf the block goes before the admin's first rule, because PostgreSQL uses the "
        "first rule that matches: a broader reject or ident rule further down cannot shadow "
        "it. In postgresql.conf it goes at the end, because the last setting wins; it repeats "
        "the admin's listen_addresses (localhost when unset) and adds the two addresses. "
        "Files are replaced atomically with their owner, group and mode, the first change "
        "keeps the original as FILE" + BACKUP_SUFFIX + ", and stop removes exactly the "
        "blocks. The agent refuses (and changes nothing) when listen_addresses cannot be "
        "merged unambiguously: several listen_addresses lines, a value it cannot parse, or "
        "an included file or postgresql.auto.conf (ALTER SYSTEM) that sets it. If PostgreSQL "
        "is already running (a live postmaster.pid in the data directory), the agent sends "
        "it SIGHUP so pg_hba.conf takes effect at once. listen_addresses only takes effect "
        "on a restart: with restart_postgresql=true the agent restarts the server (systemctl "
        "restart of its unit under systemd, else pg_ctl restart -m fast as the data "
        "directory's owner, logging to DATA_DIR/xcatha-restart.log); otherwise it logs a warning that a restart is needed. In "
        "xcat-group the resource starts before PostgreSQL, so normally no restart is needed. "
        "Monitor returns 7 until start has run in this boot (recorded in /run/xcatha, which "
        "a reboot empties), so blocks that a crash left in a node's local configuration do "
        "not make the probe after it rejoins report a second active copy; then 0 when both "
        "blocks are what start would write for this node, 7 when neither is there, 1 "
        "otherwise.")
    PARAMETERS = (
        Parameter("vip", required=True, check=check_ip,
                  shortdesc="Virtual IPv4 address",
                  longdesc="The xCAT management node's virtual IP (the ip of xcat-vip)."),
        Parameter("nic", default="", check=check_nic,
                  shortdesc="Interface with this node's static address",
                  longdesc="This node's static address is the first IPv4 address of this "
                           "interface that is not the virtual IP. Empty: the interface that "
                           "holds the virtual IP. node_addresses takes precedence."),
        Parameter("node_addresses", default="", check=check_node_addresses,
                  shortdesc="Static address of each node",
                  longdesc="Space-separated node=address pairs, for example "
                           "'xcatmn1=10.0.0.2 xcatmn2=10.0.0.3'. The node name is Pacemaker's "
                           "(crm_node -n, else the host name; a short name also matches). A "
                           "node not listed falls back to nic."),
        Parameter("config_dir", default="", check=check_absolute,
                  shortdesc="PostgreSQL configuration directory",
                  longdesc="Directory holding postgresql.conf. Empty: /var/lib/pgsql/data (or "
                           "the newest /var/lib/pgsql/VERSION/data) on RHEL and SLES, the "
                           "newest /etc/postgresql/VERSION/main on Debian and Ubuntu."),
        Parameter("conf_file", default="", check=check_absolute,
                  shortdesc="postgresql.conf path",
                  longdesc="Empty: config_dir/postgresql.conf."),
        Parameter("hba_file", default="", check=check_absolute,
                  shortdesc="pg_hba.conf path",
                  longdesc="Empty: the hba_file setting of postgresql.conf, else "
                           "pg_hba.conf next to postgresql.conf."),
        Parameter("data_dir", default="", check=check_absolute,
                  shortdesc="PostgreSQL data directory",
                  longdesc="Where PG_VERSION, postmaster.pid and postgresql.auto.conf are. "
                           "Empty: the data_directory setting of postgresql.conf, else the "
                           "directory of postgresql.conf."),
        Parameter("auth_method", default="auto", check=check_auth_method,
                  shortdesc="Authentication method (auto, scram-sha-256 or md5)",
                  longdesc="auto: scram-sha-256 when the server stores SCRAM passwords "
                           "(password_encryption, by default on PostgreSQL 14 and later), else "
                           "md5. trust is refused."),
        Parameter("database", default="all", check=check_token,
                  shortdesc="pg_hba database field",
                  longdesc="Databases the rules allow: all, a name or a comma-separated list."),
        Parameter("user", default="all", check=check_token,
                  shortdesc="pg_hba user field",
                  longdesc="Users the rules allow: all, a name, a comma-separated list or "
                           "+group."),
        Parameter("client_networks", default="", check=check_networks,
                  shortdesc="More client networks",
                  longdesc="Space-separated networks in CIDR form (for example service "
                           "nodes' 10.1.0.0/16) that get the same rule as the two addresses."),
        Parameter("restart_postgresql", type="boolean", default="false",
                  shortdesc="Restart a running PostgreSQL when listen_addresses changed",
                  longdesc="When PostgreSQL is already running and does not listen on the "
                           "virtual IP and this node's address yet, restart it. Otherwise a "
                           "warning says that a restart is needed."),
    )
    ACTIONS = (
        Action("start", timeout=60),
        Action("stop", timeout=30),
        Action("monitor", timeout=20, interval=30, depth=0),
        Action("validate-all", timeout=20),
        Action("meta-data", timeout=5),
    )

    # -- where things are ------------------------------------------------------------------

    def conf_path(self):
        if self.params.conf_file:
            return self.params.conf_file
        config_dir = self.params.config_dir or default_config_dir(distro.family())
        return os.path.join(config_dir, "postgresql.conf")

    def load(self):
        """Both files and the data directory; NotFound when a file is absent."""
        conf_path = self.conf_path()
        directory = os.path.dirname(conf_path)
        conf_text = self.read_main(conf_path, directory)
        try:
            hba_path = self.params.hba_file or pgconf.last_value(conf_text, "hba_file", conf_path)
            data_dir = self.params.data_dir or pgconf.last_value(
                conf_text, "data_directory", conf_path)
        except pgconf.ConfigError as error:
            raise OCFError(ExitStatus.ERR_CONFIGURED, str(error))
        hba_path = os.path.join(directory, hba_path or "pg_hba.conf")
        hba_text = self.read_main(hba_path, directory)
        data_dir = os.path.join(directory, data_dir) if data_dir else directory
        return Files(conf_path, conf_text, hba_path, hba_text, data_dir)

    def read_main(self, path, directory):
        """A main configuration file; telling 'not installed here' (5) from a
        configured directory that is not PostgreSQL's (6)."""
        try:
            return read_config(path)
        except NotFound as missing:
            configured = self.params.config_dir or self.params.conf_file
            if configured and os.path.isdir(directory):
                raise NotFound(ExitStatus.ERR_CONFIGURED,
                               "%s is not a PostgreSQL configuration directory: %s"
                               % (directory, missing.reason))
            raise NotFound(ExitStatus.ERR_INSTALLED,
                           "no PostgreSQL configuration on this node: %s" % missing.reason)

    # -- this node's addresses ---------------------------------------------------------------

    def node_name(self):
        name = os.environ.get("OCF_RESKEY_CRM_meta_on_node")
        if name:
            return name
        result = self.run.query(["crm_node", "-n"], timeout=5)
        if result.ok and result.out.strip():
            return result.out.strip()
        return os.uname()[1]

    def static_address(self):
        """This node's own address: from node_addresses, else from nic."""
        mapping = self.params.node_addresses
        if mapping:
            name = self.node_name()
            address = mapping.get(name) or mapping.get(name.split(".", 1)[0])
            if address:
                return address
            self.log.debug("node %s is not in node_addresses; using nic" % name)
        nic = self.params.nic or self.vip_device()
        if not netif.link_exists(nic):
            raise OCFError(ExitStatus.ERR_ARGS, "interface %s does not exist on this host" % nic)
        for label, address in netif.ipv4_addresses():
            if netif.device_of(label) == nic and address != self.params.vip:
                return address
        raise OCFError(ExitStatus.ERR_ARGS, "%s has no IPv4 address besides the virtual IP "
                                            "%s: set node_addresses" % (nic, self.params.vip))

    def vip_device(self):
        for label, address in netif.ipv4_addresses():
            if address == self.params.vip:
                return netif.device_of(label)
        raise OCFError(ExitStatus.ERR_ARGS,
                       "cannot tell this node's static address: %s is not on this host and "
                       "neither nic nor node_addresses names it" % self.params.vip)

    def addresses(self):
        static = self.static_address()
        return [self.params.vip] + ([static] if static != self.params.vip else [])

    # -- what start writes ---------------------------------------------------------------------

    def desired(self, files, addresses):
        """(postgresql.conf text, pg_hba.conf text) as start leaves them."""
        conf, hba = files.conf_path, files.hba_path
        try:
            admin_value = pgconf.admin_listen_addresses(files.conf_text, conf)
            self.refuse_listen_elsewhere(files)
            listen = pgconf.merge_listen(admin_value, addresses)
            method = self.auth_method(files)
            networks = ["%s/32" % address for address in addresses] + self.params.client_networks
            rules = [(self.params.database, self.params.user, network, method)
                     for network in unique(networks)]
            return (pgconf.with_conf_block(files.conf_text, listen, conf),
                    pgconf.with_hba_block(files.hba_text, rules, hba))
        except pgconf.ConfigError as error:
            raise OCFError(ExitStatus.ERR_CONFIGURED, str(error))

    def refuse_listen_elsewhere(self, files):
        """listen_addresses set in an included file or by ALTER SYSTEM cannot be
        merged: the first is easy to miss, the second overrides our block."""
        self.check_includes(files.conf_path, files.conf_text, 0)
        auto_path = os.path.join(files.data_dir, "postgresql.auto.conf")
        auto_text = read_optional(auto_path)
        if auto_text is not None and sets_listen(auto_text):
            raise pgconf.ConfigError(
                "%s sets listen_addresses (ALTER SYSTEM), which overrides postgresql.conf: "
                "run ALTER SYSTEM RESET listen_addresses" % auto_path)

    def check_includes(self, path, text, depth):
        if depth > MAX_INCLUDE_DEPTH:
            raise pgconf.ConfigError("%s: includes nested deeper than %d"
                                     % (path, MAX_INCLUDE_DEPTH))
        for number, directive, target in pgconf.includes(text):
            if target is None:
                raise pgconf.ConfigError("%s line %d: cannot read the file name of %s"
                                         % (path, number, directive))
            for included in included_files(os.path.join(os.path.dirname(path), target),
                                           directive):
                included_text = read_optional(included)
                if included_text is None:
                    continue
                if sets_listen(included_text):
                    raise pgconf.ConfigError(
                        "%s line %d includes %s, which sets listen_addresses: move that "
                        "setting into %s so it can be merged" % (path, number, included, path))
                self.check_includes(included, included_text, depth + 1)

    def auth_method(self, files):
        if self.params.auth_method != "auto":
            return self.params.auth_method
        auto_text = read_optional(os.path.join(files.data_dir, "postgresql.auto.conf")) or ""
        value = (pgconf.last_value(auto_text, "password_encryption")
                 or pgconf.last_value(files.conf_text, "password_encryption", files.conf_path))
        if value is not None:
            return SCRAM if value.lower() == SCRAM else "md5"
        version = server_version(files.data_dir)
        if version is None:
            self.log.warning("cannot read %s/PG_VERSION: using md5, which also accepts "
                             "SCRAM passwords" % files.data_dir)
            return "md5"
        return SCRAM if version >= SCRAM_DEFAULT_SINCE else "md5"

    # -- actions ---------------------------------------------------------------------------

    def validate(self, full=True):
        if full:
            self.plan()

    def plan(self):
        """(files, addresses, new conf text, new hba text) or OCFError."""
        try:
            files = self.load()
        except NotFound as missing:
            raise OCFError(missing.status, missing.reason)
        addresses = self.addresses()
        conf_text, hba_text = self.desired(files, addresses)
        return files, addresses, conf_text, hba_text

    def start(self):
        files, addresses, conf_text, hba_text = self.plan()
        conf_changed = self.write(files.conf_path, files.conf_text, conf_text)
        hba_changed = self.write(files.hba_path, files.hba_text, hba_text)
        if not (conf_changed or hba_changed):
            self.log.info("%s and %s already allow %s" % (files.conf_path, files.hba_path,
                                                           " and ".join(addresses)))
        self.apply_to_server(files.data_dir, addresses, conf_changed or hba_changed)
        self.run.change("record that this node's configuration is managed in this boot (%s)"
                        % self.started_record(), lambda: bootstate.mark(self.started_record()))
        return ExitStatus.SUCCESS

    def stop(self):
        self.remove_blocks()
        if os.path.exists(self.started_record()):
            self.run.change("remove %s" % self.started_record(),
                            lambda: bootstate.unmark(self.started_record()))
        return ExitStatus.SUCCESS

    def remove_blocks(self):
        try:
            files = self.load()
        except NotFound as missing:
            self.log.info("%s; nothing to remove" % missing.reason)
            return
        try:
            conf_text = pgconf.remove_block(files.conf_text, files.conf_path)
            hba_text = pgconf.remove_block(files.hba_text, files.hba_path)
        except pgconf.ConfigError as error:
            raise OCFError(ExitStatus.ERR_GENERIC, str(error))
        conf_changed = self.write(files.conf_path, files.conf_text, conf_text)
        hba_changed = self.write(files.hba_path, files.hba_text, hba_text)
        pid, _ = postmaster(files.data_dir)
        if pid and (conf_changed or hba_changed):
            self.reload(pid)
            if conf_changed:
                self.log.info("PostgreSQL keeps listening on the removed addresses until "
                              "its next restart")

    def started_record(self):
        """Written by start, removed by stop.  The blocks outlive a crash in the node's
        local configuration (Debian's /etc/postgresql); without this record the probe
        after the node rejoins would find them and Pacemaker would recover the group
        from "active on 2 nodes" by restarting it where it runs."""
        return bootstate.path("%s.started" % (self.op.instance or self.NAME))

    def monitor(self):
        if not bootstate.marked(self.started_record()):
            raise OCFError(ExitStatus.NOT_RUNNING, "not started since this node booted")
        try:
            files = self.load()
        except NotFound as missing:
            raise OCFError(ExitStatus.NOT_RUNNING, missing.reason)
        try:
            blocks = [pgconf.block_lines(files.conf_text, files.conf_path),
                      pgconf.block_lines(files.hba_text, files.hba_path)]
        except pgconf.ConfigError as error:
            raise OCFError(ExitStatus.ERR_GENERIC, str(error))
        if blocks == [None, None]:
            raise OCFError(ExitStatus.NOT_RUNNING, "%s and %s have no managed block"
                           % (files.conf_path, files.hba_path))
        try:
            conf_text, hba_text = self.desired(files, self.addresses())
        except OCFError as error:
            raise OCFError(ExitStatus.ERR_GENERIC, "cannot verify the managed blocks: %s"
                           % error.reason)
        wrong = [path for path, now, wanted in ((files.conf_path, files.conf_text, conf_text),
                                                (files.hba_path, files.hba_text, hba_text))
                 if now != wanted]
        if wrong:
            raise OCFError(ExitStatus.ERR_GENERIC, "the managed block in %s is missing or not "
                           "what this node needs" % " and ".join(wrong))
        return ExitStatus.SUCCESS

    # -- changing files and the server -----------------------------------------------------

    def write(self, path, old_text, new_text):
        """Replace ``path`` when its text changes, keeping a one-time backup."""
        if new_text == old_text:
            return False
        backup = path + BACKUP_SUFFIX
        if not os.path.exists(backup):
            self.run.change("keep the original %s as %s" % (path, backup),
                            lambda: copy_preserving(path, backup))
        self.run.replace_file(path, new_text, ENCODING, ERRORS)
        return True

    def apply_to_server(self, data_dir, addresses, changed):
        pid, port = postmaster(data_dir)
        if pid is None:
            self.log.info("PostgreSQL is not running: it reads the new configuration when "
                          "it starts")
            return
        if changed:
            self.reload(pid)
        missing = self.not_listening(port, addresses)
        if not missing:
            return
        if not self.params.restart_postgresql:
            self.log.warning("PostgreSQL (PID %d) does not listen on %s: restart it for "
                             "listen_addresses to take effect, or set restart_postgresql=true"
                             % (pid, ", ".join(missing)))
            return
        self.restart(pid, data_dir)
        if self.run.dry_run:
            return
        pid, port = postmaster(data_dir)
        missing = self.not_listening(port, addresses) if pid else addresses
        if missing:
            self.log.warning("PostgreSQL restarted but does not listen on %s; see its log"
                             % ", ".join(missing))

    @staticmethod
    def not_listening(port, addresses):
        listening = listening_addresses(port)
        if "0.0.0.0" in listening:
            return []
        return [address for address in addresses if address not in listening]

    def reload(self, pid):
        import signal
        self.run.change("send SIGHUP to the postmaster (PID %d) to reload its configuration"
                        % pid, lambda: os.kill(pid, signal.SIGHUP))

    def restart(self, pid, data_dir):
        unit = systemd_unit(pid)
        if unit:
            self.run(["systemctl", "restart", unit], timeout=self.op.budget(None), check=True)
            return
        budget = int(self.op.budget(None))
        if budget < 3:
            raise OCFError(ExitStatus.ERR_GENERIC, "no time left to restart PostgreSQL")
        pg_ctl = os.path.join(os.path.dirname(os.path.realpath("/proc/%d/exe" % pid)), "pg_ctl")
        owner = owner_name(data_dir)
        self.run(["runuser", "-u", owner, "--", pg_ctl, "restart", "-D", data_dir, "-m", "fast",
                  "-w", "-t", budget - 2, "-l", os.path.join(data_dir, "xcatha-restart.log")],
                 timeout=budget, check=True)


def unique(items):
    seen = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen


def sets_listen(text):
    return any(name == "listen_addresses" for _, name, _ in pgconf.settings(text))


def included_files(target, directive):
    if directive != "include_dir":
        return [target]
    try:
        names = sorted(os.listdir(target))
    except OSError:
        return []
    return [os.path.join(target, name) for name in names
            if name.endswith(".conf") and not name.startswith(".")]


def server_version(data_dir):
    """The major version in PG_VERSION (9 for "9.6", 15 for "15"), or None."""
    try:
        with open(os.path.join(data_dir, "PG_VERSION")) as handle:
            return int(handle.read().strip().split(".")[0])
    except (IOError, OSError, ValueError):
        return None


def owner_name(path):
    import pwd
    uid = os.stat(path).st_uid
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def main():
    run_agent(PgsqlConf)
