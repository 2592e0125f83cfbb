"""``xcatha lab``: the 2-node cluster lab in containers (cluster-lab/)."""

import sys

from xcathalab import cluster, faults, image
from xcathalab.shell import LabError


def add_arguments(parser):
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    up = actions.add_parser("up", help="build the image if needed, start both nodes, form the cluster, start the group")
    down = actions.add_parser("down", help="remove everything the lab created (and the dockerd it started)")
    down.add_argument("--purge", action="store_true", help="also remove the cached node image")
    actions.add_parser("status", help="show the containers and pcs status --full")
    failover = actions.add_parser("failover", help="move the xCAT group to NODE and time it")
    failover.add_argument("node", choices=sorted(cluster.NODES))
    fault = actions.add_parser("fault", help="inject a fault on the active node")
    fault.add_argument("name", choices=sorted(faults.FAULTS))
    policy = actions.add_parser("policy", help="manual promotion (the default) or automatic failover")
    policy.add_argument("policy", choices=("manual", "automatic"))
    demo = actions.add_parser("demo", help="up, status, failover to xcatmn2, status")
    for parser_ in (up, demo):
        parser_.add_argument("--xcat-source", metavar="TARBALL",
                             help="xcat-core 2.19.0 source tarball the node image is built from "
                                  "(default: $%s)" % image.SOURCE_VARIABLE)


def run(args):
    try:
        if args.action == "up":
            cluster.up(args.xcat_source)
        elif args.action == "down":
            cluster.down(purge=args.purge)
        elif args.action == "status":
            cluster.status()
        elif args.action == "failover":
            cluster.failover(args.node)
        elif args.action == "fault":
            faults.inject(args.name)
        elif args.action == "policy":
            cluster.set_policy(args.policy)
        elif args.action == "demo":
            cluster.up(args.xcat_source)
            cluster.status()
            cluster.failover("xcatmn2")
            cluster.status()
    except LabError as error:
        sys.stderr.write("xcatha lab %s: %s\n" % (args.action, error))
        return 1
    return 0
