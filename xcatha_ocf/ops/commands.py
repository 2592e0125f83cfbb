"""What the operator commands need besides the runner
(``xcatha_ocf.runtime.runner``): a runner for a peer over ssh, tool lookup, xcatd's
handshake and terminal detection."""

import os
import shlex

from xcatha_ocf.runtime import xcat
from xcatha_ocf.runtime.runner import Runner, LocalExecutor, command_environment, quote


class SshExecutor(object):
    """Runs commands on another node as root over ssh, without prompting."""

    def __init__(self, host, local=None, ssh="ssh"):
        self.host = host
        self.local = local or LocalExecutor()
        self.ssh = ssh

    def describe(self, argv):
        return "ssh %s %s" % (self.host, quote(argv))

    def remote(self, argv, env=None):
        """The ssh command line; the runner's ``env`` is set there by env(1)."""
        assignments = ["env"] + ["%s=%s" % item for item in sorted(env.items())] if env else []
        return [self.ssh, "-o", "BatchMode=yes", "-o", "ConnectTimeout=5", "-l", "root",
                self.host, "--", " ".join(shlex.quote(arg) for arg in assignments + argv)]

    def run(self, argv, timeout, stdin=None, env=None):
        result = self.local.run(self.remote(argv, env), timeout, stdin)
        result.argv = argv
        return result

    def start(self, argv, env=None):
        return self.local.start(self.remote(argv, env))


def ssh_runner(host, dry_run=False):
    return Runner(SshExecutor(host), dry_run=dry_run)


def have(binary):
    """True when ``binary`` is on PATH (or the admin's usual sbin directories)."""
    import shutil
    return shutil.which(binary, path=command_environment()["PATH"]) is not None


def xcatd_handshake(host, port, timeout=3.0):
    """None when xcatd on host:port answers a TLS hello, else why not: a TCP
    connection alone would also succeed to a hung xcatd."""
    return xcat.handshake_failure(host, port, timeout)


def on_terminal(stream):
    return hasattr(stream, "isatty") and stream.isatty() and os.environ.get("TERM") != "dumb"
