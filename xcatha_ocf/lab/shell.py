"""Running host commands for the lab: one place that logs, checks and times them."""

import subprocess
import sys
import time


class LabError(Exception):
    """A lab step failed; the message says which and why."""


def run(argv, check=True, timeout=300, stdin=None, quiet=False):
    """Run ``argv``; return its CompletedProcess (text, stdout and stderr captured)."""
    try:
        result = subprocess.run(argv, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                universal_newlines=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise LabError("timed out after %ss: %s" % (timeout, " ".join(argv)))
    except FileNotFoundError:
        raise LabError("%s is not installed (./setup.sh deps installs it)" % argv[0])
    if check and result.returncode != 0:
        detail = (result.stderr.strip() or result.stdout.strip()).splitlines()[-5:]
        raise LabError("%s failed (%d): %s" % (" ".join(argv), result.returncode, " / ".join(detail)))
    return result


def ok(argv, timeout=60):
    """True if ``argv`` exits 0."""
    return run(argv, check=False, timeout=timeout).returncode == 0


def say(text):
    sys.stdout.write("lab: %s\n" % text)
    sys.stdout.flush()


def wait_for(what, predicate, timeout, interval=1.0):
    """Poll ``predicate`` until true; return the seconds it took or raise LabError."""
    start = time.monotonic()
    while True:
        if predicate():
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            raise LabError("%s: not reached within %ss" % (what, timeout))
        time.sleep(interval)
