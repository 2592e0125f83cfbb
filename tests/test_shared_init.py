"""``xcatha shared init`` on real directories with owners, modes, an ACL and an xattr."""

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="chown and ACLs need root")
XCATHA = [os.path.join(os.path.dirname(sys.executable), "xcatha")]


def xcatha(*args):
    return subprocess.run(XCATHA + list(args), capture_output=True, text=True)


@pytest.fixture
def node(tmp_path):
    """Two xCAT-like directories on a 'node' and an empty shared storage."""
    install, etc = tmp_path / "node/install", tmp_path / "node/etc/xcat"
    (install / "postscripts").mkdir(parents=True)
    etc.mkdir(parents=True)
    (install / "postscripts/setup").write_text("#!/bin/sh\n")
    (install / "postscripts/setup").chmod(0o750)
    os.chown(install / "postscripts/setup", 1234, 5678)
    os.symlink("postscripts/setup", install / "link")
    (etc / "cert.pem").write_text("secret\n")
    (etc / "cert.pem").chmod(0o600)
    subprocess.run(["setfacl", "-m", "u:4321:rx", str(install / "postscripts")], check=True)
    subprocess.run(["setfattr", "-n", "user.xcat", "-v", "kept", str(etc / "cert.pem")], check=True)
    (tmp_path / "shared").mkdir()
    return tmp_path, [str(install), str(etc)]


def init(tmp_path, directories, *extra):
    return xcatha("shared", "init", "--shared-dir", str(tmp_path / "shared"),
                  "--directories", " ".join(directories), *extra)


def test_copy_keeps_owner_mode_acl_and_xattr(node):
    tmp_path, directories = node
    result = init(tmp_path, directories)
    assert result.returncode == 0, result.stderr
    copy = str(tmp_path / "shared") + directories[0]
    info = os.lstat(copy + "/postscripts/setup")
    assert (info.st_uid, info.st_gid, info.st_mode & 0o777) == (1234, 5678, 0o750)
    assert os.readlink(copy + "/link") == "postscripts/setup"
    acl = subprocess.run(["getfacl", "-p", copy + "/postscripts"], capture_output=True, text=True).stdout
    assert "user:4321:r-x" in acl
    cert = str(tmp_path / "shared") + directories[1] + "/cert.pem"
    assert os.getxattr(cert, "user.xcat") == b"kept"
    assert os.stat(cert).st_mode & 0o777 == 0o600
    assert not [n for n in os.listdir(os.path.dirname(copy)) if n.startswith(".xcatha-init")]


def test_parents_on_the_shared_storage_mirror_the_node(node):
    tmp_path, directories = node
    os.chmod(os.path.dirname(directories[1]), 0o710)
    assert init(tmp_path, directories).returncode == 0
    assert os.stat(str(tmp_path / "shared") + os.path.dirname(directories[1])).st_mode & 0o777 == 0o710


def test_existing_shared_data_is_never_overwritten(node):
    tmp_path, directories = node
    target = str(tmp_path / "shared") + directories[1]
    os.makedirs(target)
    with open(target + "/precious", "w") as handle:
        handle.write("admin data\n")
    result = init(tmp_path, directories)
    assert result.returncode == 2 and "refusing to overwrite" in result.stderr
    assert os.listdir(target) == ["precious"]
    assert not os.path.exists(str(tmp_path / "shared") + directories[0])  # nothing copied at all


def test_dry_run_copies_nothing(node):
    tmp_path, directories = node
    result = init(tmp_path, directories, "--dry-run")
    assert result.returncode == 0 and "would run: cp -a -x" in result.stdout
    assert os.listdir(str(tmp_path / "shared")) == []


def test_busy_directories_are_refused_naming_the_process(node):
    tmp_path, directories = node
    holder = subprocess.Popen(["sleep", "60"], cwd=directories[0])
    try:
        result = init(tmp_path, directories)
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 2 and "sleep[%d]" % holder.pid in result.stderr
    assert os.listdir(str(tmp_path / "shared")) == []


@pytest.mark.parametrize("args, words", [
    (["--shared-dir", "relative"], "not an absolute path"),
    (["--shared-dir", "/nonexistent/xcshared"], "does not exist"),
    (["--shared-dir", "/srv", "--directories", "/srv/a"], "overlap"),
    (["--shared-dir", "/srv", "--directories", "/nonexistent/xcshared"], "not a real directory"),
])
def test_bad_arguments(args, words):
    result = xcatha("shared", "init", *args)
    assert result.returncode == 2 and words in result.stderr


@pytest.mark.parametrize("which, words", [(0, "preserving permissions"),  # the ACL: cp fails
                                            (1, "extended attributes")])    # the xattr: verify fails
def test_storage_that_cannot_keep_acls_and_xattrs_is_refused(node, which, words, mount_namespace):
    """ramfs keeps neither: the copy must not be put in place as if it were complete."""
    tmp_path, directories = node
    shared = str(tmp_path / "shared")
    ns = mount_namespace
    ns.sh("mount -t ramfs xcshared-ramfs %s" % shared)
    result = ns.run(XCATHA + ["shared", "init", "--shared-dir", shared,
                              "--directories", directories[which]], env=dict(os.environ))
    assert result.returncode == 2 and words in result.stderr
    assert ns.run(["test", "-e", shared + directories[which]]).returncode != 0
