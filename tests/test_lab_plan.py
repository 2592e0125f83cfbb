"""Pure parts of `xcatha lab`: the image cache key and the hand-written group."""

from xcatha_ocf.lab import cluster, image


def test_image_tag_changes_with_any_build_input(tmp_path):
    (tmp_path / "packages.txt").write_text("systemd\n")
    (tmp_path / "build.sh").write_text("#!/bin/sh\n")
    first = image.input_hash(str(tmp_path))
    assert image.input_hash(str(tmp_path)) == first
    (tmp_path / "packages.txt").write_text("systemd\nchrony\n")
    assert image.input_hash(str(tmp_path)) != first


def test_hand_written_group_binds_the_directories_until_xcat_shared_exists():
    members = cluster.hand_written_members({"xcat-vip": "vip"})
    assert [m[0] for m in members] == ["xcatlab-bind-install", "xcatlab-bind-etc-xcat", "xcatlab-bind-root-xcat",
                                       "xcatlab-bind-var-lib-postgresql", "xcatlab-bind-tftpboot", "xcat-vip"]
    assert members[3][2] == ["device=/xcatdata/var/lib/postgresql", "directory=/var/lib/postgresql",
                             "fstype=none", "options=bind"]


def test_hand_written_group_orders_all_four_agents_as_the_procedure_does():
    agents = dict.fromkeys(["xcat-shared", "xcat-vip", "xcat-pgsql-conf", "xcat-services"])
    members = cluster.hand_written_members(agents)
    assert [m[0] for m in members] == ["xcat-shared", "xcat-vip", "xcat-pgsql-conf", "xcat-services"]
    assert "node_addresses=xcatmn1=172.30.77.11 xcatmn2=172.30.77.12" in members[2][2]
