"""xcat-shared: the xCAT directories on shared storage, active on one node.

Start optionally mounts the shared filesystem (device, fstype, options) on
shared_dir, then bind-mounts shared_dir/<dir> onto each <dir> (/install,
/etc/xcat, /root/.xcat, the PostgreSQL directory, /tftpboot).  Bind mounts keep
the real paths that xCAT, PostgreSQL and the TFTP server expect, unlike the
symlinks of xCAT's own HA script.  Stop unmounts in reverse order and, when a
directory is busy, sends TERM and then KILL to the processes that hold it.

The depth-0 monitor imports nothing beyond the runtime (not even os): the
methods that touch the host import what they use.
"""

import time

from xcatha_ocf.runtime import bootstate, checks, distro, mounts
from xcatha_ocf.runtime.ocf import Action, ResourceAgent
from xcatha_ocf.runtime.params import Parameter, Params
from xcatha_ocf.runtime.status import CommandError, ExitStatus, OCFError

DATABASE_DIRECTORY = {distro.RHEL: "/var/lib/pgsql", distro.SUSE: "/var/lib/pgsql",
                      distro.DEBIAN: "/var/lib/postgresql"}
STATUS_FILE = ".xcat-shared-monitor"
KILL_WAIT = 3
UMOUNT_ATTEMPTS = 3
HIDDEN_LISTED = 8


def default_directories(family):
    return ["/install", "/etc/xcat", "/root/.xcat", DATABASE_DIRECTORY[family], "/tftpboot"]


def check_directories(text):
    """Space-separated directories; an empty value means the defaults for this distribution."""
    directories = text.split()
    for directory in directories:
        mounts.check_directory(directory)
    for outer, inner in mounts.overlaps(directories):
        if outer == inner:
            raise ValueError("%s is listed twice" % outer)
        raise ValueError("%s lies inside %s: directories must not overlap" % (inner, outer))
    return directories


def check_word(text):
    """No whitespace or control characters (device, options)."""
    if any(c.isspace() or ord(c) < 32 or c == "\\" for c in text):
        raise ValueError("must not contain spaces, control characters or backslashes")
    return text


def check_device(text):
    return checks.not_an_option(check_word(text))


def check_fstype(text):
    if not set(text) <= set("abcdefghijklmnopqrstuvwxyz0123456789._+-"):
        raise ValueError("a filesystem type is lower-case letters, digits, '.', '_', '+' or '-'")
    return text


class SharedDirectories(ResourceAgent):
    NAME = "xcat-shared"
    SHORTDESC = "xCAT directories bind-mounted from shared storage"
    LONGDESC = (
        "Makes the xCAT management node's directories (/install, /etc/xcat, /root/.xcat, the "
        "PostgreSQL directory and /tftpboot) appear from shared storage on the active node: "
        "optionally mounts the shared filesystem on shared_dir, then bind-mounts "
        "shared_dir/<directory> onto each <directory>, so every program keeps its real paths. "
        "Stop unmounts in reverse order; processes still using a directory get TERM and then "
        "KILL (kill_holders). The monitor checks the mount table (depth 0), reads every "
        "directory (depth 10) and writes, reads back and removes a status file on the shared "
        "storage (depth 20), with io_timeout bounding the I/O so a hung NFS server cannot hang "
        "it. Copy a node's directories onto the storage once with: xcatha shared init.")
    PARAMETERS = (
        Parameter("shared_dir", required=True, unique=True, check=mounts.check_path,
                  shortdesc="Directory holding the shared data",
                  longdesc="Where the shared copies live, for example /xcatdata: "
                           "/xcatdata/install is bind-mounted onto /install and so on. It is the "
                           "mount point of device when device is set."),
        Parameter("directories", default="", check=check_directories,
                  shortdesc="Directories to share",
                  longdesc="Space-separated absolute paths. Empty: /install /etc/xcat /root/.xcat "
                           "/var/lib/pgsql /tftpboot, with /var/lib/postgresql instead of "
                           "/var/lib/pgsql on Debian and Ubuntu."),
        Parameter("device", default="", check=check_device,
                  shortdesc="Shared filesystem to mount on shared_dir",
                  longdesc="Optional: an NFS export (server:/export), a block device (/dev/..., "
                           "UUID=..., LABEL=...) or another mount source, mounted on shared_dir "
                           "before the binds and unmounted after them. Empty: shared_dir is "
                           "already available (mounted by another resource or permanently)."),
        Parameter("fstype", default="", check=check_fstype,
                  shortdesc="Type of the shared filesystem",
                  longdesc="mount -t value for device, for example nfs4, xfs or ext4. Empty: "
                           "mount detects it."),
        Parameter("options", default="", check=check_word,
                  shortdesc="Mount options of the shared filesystem",
                  longdesc="mount -o value for device, for example vers=4.2,hard,timeo=600."),
        Parameter("kill_holders", type="boolean", default="true",
                  shortdesc="End processes that keep a directory busy at stop",
                  longdesc="When a directory cannot be unmounted because processes use it, send "
                           "them TERM, wait term_wait seconds, then KILL, all within the stop "
                           "timeout. false: stop fails and names the processes."),
        Parameter("term_wait", type="integer", default="5", minimum=0, maximum=600,
                  shortdesc="Seconds between TERM and KILL",
                  longdesc="How long processes holding a directory get to exit after TERM "
                           "before they are sent KILL (bounded by the stop timeout)."),
        Parameter("io_timeout", type="integer", default="10", minimum=1, maximum=600,
                  shortdesc="Seconds the storage gets to answer a depth 10/20 check",
                  longdesc="The depth 10 (read) and depth 20 (write) monitors run their I/O in a "
                           "child process and fail when it does not finish in this time "
                           "(bounded by the monitor timeout)."),
    )
    ACTIONS = (
        Action("start", timeout=60),
        Action("stop", timeout=60),
        Action("monitor", timeout=20, interval=20, depth=0),
        Action("monitor", timeout=40, interval=61, depth=10),
        Action("monitor", timeout=40, interval=121, depth=20),
    )

    def __init__(self, *args):
        ResourceAgent.__init__(self, *args)
        self.shared_dir = self.params.shared_dir
        self.directories = self.params.directories or default_directories(distro.family())

    def source(self, directory):
        return self.shared_dir + directory

    # -- configuration ---------------------------------------------------------

    def validate(self, full=True):
        for directory in self.directories:
            if mounts.is_inside(self.shared_dir, [directory]) \
                    or mounts.is_inside(directory, [self.shared_dir]):
                raise OCFError(ExitStatus.ERR_CONFIGURED, "shared_dir %s and directory %s overlap"
                               % (self.shared_dir, directory))
        if (self.params.fstype or self.params.options) and not self.params.device:
            raise OCFError(ExitStatus.ERR_CONFIGURED, "fstype and options need device")
        if full:
            self.validate_host()

    def validate_host(self):
        """What must hold on this node before anything is mounted (ERR_ARGS: node-local)."""
        import os
        if self.params.device:
            self.refuse_symlink(self.shared_dir, "shared_dir")
            if os.path.exists(self.shared_dir) and not os.path.isdir(self.shared_dir):
                raise OCFError(ExitStatus.ERR_ARGS, "shared_dir %s is not a directory" % self.shared_dir)
            return
        if not os.path.isdir(self.shared_dir):
            raise OCFError(ExitStatus.ERR_ARGS, "shared_dir %s does not exist on this node"
                           % self.shared_dir)
        self.refuse_symlink(self.shared_dir, "shared_dir")
        self.validate_sources()

    def validate_sources(self):
        import os
        missing = [self.source(d) for d in self.directories if not os.path.isdir(self.source(d))]
        if missing:
            raise OCFError(ExitStatus.ERR_ARGS,
                           "%s missing on the shared storage (not mounted? copy a node's "
                           "directories there once with: xcatha shared init --shared-dir %s)"
                           % (" and ".join(missing) + (" is" if len(missing) == 1 else " are"),
                              self.shared_dir))
        for directory in self.directories:
            self.refuse_symlink(self.source(directory), "shared directory")
            self.refuse_symlink(directory, "directory")
            if os.path.lexists(directory) and not os.path.isdir(directory):
                raise OCFError(ExitStatus.ERR_ARGS, "%s exists and is not a directory" % directory)

    @staticmethod
    def refuse_symlink(path, what):
        import os
        real = os.path.realpath(path)
        if real != path:
            raise OCFError(ExitStatus.ERR_ARGS,
                           "%s %s resolves to %s through a symlink (left by a symlink-based "
                           "setup?): use real paths or remove the link" % (what, path, real))

    # -- state -------------------------------------------------------------------

    def shared_fs_mounted(self, table):
        """The mount of device on shared_dir, or None (device configured only)."""
        for mount in mounts.stack_at(table, self.shared_dir):
            if self.is_device(mount):
                return mount
        return None

    def is_device(self, mount):
        device = self.params.device
        if self.params.fstype and self.params.fstype != mount.fstype \
                and not mount.fstype.startswith(self.params.fstype + "."):
            return False
        if mount.source.rstrip("/") == device.rstrip("/"):
            return True
        return mount.device in device_numbers(device)

    def binds(self, table):
        """directory -> (bound, visible): is shared_dir/<dir> bound there, and on top?

        With device set, a mount of the device itself also counts: the binds
        stay when the shared filesystem is unmounted from under them.
        """
        state = {}
        for directory in self.directories:
            expected = mounts.origin(table, self.source(directory))
            stack = mounts.stack_at(table, directory)
            ours = [m for m in stack if (m.device, m.root) == expected
                    or (self.params.device and self.is_device(m))]
            state[directory] = (bool(ours), bool(ours) and stack[-1] is ours[-1])
        return state

    def state(self, table):
        """(status, reason) from the mount table alone: nothing is read from the storage."""
        binds = self.binds(table)
        present = [d for d in self.directories if binds[d][0]]
        missing = [d for d in self.directories if not binds[d][0]]
        if self.params.device:
            shared_fs = "%s on %s" % (self.params.device, self.shared_dir)
            (present if self.shared_fs_mounted(table) else missing).insert(0, shared_fs)
        covered = [d for d in self.directories if binds[d][0] and not binds[d][1]]
        if not present:
            return ExitStatus.NOT_RUNNING, "no shared directory is mounted"
        if covered:
            return ExitStatus.ERR_GENERIC, "another mount covers %s" % " ".join(covered)
        if missing:
            return ExitStatus.ERR_GENERIC, "not mounted: %s" % " ".join(missing)
        return ExitStatus.SUCCESS, "%s bound from %s" % (" ".join(self.directories), self.shared_dir)

    # -- monitor -------------------------------------------------------------------

    def monitor(self):
        try:
            self.validate(full=False)
        except OCFError:
            if self.op.expects_stopped:
                return ExitStatus.NOT_RUNNING
            raise
        status, reason = self.state(mounts.read_mountinfo())
        if status == ExitStatus.ERR_GENERIC and self.is_stray(bootstate.load(self.record_path())):
            return self.stray(reason)
        if status != ExitStatus.SUCCESS:
            raise OCFError(status, reason)
        if self.op.check_level >= 10:
            self.check_storage(write=self.op.check_level >= 20)
        self.log.debug(reason)
        return status

    def check_storage(self, write):
        """Read every directory and, with ``write``, one status file per filesystem."""
        import os
        from xcatha_ocf.runtime import bounded
        targets = self.write_targets() if write else []
        name = "%s.%s" % (STATUS_FILE, os.uname()[1])
        try:
            bounded.call(lambda: exercise(self.directories, targets, name),
                         self.op.budget(self.params.io_timeout))
        except bounded.Hung as error:
            raise OCFError(ExitStatus.ERR_GENERIC, "shared storage %s is hung: %s %s"
                           % (self.shared_dir, "write check" if write else "read check", error))
        except OSError as error:
            raise OCFError(ExitStatus.ERR_GENERIC, "shared storage check failed: %s" % error)

    def write_targets(self):
        """One bound directory per distinct filesystem behind the binds."""
        seen, targets = set(), []
        table = mounts.read_mountinfo()
        for directory in self.directories:
            device = mounts.stack_at(table, directory)[-1].device
            if device not in seen:
                seen.add(device)
                targets.append(directory)
        return targets

    # -- start ---------------------------------------------------------------------

    def start(self):
        self.validate(full=True)
        table = mounts.read_mountinfo()
        status, reason = self.state(table)
        covered = [d for d, (bound, visible) in self.binds(table).items() if bound and not visible]
        if covered and status != ExitStatus.SUCCESS:
            raise OCFError(ExitStatus.ERR_GENERIC, "another mount covers %s" % " ".join(covered))
        self.run.change("record the mounts in %s" % self.record_path(),
                        lambda: bootstate.save(self.record_path(), self.recorded()))
        if status == ExitStatus.SUCCESS:
            self.log.info("%s; nothing to do" % reason)
            return status
        done = []
        try:
            self.mount_all(table, done)
        except (OCFError, CommandError):
            self.undo(done)
            raise
        return ExitStatus.SUCCESS

    def mount_all(self, table, done):
        if self.params.device and not self.shared_fs_mounted(table):
            self.mount_shared_fs()
            done.append(self.shared_dir)
        if self.params.device and not self.run.dry_run:
            self.validate_sources()
        for directory in self.directories:
            if self.binds(mounts.read_mountinfo())[directory][0]:
                continue
            self.prepare_mount_point(directory)
            self.run(["mount", "--bind", "--", self.source(directory), directory], timeout=20,
                     check=True)
            done.append(directory)
            if not self.run.dry_run and not self.binds(mounts.read_mountinfo())[directory][1]:
                raise OCFError(ExitStatus.ERR_GENERIC, "%s is not bound to %s after mount"
                               % (directory, self.source(directory)))

    def mount_shared_fs(self):
        import os
        if not os.path.isdir(self.shared_dir):
            self.run.change("create mount point %s" % self.shared_dir,
                            lambda: os.makedirs(self.shared_dir, 0o755))
        command = ["mount"]
        if self.params.fstype:
            command += ["-t", self.params.fstype]
        if self.params.options:
            command += ["-o", self.params.options]
        self.run(command + ["--", self.params.device, self.shared_dir],
                 timeout=self.op.budget(None), check=True)
        if not self.run.dry_run and not self.shared_fs_mounted(mounts.read_mountinfo()):
            raise OCFError(ExitStatus.ERR_GENERIC, "%s is not mounted on %s after mount"
                           % (self.params.device, self.shared_dir))

    def prepare_mount_point(self, directory):
        import os
        if not os.path.isdir(directory):
            self.run.change("create mount point %s" % directory, lambda: os.makedirs(directory, 0o755))
            return
        self.compare_owners(directory)
        hidden = sorted(os.listdir(directory))
        if hidden:
            shown = " ".join(hidden[:HIDDEN_LISTED]) + (" ..." if len(hidden) > HIDDEN_LISTED else "")
            self.log.info("local content of %s (%d entries: %s) stays on the local disk, hidden "
                          "under the shared directory" % (directory, len(hidden), shown))

    def compare_owners(self, directory):
        """Warn when the local directory and its shared copy have different owners: a user
        such as postgres must have the same UID and GID on every node."""
        import os
        try:
            local, shared = os.stat(directory), os.stat(self.source(directory))
        except OSError:  # a dry run before the shared filesystem is mounted
            return
        if (local.st_uid, local.st_gid) != (shared.st_uid, shared.st_gid):
            self.log.warning("%s is owned by %s here but by %s on the shared storage: the same "
                             "user must have the same UID and GID on every node"
                             % (directory, owner_name(local), owner_name(shared)))

    def undo(self, done):
        """Unmount what this start mounted, newest first; failures are only logged."""
        for point in reversed(done):
            try:
                result = self.run(["umount", point], timeout=max(self.op.remaining(), 1))
            except OCFError as error:  # out of time: the next stop cleans up
                self.log.error("could not undo the mount on %s: %s" % (point, error.reason))
                continue
            if not result.ok:
                self.log.error("could not undo the mount on %s: %s" % (point, result.summary()))

    # -- stop ----------------------------------------------------------------------

    def stop(self):
        """Unmount what start mounted in this boot (as recorded, whatever the parameters
        say now), then what the parameters name."""
        import os
        os.chdir("/")  # our own working directory must not keep a directory busy
        record = bootstate.load(self.record_path()) or {}
        previous = self.as_recorded(record)
        if previous is not None:
            previous.release_all()
        try:
            self.validate(full=False)
        except OCFError as error:
            self.log.warning("%s; nothing can have been mounted with it" % error.reason)
        else:
            self.release_all()
        if record:
            self.run.change("remove %s" % self.record_path(),
                            lambda: bootstate.remove(self.record_path()))
        return ExitStatus.SUCCESS

    def release_all(self):
        for directory in reversed(self.directories):
            self.release(directory, lambda table, d=directory: self.binds(table)[d])
        if self.params.device:
            self.release(self.shared_dir, self.shared_fs_state)
        status, reason = self.state(mounts.read_mountinfo())
        if status != ExitStatus.NOT_RUNNING and not self.run.dry_run:
            raise OCFError(ExitStatus.ERR_GENERIC, "still mounted after stop: %s" % reason)

    def record_path(self):
        """What start mounted in this boot, so that stop unmounts it even after the
        parameters changed (pcs resource update): a bind of the shared storage left
        on this node while another node mounts it too is how data gets corrupted."""
        return bootstate.path("%s.shared" % (self.op.instance or self.NAME))

    def recorded(self):
        return {"shared_dir": self.shared_dir, "directories": " ".join(self.directories),
                "device": self.params.device, "fstype": self.params.fstype}

    def as_recorded(self, record):
        """This agent as it was when it started, if the parameters changed since."""
        if not record.get("shared_dir") or record == self.recorded():
            return None
        import copy
        previous = copy.copy(self)
        previous.params = Params(dict(vars(self.params), device=record.get("device", ""),
                                      fstype=record.get("fstype", "")))
        previous.shared_dir = record["shared_dir"]
        previous.directories = record.get("directories", "").split()
        self.log.info("stopping what start mounted with %s" % " ".join(
            "%s=%s" % item for item in sorted(record.items())))
        return previous

    def shared_fs_state(self, table):
        mount = self.shared_fs_mounted(table)
        return bool(mount), bool(mount) and mounts.stack_at(table, self.shared_dir)[-1] is mount

    def release(self, point, mounted):
        """Unmount ``point`` while ``mounted(table)`` says ours is there; escalate when busy."""
        for attempt in range(1, UMOUNT_ATTEMPTS + 1):
            table = mounts.read_mountinfo()
            bound, visible = mounted(table)
            if not bound:
                return
            if not visible:
                raise OCFError(ExitStatus.ERR_GENERIC, "cannot unmount %s: another mount covers it"
                               % point)
            below = mounts.mounts_below(table, point)
            if below:
                raise OCFError(ExitStatus.ERR_GENERIC, "cannot unmount %s: %s mounted below it"
                               % (point, " ".join(below)))
            if self.run.dry_run:
                return self.plan_release(point)
            command = ["umount", point]
            if attempt == UMOUNT_ATTEMPTS and self.params.fstype.startswith("nfs"):
                command.insert(1, "-f")
            result = self.run(command, timeout=self.op.budget(None))
            if not result.ok:
                if attempt == UMOUNT_ATTEMPTS:
                    raise OCFError(ExitStatus.ERR_GENERIC, "cannot unmount %s: %s"
                                   % (point, result.summary()))
                self.free(point)

    def plan_release(self, point):
        from xcatha_ocf.runtime import busy
        self.run(["umount", point])
        holders = busy.find_holders([point])
        if holders:
            self.run.change("%s %s, which use %s" % (
                "send TERM, then KILL, to" if self.params.kill_holders else "fail: kill_holders=false and",
                busy.describe(holders), point), lambda: None)

    def free(self, point):
        """End the processes that keep ``point`` busy: TERM, wait, KILL."""
        from xcatha_ocf.runtime import busy
        holders = busy.find_holders([point])
        if not holders:
            self.log.warning("umount %s failed and no process holds it; retrying" % point)
            time.sleep(min(1, max(self.op.remaining() - 1, 0)))
            return
        if not self.params.kill_holders:
            raise OCFError(ExitStatus.ERR_GENERIC, "%s is busy (kill_holders=false): used by %s"
                           % (point, busy.describe(holders)))
        callers = [h for h in holders if h.pid in busy.ancestors()]
        if callers:
            raise OCFError(ExitStatus.ERR_GENERIC, "%s is used by the command that runs this stop: "
                           "%s; leave the directory and retry" % (point, busy.describe(callers)))
        import signal  # only stop needs it, and it imports enum
        for signum, name, wait in ((signal.SIGTERM, "TERM", self.params.term_wait),
                                  (signal.SIGKILL, "KILL", KILL_WAIT)):
            self.log.warning("%s is busy: sending %s to %s" % (point, name, busy.describe(holders)))
            busy.signal_holders(holders, signum)
            if self.wait_for_exit(holders, wait):
                return
            holders = busy.find_holders([point])
            if not holders:
                return
        raise OCFError(ExitStatus.ERR_GENERIC, "%s is still busy after KILL: used by %s"
                       % (point, busy.describe(holders)))

    def wait_for_exit(self, holders, seconds):
        """Wait up to ``seconds`` (keeping time for KILL) until every holder is gone."""
        from xcatha_ocf.runtime import busy
        deadline = time.monotonic() + min(seconds, max(self.op.remaining() - KILL_WAIT - 1, 0))
        while any(busy.alive(h.pid) for h in holders):
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.1)
        return True


def device_numbers(device):
    """"major:minor" numbers a mount of ``device`` may show: a block device path, UUID=,
    LABEL=, or the loop devices backed by an image file."""
    import os
    for prefix, directory in (("UUID=", "/dev/disk/by-uuid/"), ("LABEL=", "/dev/disk/by-label/")):
        if device.startswith(prefix):
            device = directory + device[len(prefix):]
    try:
        info = os.stat(device)
    except OSError:
        return set()
    if info.st_rdev:
        return {"%d:%d" % (os.major(info.st_rdev), os.minor(info.st_rdev))}
    return loop_devices_of(os.path.realpath(device)) if os.path.isfile(device) else set()


def loop_devices_of(image, sys_block="/sys/block"):
    import os
    numbers = set()
    for name in os.listdir(sys_block):
        try:
            with open("%s/%s/loop/backing_file" % (sys_block, name)) as handle:
                if handle.read().strip() != image:
                    continue
            with open("%s/%s/dev" % (sys_block, name)) as handle:
                numbers.add(handle.read().strip())
        except (IOError, OSError):
            continue
    return numbers


def owner_name(info):
    import grp
    import pwd
    names = []
    for lookup, number in ((pwd.getpwuid, info.st_uid), (grp.getgrgid, info.st_gid)):
        try:
            names.append("%s(%d)" % (lookup(number)[0], number))
        except KeyError:
            names.append(str(number))
    return ":".join(names)


def exercise(directories, write_targets, name):
    """The storage checks run in the child process: read, then write, read back, remove."""
    import os
    for directory in directories:
        os.listdir(directory)
    for directory in write_targets:
        path = os.path.join(directory, name)
        token = ("%d %f\n" % (os.getpid(), os.times()[4])).encode()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        try:
            os.write(fd, token)
            os.fsync(fd)
        finally:
            os.close(fd)
        with open(path, "rb") as handle:
            if handle.read() != token:
                raise OSError("%s: read back different data" % path)
        os.unlink(path)
    return ""


AGENT = SharedDirectories
