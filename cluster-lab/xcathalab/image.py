"""The lab node image, built by cluster-lab/image/build.sh with real xCAT from its
source tarball, and tagged with the content hash of its inputs (the image and xCAT
recipes; the tarball is pinned by cluster-lab/xcat/xcat-core.sha256): `lab up`
rebuilds it only when those inputs change."""

import hashlib
import os

from xcathalab.shell import LabError, ok, run, say

REPOSITORY = "xcatha-lab-node"
LAB_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IMAGE_DIR = os.path.join(LAB_DIR, "image")
XCAT_DIR = os.path.join(LAB_DIR, "xcat")
# What build.sh reads: notes and the scripts setup.sh runs at `lab up` stay out, so
# changing them rebuilds nothing.
INPUTS = ("image/build.sh", "image/packages.txt", "xcat/build-debs.sh", "xcat/package.sh",
          "xcat/xcat-core.sha256", "xcat/install.sh", "xcat/patches", "xcat/conf")
DEB_CACHE = "/var/cache/xcatha-lab/debs"
SOURCE_VARIABLE = "XCATHA_XCAT_SOURCE"
CHECKSUM_FILE = os.path.join(XCAT_DIR, "xcat-core.sha256")


def input_files(root=LAB_DIR):
    """The build inputs' files, relative to ``root``, directories expanded."""
    files = []
    for relative in INPUTS:
        top = os.path.join(root, relative)
        if os.path.isfile(top):
            files.append(relative)
        for directory, subdirectories, names in os.walk(top):
            files += [os.path.relpath(os.path.join(directory, name), root) for name in names]
    return sorted(files)


def input_hash(root=LAB_DIR):
    """sha256 over the names and contents of the build inputs' files."""
    digest = hashlib.sha256()
    for relative in input_files(root):
        with open(os.path.join(root, relative), "rb") as handle:
            digest.update(relative.encode() + b"\0" + handle.read() + b"\0")
    return digest.hexdigest()[:16]


def expected_source():
    """(file name, SHA-256) of the xCAT source the lab is built from."""
    with open(CHECKSUM_FILE) as handle:
        checksum, name = handle.read().split()[:2]
    return name, checksum


def xcat_source(path):
    """The checked path of the xCAT source tarball: ``path``, else $XCATHA_XCAT_SOURCE;
    LabError in one line saying where to get it when there is none or it differs."""
    name, checksum = expected_source()
    path = path or os.environ.get(SOURCE_VARIABLE)
    if not path:
        raise LabError("the lab runs real xCAT 2.19.0 built from its source: get %s (a git "
                       "archive of the xcat-core repository at commit 7733d16f8) and pass it "
                       "with --xcat-source PATH or %s=PATH" % (name, SOURCE_VARIABLE))
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError as error:
        raise LabError("xCAT source %s: %s" % (path, error.strerror))
    if digest.hexdigest() != checksum:
        raise LabError("xCAT source %s has SHA-256 %s; the lab is built from %s with %s"
                       % (path, digest.hexdigest(), name, checksum))
    return os.path.abspath(path)


def ensure(source):
    """Return the image name, building it first if no image has the current inputs;
    ``source`` is the xCAT tarball (checked only when a build is needed)."""
    if not os.path.isdir(IMAGE_DIR):
        raise LabError("%s not found: the lab runs from a source checkout" % IMAGE_DIR)
    image = "%s:%s" % (REPOSITORY, input_hash())
    if ok(["docker", "image", "inspect", image]):
        return image
    tarball = xcat_source(source)
    say("building the node image %s with xCAT from %s (debootstrap and the xCAT packages: "
        "a few minutes)" % (image, tarball))
    run([os.path.join(IMAGE_DIR, "build.sh"), image, DEB_CACHE, tarball], timeout=3600)
    return image


def purge():
    """Remove every node image (all input hashes)."""
    images = run(["docker", "images", "-q", REPOSITORY]).out.split()
    if images:
        say("removing the node image%s" % ("s" if len(set(images)) > 1 else ""))
        run(["docker", "rmi", "-f"] + sorted(set(images)))
