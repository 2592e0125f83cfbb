"""Pure parts of `xcatha lab`: the image cache key."""

from xcathalab import image


def test_image_tag_changes_with_any_build_input(tmp_path):
    (tmp_path / "packages.txt").write_text("systemd\n")
    (tmp_path / "build.sh").write_text("#!/bin/sh\n")
    first = image.input_hash(str(tmp_path))
    assert image.input_hash(str(tmp_path)) == first
    (tmp_path / "packages.txt").write_text("systemd\nchrony\n")
    assert image.input_hash(str(tmp_path)) != first
