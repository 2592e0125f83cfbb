"""``xcatha crm apply``: the pcs flow against the live cluster.

Dump the CIB to a temporary file, run every pcs step on a copy of it
(``pcs -f COPY ...``), check the result with crm_verify, then push it in one
step (``pcs cluster cib-push COPY diff-against=ORIG``).  A failure anywhere
before the push leaves the cluster untouched; in dry-run mode the runner skips
only the push.  The runner is injected so tests can assert the exact commands.
"""

import os
import shutil
import sys
import tempfile

from xcatha_ocf.crm.render import pcs_steps
from xcatha_ocf.runtime.runner import quote

STEP_TIMEOUT = 300


def existing_ids(cib_path, ids):
    from lxml import etree
    root = etree.parse(cib_path).getroot()
    configured = set(root.xpath("/cib/configuration//@id"))
    return [i for i in ids if i in configured]


def only_warnings(output):
    """crm_verify exits 78 on warnings (a node down, ...) and errors alike."""
    return "Errors found" not in output


def configured_ids(config):
    ids = [config.group] + [p.id for p in config.fence_devices + config.members]
    return ids + [location.id for location in config.locations]


def apply_configuration(config, runner, out=None, tempdir=None):
    out = out or sys.stdout
    workdir = tempfile.mkdtemp(prefix="xcatha-crm.", dir=tempdir)
    try:
        return build_and_push(config, runner, workdir, out)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def build_and_push(config, runner, workdir, out):
    orig = os.path.join(workdir, "orig.xml")
    new = os.path.join(workdir, "new.xml")

    def step(argv, tolerate=None, changes=False):
        result = runner(argv, timeout=STEP_TIMEOUT, changes=changes)
        if result.dry_run:
            return True
        out.write("+ %s\n" % quote(argv))
        output = result.out + result.err
        if output.strip():
            out.write(output if output.endswith("\n") else output + "\n")
        return result.ok or (tolerate is not None and tolerate(output))

    def failed(message):
        out.write("xcatha crm apply: %s; nothing was pushed to the cluster\n" % message)
        return 1

    if not step(["pcs", "cluster", "cib", orig]):
        return failed("cannot read the live CIB")
    present = existing_ids(orig, configured_ids(config))
    if present:
        return failed("the cluster already has %s; remove the old configuration first "
                      "(pcs resource delete xcat-group, ...)" % ", ".join(present))
    shutil.copyfile(orig, new)
    for argv in pcs_steps(config):
        if not step(["pcs", "-f", new] + argv):
            return failed("pcs %s failed" % " ".join(argv[:2]))
    if not step(["crm_verify", "--xml-file", new], tolerate=only_warnings):
        return failed("crm_verify rejected the new configuration")
    if not step(["pcs", "cluster", "cib-push", new, "diff-against=" + orig], changes=True):
        return failed("pcs cluster cib-push failed")
    return 0
