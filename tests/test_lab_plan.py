"""Pure parts of `xcatha lab`: the image cache key and the xCAT source it is built from."""

import hashlib

import pytest

from xcathalab import image
from xcathalab.shell import LabError


def test_image_tag_changes_with_any_build_input(tmp_path):
    (tmp_path / "image").mkdir()
    (tmp_path / "xcat" / "patches").mkdir(parents=True)
    (tmp_path / "image" / "packages.txt").write_text("systemd\n")
    (tmp_path / "xcat" / "patches" / "fix.patch").write_text("--- a\n")
    inputs = (str(tmp_path / "image"), str(tmp_path / "xcat"))
    first = image.input_hash(inputs)
    assert image.input_hash(inputs) == first
    (tmp_path / "xcat" / "patches" / "fix.patch").write_text("--- b\n")
    assert image.input_hash(inputs) != first


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
