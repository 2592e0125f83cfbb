"""End-to-end tests in the 2-node cluster lab (cluster-lab/, `xcatha lab`) with real
xCAT 2.19: every test here is marked ``lab`` (``pytest -m lab``).

The lab is brought up once for the session and removed at the end unless
XCATHA_LAB_KEEP=1: with a cached image about 10 minutes (xCAT's first
configuration on both nodes, then pgsqlsetup's switch to PostgreSQL), plus about
5 minutes to build the image the first time.  Tests print their timings through
the ``lab`` fixture; their helpers are in tests/support/labnodes.py.
"""

import os
import shutil
import time

import pytest

from xcathalab import cluster

SKIPS = [
    pytest.mark.skipif(os.geteuid() != 0, reason="the lab needs root"),
    pytest.mark.skipif(not (shutil.which("dockerd") and shutil.which("debootstrap")),
                       reason="docker.io and debootstrap are needed (./setup.sh deps)"),
]
HERE = os.path.dirname(os.path.abspath(__file__))


def pytest_collection_modifyitems(items):
    for item in items:
        if str(item.fspath).startswith(HERE + os.sep):
            item.add_marker(pytest.mark.lab)
            for skip in SKIPS:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def lab(request):
    """The lab, up; the value prints a timing line in the test report."""
    plugins = request.config.pluginmanager
    reporter, capture = plugins.get_plugin("terminalreporter"), plugins.get_plugin("capturemanager")

    def say(text):
        with capture.global_and_fixture_disabled():
            reporter.write_line("lab timing: " + text)

    started = time.monotonic()
    cluster.up()
    say("lab up (image, nodes, cluster, group) in %.1f s" % (time.monotonic() - started))
    yield say
    if os.environ.get("XCATHA_LAB_KEEP") != "1":
        cluster.down()


@pytest.fixture(autouse=True)
def settled(lab):
    """Each test starts where the lab starts: both nodes online, the group on xcatmn1,
    no actions pending; a test that failed half-way does not fail the ones after it."""
    cluster.settle()
    if not (cluster.both_online() and cluster.active_node() == "xcatmn1"):
        cluster.up()
        cluster.start_group("xcatmn1", timeout=300)
        cluster.pcs("resource", "cleanup")          # the failed test's failures are not the next one's
        cluster.settle()
