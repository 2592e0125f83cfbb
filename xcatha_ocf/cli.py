"""The ``xcatha`` command.  Each subcommand lives in its own module, imported
only when used, with ``add_arguments(parser)`` and ``run(args) -> exit code``."""

import argparse
import importlib
import sys

from xcatha_ocf import __version__
from xcatha_ocf.errors import InputError

# name -> (module, one-line help)
COMMANDS = {
    "install-agents": ("xcatha_ocf.install", "install the OCF agents under OCF_ROOT/resource.d/xcat"),
    "docs": ("xcatha_ocf.docs", "generate the agents' Markdown reference and man pages"),
    "crm": ("xcatha_ocf.crm.command", "generate or apply the Pacemaker configuration of the xCAT group"),
    "shared": ("xcatha_ocf.shared_cli", "shared storage for xcat-shared: init copies this node's directories"),
    "status": ("xcatha_ocf.ops.status", "show where the xCAT group runs, its resources and recent failures"),
    "failover": ("xcatha_ocf.ops.failover", "move the xCAT group to another node and check xcatd over the VIP"),
    "check": ("xcatha_ocf.ops.check", "preflight checks on both management nodes"),
    "lab": ("xcatha_ocf.lab.command", "the 2-node cluster lab in containers: up, down, status, failover, fault, demo"),
}


def build_parser(selected=None):
    parser = argparse.ArgumentParser(prog="xcatha", description="xCAT management node HA tools")
    parser.add_argument("--version", action="version", version="xcatha " + __version__)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, summary) in COMMANDS.items():
        sub = commands.add_parser(name, help=summary, description=summary)
        if name == selected:
            importlib.import_module(module).add_arguments(sub)
    return parser


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    selected = next((word for word in argv if word in COMMANDS), None)
    args = build_parser(selected).parse_args(argv)
    if not args.command:
        build_parser().print_help()
        return 2
    try:
        return importlib.import_module(COMMANDS[args.command][0]).run(args)
    except InputError as error:
        sys.stderr.write("xcatha %s: %s\n" % (args.command, error))
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
