"""``xcatha node prepare``: make a management node what xCAT's HA procedure asks of
both of them: nothing of xCAT starts at boot, the cluster starts it where the
group runs.  Run it once on each node, and again after package upgrades;
xcat-services repeats it on the node it starts on.

It disables at boot the units of every role xcat-services manages (PostgreSQL,
xcatd, DNS, DHCP, console), and on Debian sets each PostgreSQL cluster's
start.conf from auto to manual: postgresql-common's generator enables a cluster
again at every boot from that file, whatever ``systemctl disable`` did.  The
time service is left alone: both nodes keep their clocks in sync.
"""

import os
import sys

from xcatha_ocf.runtime import distro, pgfiles
from xcatha_ocf.runtime import servicestack as stack
from xcatha_ocf.runtime.files import FileChangeError
from xcatha_ocf.runtime.runner import Runner
from xcatha_ocf.runtime.systemd import SystemdUnavailable, Units

DEBIAN_CLUSTERS = "/etc/postgresql"


def add_arguments(parser):
    actions = parser.add_subparsers(dest="node_command", metavar="ACTION")
    actions.required = True
    prepare_parser = actions.add_parser(
        "prepare", help="disable xCAT's services at boot on this node (the cluster starts them)")
    prepare_parser.add_argument("--dry-run", action="store_true",
                                help="print what would be changed, change nothing")


def boot_candidates(family):
    """Every unit of a managed role that might start xCAT at boot on this node."""
    units = stack.candidate_units(family) + ["postgresql"] + cluster_units()
    return [unit for index, unit in enumerate(units) if unit not in units[:index]
            and stack.role_of_unit(unit) != stack.TIME]


def cluster_units():
    """postgresql@VERSION-NAME of each Debian cluster on this node."""
    found = []
    for version in subdirectories(DEBIAN_CLUSTERS):
        found += ["postgresql@%s-%s" % (version, name)
                  for name in subdirectories(os.path.join(DEBIAN_CLUSTERS, version))]
    return found


def subdirectories(parent):
    try:
        names = sorted(os.listdir(parent))
    except OSError:
        return []
    return [name for name in names if os.path.isdir(os.path.join(parent, name))]


def prepare(runner, out, family=None):
    """Disable at boot what would start xCAT; 0, or 1 with the reason on ``out``."""
    family = family or distro.family()
    units = Units(runner)
    names = boot_candidates(family)
    try:
        units.inspect(names)
    except SystemdUnavailable as error:
        out.write("xcatha node prepare: cannot ask systemd: %s\n" % error.reason)
        return 1
    enabled = [name for name in names if units.loaded(name) and units.enabled_at_boot(name)]
    if enabled:
        result = runner(["systemctl", "disable"] + enabled, timeout=stack.UNIT_TIMEOUT)
        if not result.ok:
            out.write("xcatha node prepare: %s\n" % result.summary())
            return 1
    changes = [change for change in map(pgfiles.boot_start_conf, cluster_units()) if change]
    try:
        runner.replace_files(changes, pgfiles.ENCODING, pgfiles.ERRORS)
    except FileChangeError as error:
        out.write("xcatha node prepare: %s\n" % error)
        return 1
    if changes:
        runner(["systemctl", "daemon-reload"], timeout=stack.UNIT_TIMEOUT)
    done = enabled + ["%s (start.conf: manual)" % path for path, _ in changes]
    out.write("%s: %s\n" % ("would disable at boot" if runner.dry_run else "disabled at boot",
                            ", ".join(done)) if done else
              "nothing of xCAT starts at boot on this node\n")
    return 0


def run(args, runner=None, out=None):
    out = out or sys.stdout
    return prepare(runner or Runner(dry_run=args.dry_run, out=out), out)
