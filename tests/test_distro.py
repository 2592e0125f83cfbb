import pytest

from xcatha_ocf.runtime import distro


@pytest.mark.parametrize("text, expected", [
    ('ID="rhel"\nID_LIKE="fedora"\nVERSION_ID="9.4"\n', "rhel"),
    ('ID=rocky\nID_LIKE="rhel centos fedora"\n', "rhel"),
    ('ID="sles"\nVERSION_ID="15.5"\n', "suse"),
    ('ID="opensuse-leap"\nID_LIKE="suse opensuse"\n', "suse"),
    ("ID=debian\nVERSION_ID=\"12\"\n", "debian"),
    ("ID=ubuntu\nID_LIKE=debian\n", "debian"),
    ("ID=linuxmint\nID_LIKE=\"ubuntu debian\"\n", "debian"),
    ("ID=unknownos\n", "rhel"),
])
def test_family_from_os_release(tmp_path, text, expected):
    path = tmp_path / "os-release"
    path.write_text(text)
    assert distro.family(str(path)) == expected


def test_missing_os_release_falls_back_to_rhel(tmp_path):
    assert distro.family(str(tmp_path / "absent")) == "rhel"
