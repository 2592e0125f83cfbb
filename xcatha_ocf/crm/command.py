"""``xcatha crm generate|apply``: the Pacemaker configuration of the xCAT group.

    xcatha crm generate [--format pcs|crmsh|xml] [SITE] [flags]
    xcatha crm apply [--dry-run] [SITE] [flags]

SITE is a YAML site description (see crm/site.example.yaml); flags add to it
or override it, so a site can also be described by flags alone.
"""

import sys

from xcatha_ocf.errors import InputError
from xcatha_ocf.crm.config import Configuration
from xcatha_ocf.crm.render import FORMATS, render
from xcatha_ocf.crm.site import build_site

FENCE_TOP_KEYS = ("ip", "username", "password_file")
# flag destination -> (section, key)
SECTION_FLAGS = (
    ("vip", "--vip", "ip", "virtual IP address"),
    ("vip", "--netmask", "netmask", "prefix length or netmask of the virtual IP"),
    ("vip", "--nic", "nic", "interface of the virtual IP, e.g. eth0"),
    ("vip", "--label", "label", "label suffix of the virtual IP (0 gives eth0:0)"),
    ("shared", "--shared-dir", "shared_dir", "mount point of the shared storage"),
    ("shared", "--device", "device", "shared block device or NFS export"),
    ("shared", "--fstype", "fstype", "file system type of the device"),
    ("shared", "--mount-options", "options", "mount options"),
    ("shared", "--directories", "directories", "space-separated directories kept on it"),
    ("services", "--services", "services", "space-separated units, overriding the default set"),
    ("services", "--console", "console", "auto, conserver, goconserver or none"),
)


def add_site_arguments(parser):
    parser.add_argument("site", nargs="?", metavar="SITE", help="YAML site description")
    parser.add_argument("--policy", choices=("manual", "automatic"),
                        help="manual promotion (default) or automatic failover")
    parser.add_argument("--node", action="append", default=[], metavar="NAME=ADDRESS",
                        help="a cluster node and its static address (repeat; replaces the "
                             "file's node list, keeping fencing given there for the same name)")
    parser.add_argument("--fence", action="append", default=[],
                        metavar="NODE=AGENT[,KEY=VALUE...]",
                        help="fence device for NODE, e.g. xcatmn1=fence_ipmilan,ip=10.1.0.2,"
                             "username=admin,password_file=/etc/xcatha/bmc1.pw")
    parser.add_argument("--no-fencing", action="store_true",
                        help="allow a cluster without fencing (manual policy only; unsafe)")
    for _, flag, _, text in SECTION_FLAGS:
        parser.add_argument(flag, help=text)
    parser.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                        help="any other field, e.g. pgsql.auth_method=md5 or "
                             "cluster.migration_threshold=2")


def add_arguments(parser):
    actions = parser.add_subparsers(dest="crm_action", metavar="ACTION")
    actions.required = True
    generate = actions.add_parser("generate", help="print the configuration")
    generate.add_argument("--format", choices=FORMATS, default="pcs",
                          help="pcs script (default), crmsh text or CIB XML")
    add_site_arguments(generate)
    apply = actions.add_parser("apply", help="apply it to the live cluster with pcs")
    apply.add_argument("--dry-run", action="store_true",
                       help="build and verify on a copy of the live CIB, push nothing")
    add_site_arguments(apply)


def load_site_file(path):
    import yaml
    try:
        with open(path) as handle:
            data = yaml.safe_load(handle)
    except OSError as error:
        raise InputError("%s: %s" % (path, error.strerror))
    except yaml.YAMLError as error:
        raise InputError("%s: not valid YAML: %s" % (path, str(error).replace("\n", " ")))
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError("%s: expected a mapping of fields at the top level" % path)
    return data


def split_pair(flag, text, separator="="):
    name, found, value = text.partition(separator)
    if not found or not name:
        raise InputError("%s %r: expected NAME%sVALUE" % (flag, text, separator))
    return name, value


def merge_flags(data, args):
    """The site description from the file with the command-line flags applied."""
    if args.policy:
        data["policy"] = args.policy
    if args.node:
        fences = {n.get("name"): n.get("fence") for n in data.get("nodes") or []
                  if isinstance(n, dict)}
        data["nodes"] = []
        for text in args.node:
            name, address = split_pair("--node", text)
            node = {"name": name, "address": address}
            if fences.get(name) is not None:
                node["fence"] = fences[name]
            data["nodes"].append(node)
    for text in args.fence:
        merge_fence(data, text)
    for section, flag, key, _ in SECTION_FLAGS:
        value = getattr(args, flag[2:].replace("-", "_"))
        if value is not None:
            section_data(data, section)[key] = value
    for text in args.set:
        path, value = split_pair("--set", text)
        section, dot, key = path.partition(".")
        if not dot or not key:
            raise InputError("--set %r: expected SECTION.KEY=VALUE" % text)
        section_data(data, section)[key] = value
    return data


def section_data(data, section):
    """The mapping of ``section`` in the site data, made when absent or empty in YAML."""
    value = data.get(section)
    if value is None:
        value = data[section] = {}
    if not isinstance(value, dict):
        raise InputError("%s: expected a mapping of names to values" % section)
    return value


def merge_fence(data, text):
    node_name, spec = split_pair("--fence", text)
    words = spec.split(",")
    fence = {"agent": words[0], "options": {}}
    for word in words[1:]:
        key, value = split_pair("--fence " + node_name, word)
        if key in FENCE_TOP_KEYS and words[0] == "fence_ipmilan":
            fence[key] = value
        else:
            fence["options"][key] = value
    if words[0] == "none":
        fence = "none"
    for node in data.get("nodes") or []:
        if isinstance(node, dict) and node.get("name") == node_name:
            node["fence"] = fence
            return
    raise InputError("--fence %s: no node named %s (give it with --node or in SITE)"
                     % (text, node_name))


def configuration_from_args(args, warn):
    data = load_site_file(args.site) if args.site else {}
    site = build_site(merge_flags(data, args), no_fencing=args.no_fencing, warn=warn)
    return Configuration(site)


def main_config(argv, warn=None):
    """The Configuration for generate's command line (for tests and other tools)."""
    import argparse
    parser = argparse.ArgumentParser(prog="xcatha crm generate")
    add_site_arguments(parser)
    return configuration_from_args(parser.parse_args(argv), warn)


def warn_stderr(message):
    sys.stderr.write(message + "\n")


def run(args):
    config = configuration_from_args(args, warn_stderr)
    if args.crm_action == "generate":
        sys.stdout.write(render(config, args.format))
        return 0
    from xcatha_ocf.crm.apply import apply_configuration
    from xcatha_ocf.runtime.runner import Runner
    return apply_configuration(config, Runner(dry_run=args.dry_run))
