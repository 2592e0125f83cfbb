"""What the operator commands need besides the runner
(``xcatha_ocf.runtime.runner``): a runner for a peer over ssh, tool lookup, a
TCP probe and terminal detection."""

import os
import shlex

from xcatha_ocf.runtime.runner import Runner, LocalExecutor, command_environment, quote


class SshExecutor(object):
    """Runs commands on another node as root over ssh, without prompting."""

    def __init__(self, host, local=None, ssh="ssh"):
        self.host = host
        self.local = local or LocalExecutor()
        self.ssh = ssh

    def describe(self, argv):
        return "ssh %s %s" % (self.host, quote(argv))

    def remote(self, argv):
        return [self.ssh, "-o", "BatchMode=yes", "-o", "ConnectTimeout=5", "-l", "root",
                self.host, "--", " ".join(shlex.quote(arg) for arg in argv)]

    def run(self, argv, timeout, stdin=None, env=None):
        result = self.local.run(self.remote(argv), timeout, stdin)
        result.argv = argv
        return result

    def start(self, argv, env=None):
        return self.local.start(self.remote(argv))


def ssh_runner(host, dry_run=False):
    return Runner(SshExecutor(host), dry_run=dry_run)


def have(binary):
    """True when ``binary`` is on PATH (or the admin's usual sbin directories)."""
    import shutil
    return shutil.which(binary, path=command_environment()["PATH"]) is not None


def tcp_connect(host, port, timeout=3.0):
    """None when a TCP connection to host:port succeeds, else the error text."""
    import socket
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as error:
        return error.strerror or str(error)
    return None


def on_terminal(stream):
    return hasattr(stream, "isatty") and stream.isatty() and os.environ.get("TERM") != "dumb"
