"""Running host commands for the lab through xcatha's one runner: logged, checked, timed."""

import sys
import time

from xcatha_ocf.runtime.runner import Runner

RUNNER = Runner()


class LabError(Exception):
    """A lab step failed; the message says which and why."""


def run(argv, check=True, timeout=300, stdin=None):
    """Run ``argv`` on this host; its runner Result (out, err, rc).  LabError when it
    times out, cannot start, or (with ``check``) fails."""
    result = RUNNER(argv, timeout=timeout, stdin=stdin)
    if result.timed_out:
        raise LabError("timed out after %ss: %s" % (timeout, " ".join(result.argv)))
    if result.rc == 127 and result.err.startswith("cannot run"):
        raise LabError("%s is not installed (./setup.sh deps installs it)" % argv[0])
    if check and not result.ok:
        detail = (result.err.strip() or result.out.strip()).splitlines()[-5:]
        raise LabError("%s failed (%d): %s" % (" ".join(result.argv), result.rc, " / ".join(detail)))
    return result


def ok(argv, timeout=60):
    """True if ``argv`` exits 0."""
    return run(argv, check=False, timeout=timeout).ok


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
