"""Pure parts of `xcatha lab`: the image cache key and the xCAT source it is built from."""

import hashlib
import os
import shutil

import pytest

from xcathalab import image
from xcathalab.shell import LabError


def lab_copy(tmp_path):
    """The lab's build inputs and its notes, copied under tmp_path."""
    root = tmp_path / "lab"
    for relative in image.input_files() + ["xcat/NOTES.md", "node/setup.sh"]:
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(os.path.join(image.LAB_DIR, relative), root / relative)
    return root


def test_image_tag_changes_with_any_build_input(tmp_path):
    root = lab_copy(tmp_path)
    first = image.input_hash(str(root))
    assert first == image.input_hash()
    for relative in ("xcat/patches/pgsqlsetup-postgresql15.patch", "image/packages.txt"):
        with open(root / relative, "a") as handle:
            handle.write("\n")
        assert image.input_hash(str(root)) != first
        first = image.input_hash(str(root))


def test_what_build_sh_does_not_read_rebuilds_nothing(tmp_path):
    root = lab_copy(tmp_path)
    first = image.input_hash(str(root))
    for relative in ("xcat/NOTES.md", "node/setup.sh"):
        with open(root / relative, "a") as handle:
            handle.write("\n")
    assert image.input_hash(str(root)) == first


def test_without_an_xcat_source_the_lab_says_where_to_get_it(monkeypatch):
    monkeypatch.delenv(image.SOURCE_VARIABLE, raising=False)
    with pytest.raises(LabError) as refused:
        image.xcat_source(None)
    assert str(refused.value) == (
        "the lab runs real xCAT 2.19.0 built from its source: get "
        "xcat-core-2.19.0-7733d16f8.tar.gz (a git archive of the xcat-core repository at "
        "commit 7733d16f8) and pass it with --xcat-source PATH or XCATHA_XCAT_SOURCE=PATH")


def test_an_xcat_source_with_another_checksum_is_refused(tmp_path, monkeypatch):
    tarball = tmp_path / "xcat-core-2.19.0-7733d16f8.tar.gz"
    tarball.write_bytes(b"not xCAT")
    monkeypatch.setenv(image.SOURCE_VARIABLE, str(tarball))
    with pytest.raises(LabError) as refused:
        image.xcat_source(None)
    assert "has SHA-256 %s" % hashlib.sha256(b"not xCAT").hexdigest() in str(refused.value)
