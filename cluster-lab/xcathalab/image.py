"""The lab node image, built by cluster-lab/image/build.sh and tagged with the content
hash of its inputs: `lab up` rebuilds it only when those inputs change."""

import hashlib
import os

from xcathalab.shell import LabError, ok, run, say

REPOSITORY = "xcatha-lab-node"
LAB_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IMAGE_DIR = os.path.join(LAB_DIR, "image")
DEB_CACHE = "/var/cache/xcatha-lab/debs"


def input_hash(directory=IMAGE_DIR):
    """sha256 over the names and contents of the build inputs (cluster-lab/image/*)."""
    digest = hashlib.sha256()
    for name in sorted(os.listdir(directory)):
        with open(os.path.join(directory, name), "rb") as handle:
            digest.update(name.encode() + b"\0" + handle.read() + b"\0")
    return digest.hexdigest()[:16]


def ensure():
    """Return the image name, building it first if no image has the current inputs."""
    if not os.path.isdir(IMAGE_DIR):
        raise LabError("%s not found: the lab runs from a source checkout" % IMAGE_DIR)
    image = "%s:%s" % (REPOSITORY, input_hash())
    if ok(["docker", "image", "inspect", image]):
        return image
    say("building the node image %s (debootstrap, about 2 minutes)" % image)
    run([os.path.join(IMAGE_DIR, "build.sh"), image, DEB_CACHE], timeout=1800)
    return image


def purge():
    """Remove every node image (all input hashes)."""
    images = run(["docker", "images", "-q", REPOSITORY]).out.split()
    if images:
        say("removing the node image%s" % ("s" if len(set(images)) > 1 else ""))
        run(["docker", "rmi", "-f"] + sorted(set(images)))
