"""The ``xcatha`` command.  Each subcommand lives in its own module, imported
only when used, with ``add_arguments(parser)`` and ``run(args) -> exit code``;
library errors (xcatha_ocf.errors.InputError) become one line and exit code 2.

``xcatha lab`` drives the container lab, which is not part of the installed
product: its driver (cluster-lab/xcathalab) is found next to this package in a
source checkout."""

import argparse
import importlib
import os
import sys

from xcatha_ocf import __version__
from xcatha_ocf.errors import InputError

# name -> (module, one-line help)
COMMANDS = {
    "install-agents": ("xcatha_ocf.install", "install the OCF agents under OCF_ROOT/resource.d/xcat"),
    "docs": ("xcatha_ocf.docs", "generate the agents' Markdown reference and man pages"),
    "crm": ("xcatha_ocf.crm.command", "generate or apply the Pacemaker configuration of the xCAT group"),
    "shared": ("xcatha_ocf.ops.shared", "shared storage for xcat-shared: init copies this node's directories"),
    "node": ("xcatha_ocf.ops.node", "prepare this management node: nothing of xCAT starts at boot"),
    "status": ("xcatha_ocf.ops.status", "show where the xCAT group runs, its resources and recent failures"),
    "failover": ("xcatha_ocf.ops.failover", "move the xCAT group to another node and check xcatd over the VIP"),
    "check": ("xcatha_ocf.ops.check", "preflight checks on both management nodes"),
    "lab": ("xcathalab.command", "the 2-node cluster lab in containers (source checkout only): up, down, status, failover, policy, fault, demo"),
}


LAB_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "cluster-lab")


def command_module(name):
    if name == "lab":
        if not os.path.isdir(os.path.join(LAB_DIR, "xcathalab")):
            raise InputError("the lab runs from a source checkout of xcatha-ocf "
                             "(cluster-lab/ is not next to %s)" % os.path.dirname(LAB_DIR))
        if LAB_DIR not in sys.path:
            sys.path.insert(0, LAB_DIR)
    return importlib.import_module(COMMANDS[name][0])


def build_parser(selected=None):
    parser = argparse.ArgumentParser(prog="xcatha", description="xCAT management node HA tools")
    parser.add_argument("--version", action="version", version="xcatha " + __version__)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, summary) in COMMANDS.items():
        sub = commands.add_parser(name, help=summary, description=summary)
        if name == selected:
            command_module(name).add_arguments(sub)
    return parser


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    selected = next((word for word in argv if word in COMMANDS), None)
    try:
        args = build_parser(selected).parse_args(argv)
        if not args.command:
            build_parser().print_help()
            return 2
        return command_module(args.command).run(args)
    except InputError as error:
        sys.stderr.write("xcatha %s: %s\n" % (selected, error))
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
