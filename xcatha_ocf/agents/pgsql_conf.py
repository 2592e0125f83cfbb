"""xcat-pgsql-conf: PostgreSQL listens and authenticates on the VIP and this node's address.

xCAT's HA procedure adds ``host all all <ip>/32 md5`` lines for the virtual IP
and the active node's static IP to pg_hba.conf and both addresses to
listen_addresses in postgresql.conf.  This agent makes that a resource: start
writes one managed block into each file, stop removes exactly that, and the
admin's own lines are never changed.  The text editing lives in
xcatha_ocf.runtime.pgconf, finding and reading the files in runtime.pgfiles and
the running server in runtime.pgserver, all imported when needed: the probe on
a node where this resource is not started reads one record and imports nothing
else (not even os).
"""

from xcatha_ocf.runtime import bootstate, checks, netif, pgconf
from xcatha_ocf.runtime.ocf import Action, ResourceAgent
from xcatha_ocf.runtime.params import Parameter
from xcatha_ocf.runtime.status import ExitStatus, OCFError

AUTH_METHODS = ("auto", "scram-sha-256", "md5")
SCRAM = "scram-sha-256"
SCRAM_DEFAULT_SINCE = 14  # the major version whose default password_encryption is SCRAM
TOKEN_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.,+@$-")
MAX_INCLUDE_DEPTH = 10


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
        mapping[node] = checks.ipv4_address(address)
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
        "keeps the original as FILE" + pgconf.BACKUP_SUFFIX + ", and stop removes exactly the "
        "blocks. The agent refuses (and changes nothing) when listen_addresses cannot be "
        "merged unambiguously: several listen_addresses lines, a value it cannot parse, or "
        "an included file or postgresql.auto.conf (ALTER SYSTEM) that sets it. If PostgreSQL "
        "is already running (a live postmaster.pid in the data directory), the agent sends "
        "it SIGHUP so pg_hba.conf takes effect at once. listen_addresses only takes effect "
        "on a restart: with restart_postgresql=true the agent restarts the server (systemctl "
        "restart of its unit under systemd, else pg_ctl restart -m fast as the data "
        "directory's owner, logging to DATA_DIR/xcatha-restart.log); otherwise it logs a warning that a restart is needed. In "
        "xcat-group the resource starts before PostgreSQL, so normally no restart is needed. "
        "Both files are checked and staged before either is replaced: when one cannot be "
        "written (immutable, read-only, not the agent's), neither changes and the exit "
        "reason names the file and the cause. A damaged block (a BEGIN or END marker "
        "missing, or doubled) is handled the same way in both files: start and stop remove "
        "every marker and the block's own lines next to them, keep the admin's lines and "
        "log what they removed, and start then writes a fresh block; the monitor reports "
        "the damage as a failure (1), so the cluster's restart repairs it. Stop never fails "
        "over a file it cannot write (that would fence the node, and the VIP leaves the node "
        "with xcat-vip anyway): it logs the error and the next start or stop retries. Start "
        "records in /run/xcatha which files it changed, and stop cleans those too, even "
        "after the parameters changed. Monitor returns 7 until start has run in this boot "
        "(a reboot empties /run), so blocks that a crash left in a node's local "
        "configuration do not make the probe after it rejoins report a second active copy; "
        "then 0 when both blocks are what start would write for this node (at once while "
        "the files are as start left them), 7 when neither is there, 1 otherwise.")
    PARAMETERS = (
        Parameter("vip", required=True, check=checks.ipv4_address,
                  shortdesc="Virtual IPv4 address",
                  longdesc="The xCAT management node's virtual IP (the ip of xcat-vip)."),
        Parameter("nic", default="", check=checks.interface_name,
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
        Parameter("config_dir", default="", check=checks.absolute_path,
                  shortdesc="PostgreSQL configuration directory",
                  longdesc="Directory holding postgresql.conf. Empty: /var/lib/pgsql/data (or "
                           "the newest /var/lib/pgsql/VERSION/data) on RHEL and SLES, the "
                           "newest /etc/postgresql/VERSION/main on Debian and Ubuntu."),
        Parameter("conf_file", default="", check=checks.absolute_path,
                  shortdesc="postgresql.conf path",
                  longdesc="Empty: config_dir/postgresql.conf."),
        Parameter("hba_file", default="", check=checks.absolute_path,
                  shortdesc="pg_hba.conf path",
                  longdesc="Empty: the hba_file setting of postgresql.conf, else "
                           "pg_hba.conf next to postgresql.conf."),
        Parameter("data_dir", default="", check=checks.absolute_path,
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
    )

    # -- the files -----------------------------------------------------------------------

    def locate(self):
        """pgfiles.Files for the current parameters; NotFound when a file is absent."""
        from xcatha_ocf.runtime import pgfiles
        p = self.params
        return pgfiles.locate(p.conf_file, p.config_dir, p.hba_file, p.data_dir)

    def recorded_files(self):
        """The files start changed in this boot, if any, as pgfiles.Files."""
        from xcatha_ocf.runtime import pgfiles
        record = bootstate.load(self.record_path()) or {}
        if not record.get("conf"):
            return None
        texts = [pgfiles.read_optional(record[key]) for key in ("conf", "hba")]
        if None in texts:
            return None
        return pgfiles.Files(record["conf"], texts[0], record["hba"], texts[1],
                             record.get("data_dir", ""))

    # -- this node's addresses ---------------------------------------------------------------

    def node_name(self):
        if self.op.node:
            return self.op.node
        result = self.run.query(["crm_node", "-n"], timeout=5)
        if result.ok and result.out.strip():
            return result.out.strip()
        import socket
        return socket.gethostname()

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
        for label, address, _ in netif.ipv4_addresses():
            if netif.device_of(label) == nic and address != self.params.vip:
                return address
        raise OCFError(ExitStatus.ERR_ARGS, "%s has no IPv4 address besides the virtual IP "
                                            "%s: set node_addresses" % (nic, self.params.vip))

    def vip_device(self):
        for label, address, _ in netif.ipv4_addresses():
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
        """(postgresql.conf text, pg_hba.conf text) as start leaves them: a damaged
        block repaired, then a fresh block in each file."""
        conf, hba = files.conf_path, files.hba_path
        conf_text = self.repaired(conf, files.conf_text, pgconf.CONF)
        hba_text = self.repaired(hba, files.hba_text, pgconf.HBA)
        try:
            admin_value = pgconf.admin_listen_addresses(conf_text, conf)
            self.refuse_listen_elsewhere(files, conf_text)
            listen = pgconf.merge_listen(admin_value, addresses)
            method = self.auth_method(files, conf_text)
            networks = ["%s/32" % address for address in addresses] + self.params.client_networks
            rules = [(self.params.database, self.params.user, network, method)
                     for network in unique(networks)]
            return (pgconf.with_conf_block(conf_text, listen, conf),
                    pgconf.with_hba_block(hba_text, rules, hba))
        except pgconf.ConfigError as error:
            raise OCFError(ExitStatus.ERR_CONFIGURED, str(error))

    def repaired(self, path, text, kind):
        """``text``, or with its damaged block taken out (logged)."""
        try:
            pgconf.find_block(text, path)
        except pgconf.DamagedBlock as damage:
            text, removed = pgconf.repair(text, kind)
            self.log.warning("%s: removed its %d marker and managed lines; the admin's lines "
                             "are kept" % (damage, removed))
        return text

    def refuse_listen_elsewhere(self, files, conf_text):
        """listen_addresses set in an included file or by ALTER SYSTEM cannot be
        merged: the first is easy to miss, the second overrides our block."""
        self.check_includes(files.conf_path, conf_text, 0)
        auto_text = files.auto_conf()
        if auto_text is not None and sets_listen(auto_text):
            raise pgconf.ConfigError(
                "%s/postgresql.auto.conf sets listen_addresses (ALTER SYSTEM), which overrides "
                "postgresql.conf: run ALTER SYSTEM RESET listen_addresses" % files.data_dir)

    def check_includes(self, path, text, depth):
        from xcatha_ocf.runtime import pgfiles
        if depth > MAX_INCLUDE_DEPTH:
            raise pgconf.ConfigError("%s: includes nested deeper than %d"
                                     % (path, MAX_INCLUDE_DEPTH))
        for number, directive, target in pgconf.includes(text):
            if target is None:
                raise pgconf.ConfigError("%s line %d: cannot read the file name of %s"
                                         % (path, number, directive))
            relative_to = path.rpartition("/")[0]
            target = target if target.startswith("/") else relative_to + "/" + target
            for included in pgfiles.included_files(target, directive):
                included_text = pgfiles.read_optional(included)
                if included_text is None:
                    continue
                if sets_listen(included_text):
                    raise pgconf.ConfigError(
                        "%s line %d includes %s, which sets listen_addresses: move that "
                        "setting into %s so it can be merged" % (path, number, included, path))
                self.check_includes(included, included_text, depth + 1)

    def auth_method(self, files, conf_text):
        from xcatha_ocf.runtime import pgserver
        if self.params.auth_method != "auto":
            return self.params.auth_method
        value = (pgconf.last_value(files.auto_conf() or "", "password_encryption")
                 or pgconf.last_value(conf_text, "password_encryption", files.conf_path))
        if value is not None:
            return SCRAM if value.lower() == SCRAM else "md5"
        version = pgserver.server_version(files.data_dir)
        if version is None:
            self.log.warning("cannot read %s/PG_VERSION: using md5, which also accepts "
                             "SCRAM passwords" % files.data_dir)
            return "md5"
        return SCRAM if version >= SCRAM_DEFAULT_SINCE else "md5"

    # -- actions ---------------------------------------------------------------------------

    def validate(self, full=True):
        if full:
            files, _, conf_text, hba_text = self.plan()
            self.check_writable([(files.conf_path, conf_text), (files.hba_path, hba_text)])

    def plan(self):
        """(files, addresses, new conf text, new hba text) or OCFError."""
        from xcatha_ocf.runtime import pgfiles
        try:
            files = self.locate()
        except pgfiles.NotFound as missing:
            raise OCFError(missing.status, missing.reason)
        addresses = self.addresses()
        conf_text, hba_text = self.desired(files, addresses)
        return files, addresses, conf_text, hba_text

    def start(self):
        files, addresses, conf_text, hba_text = self.plan()
        changed = self.write([(files.conf_path, files.conf_text, conf_text),
                              (files.hba_path, files.hba_text, hba_text)], ExitStatus.ERR_PERM)
        if not changed:
            self.log.info("%s and %s already allow %s" % (files.conf_path, files.hba_path,
                                                           " and ".join(addresses)))
        self.apply_to_server(files.data_dir, addresses, changed)
        record = {"conf": files.conf_path, "hba": files.hba_path, "data_dir": files.data_dir}
        self.run.change("record in %s that this boot's configuration is managed"
                        % self.record_path(), lambda: bootstate.save(
                            self.record_path(), dict(record, signature=self.signature(record))))
        return ExitStatus.SUCCESS

    def signature(self, record):
        """The recorded files as they are on disk (inode, size, modification time) and
        the parameters: while it stays what start recorded, the blocks are what start
        wrote, and the monitor need not read and parse the files again."""
        import posix   # os is not loaded yet on this path, and need not be
        found = []
        for path in (record["conf"], record["hba"],
                     record["data_dir"] + "/postgresql.auto.conf"):
            try:
                status = posix.stat(path)
                found.append("%d.%d.%d" % (status.st_ino, status.st_size, status.st_mtime_ns))
            except OSError:
                found.append("-")
        return " ".join(found) + " " + repr(sorted(vars(self.params).items()))

    def stop(self):
        """Remove the blocks from the files start changed and from the files the
        parameters name now.  A file that cannot be written is reported, not
        failed: a failed stop would fence the node over a text file, and the VIP
        leaves this node with xcat-vip's stop anyway."""
        from xcatha_ocf.runtime import pgfiles
        candidates = []
        for find in (self.recorded_files, self.locate):
            try:
                candidates.append(find())
            except (pgfiles.NotFound, OCFError) as missing:
                self.log.info("%s; nothing to remove there" % missing.reason)
        done = set()
        for files in candidates:
            if files is not None and files.conf_path not in done:
                done.add(files.conf_path)
                self.remove_blocks(files)
        if bootstate.load(self.record_path()) is not None:
            self.run.change("remove %s" % self.record_path(),
                            lambda: bootstate.remove(self.record_path()))
        return ExitStatus.SUCCESS

    def remove_blocks(self, files):
        from xcatha_ocf.runtime import pgserver
        changes = [(path, text, self.without_block(path, text, kind))
                   for path, text, kind in (
                       (files.conf_path, files.conf_text, pgconf.CONF),
                       (files.hba_path, files.hba_text, pgconf.HBA))]
        try:
            changed = self.write(changes, ExitStatus.ERR_GENERIC)
        except OCFError as error:
            self.log.error("%s: the managed blocks stay until the next start or stop" % error.reason)
            return
        pid, _ = pgserver.postmaster(files.data_dir)
        if pid and changed:
            self.reload(pid)
            self.log.info("PostgreSQL keeps listening on the removed addresses until "
                          "its next restart")

    def without_block(self, path, text, kind):
        text = self.repaired(path, text, kind)
        return pgconf.remove_block(text, path)

    def record_path(self):
        """Written by start, removed by stop.  It names the files start changed, so
        stop cleans those even after the parameters changed.  The blocks outlive a
        crash in the node's local configuration (Debian's /etc/postgresql); without
        this record the probe after the node rejoins would find them and Pacemaker
        would recover the group from "active on 2 nodes" by restarting it where it
        runs."""
        return bootstate.path("%s.started" % (self.op.instance or self.NAME))

    def monitor(self):
        record = bootstate.load(self.record_path())
        if record is None:
            raise OCFError(ExitStatus.NOT_RUNNING, "not started since this node booted")
        if record.get("signature") and record["signature"] == self.signature(record):
            self.log.debug("%s and %s unchanged since start" % (record["conf"], record["hba"]))
            return ExitStatus.SUCCESS
        from xcatha_ocf.runtime import pgfiles
        try:
            files = self.locate()
        except pgfiles.NotFound as missing:
            raise OCFError(ExitStatus.NOT_RUNNING, missing.reason)
        except OCFError as error:   # a file of this node unreadable: recover here, not stop everywhere
            raise OCFError(ExitStatus.ERR_GENERIC, error.reason)
        try:
            blocks = [pgconf.block_lines(files.conf_text, files.conf_path),
                      pgconf.block_lines(files.hba_text, files.hba_path)]
        except pgconf.DamagedBlock as damage:
            raise OCFError(ExitStatus.ERR_GENERIC, "%s: a restart repairs it" % damage)
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

    def check_writable(self, changes):
        """OCFError(ERR_PERM) naming the first of ``changes`` that cannot be written."""
        from xcatha_ocf.runtime import files
        for path, _ in changes:
            problem = files.unwritable(path)
            if problem:
                raise OCFError(ExitStatus.ERR_PERM, "cannot write %s: %s" % (path, problem))

    def write(self, changes, status):
        """Replace the files of (path, old text, new text) ``changes`` whose text
        changes, all or none, keeping a one-time backup of each; True when any
        changed.  A file that cannot be written ends in OCFError(``status``)
        naming it, with every file as it was."""
        from xcatha_ocf.runtime import files, pgfiles
        changed = [(path, new) for path, old, new in changes if new != old]
        if not changed:
            return False
        try:
            self.check_writable(changed)
        except OCFError as error:
            raise OCFError(status, error.reason)
        for path, _ in changed:
            backup = pgfiles.backup_missing(path)
            if backup:
                try:
                    self.run.change("keep the original %s as %s" % (path, backup),
                                    lambda: files.copy_preserving(path, backup))
                except OSError as error:
                    raise OCFError(status, "cannot keep the original %s as %s: %s; no file was "
                                           "changed" % (path, backup, error.strerror or error))
        try:
            self.run.replace_files(changed, pgfiles.ENCODING, pgfiles.ERRORS)
        except files.FileChangeError as error:
            raise OCFError(status, "%s; no file was changed" % error)
        return True

    def apply_to_server(self, data_dir, addresses, changed):
        from xcatha_ocf.runtime import pgserver
        pid, port = pgserver.postmaster(data_dir)
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
        pid, port = pgserver.postmaster(data_dir)
        missing = self.not_listening(port, addresses) if pid else addresses
        if missing:
            self.log.warning("PostgreSQL restarted but does not listen on %s; see its log"
                             % ", ".join(missing))

    @staticmethod
    def not_listening(port, addresses):
        from xcatha_ocf.runtime import pgserver
        listening = pgserver.listening_addresses(port)
        if "0.0.0.0" in listening:
            return []
        return [address for address in addresses if address not in listening]

    def reload(self, pid):
        from xcatha_ocf.runtime import pgserver
        self.run.change("send SIGHUP to the postmaster (PID %d) to reload its configuration"
                        % pid, lambda: pgserver.send_reload(pid))

    def restart(self, pid, data_dir):
        from xcatha_ocf.runtime import pgserver
        unit = pgserver.systemd_unit(pid)
        if unit:
            self.run(["systemctl", "restart", unit], timeout=self.op.budget(None), check=True)
            return
        budget = int(self.op.budget(None))
        if budget < 3:
            raise OCFError(ExitStatus.ERR_GENERIC, "no time left to restart PostgreSQL")
        self.run(["runuser", "-u", pgserver.owner_name(data_dir), "--", pgserver.pg_ctl_of(pid),
                  "restart", "-D", data_dir, "-m", "fast", "-w", "-t", budget - 2,
                  "-l", data_dir + "/xcatha-restart.log"], timeout=budget, check=True)


def unique(items):
    seen = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen


def sets_listen(text):
    return any(name == "listen_addresses" for _, name, _ in pgconf.settings(text))


AGENT = PgsqlConf
