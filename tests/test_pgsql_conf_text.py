"""xcatha_ocf.runtime.pgconf: parsing postgresql.conf lines and the managed block edits,
with property-based tests on generated configuration files."""

import os
import subprocess

import pytest
from hypothesis import given, settings, strategies as st

from xcatha_ocf.runtime import pgconf

ADDRESSES = ["192.0.2.100", "192.0.2.10"]
RULES = [("all", "all", "192.0.2.100/32", "scram-sha-256"),
         ("all", "all", "192.0.2.10/32", "scram-sha-256")]


@pytest.mark.parametrize("line, expected", [
    ("listen_addresses = 'localhost'\n", ("listen_addresses", "localhost")),
    ("listen_addresses='*'", ("listen_addresses", "*")),
    ("LISTEN_ADDRESSES = '10.0.0.1, 10.0.0.2'   # trailing comment\n",
     ("listen_addresses", "10.0.0.1, 10.0.0.2")),
    ("listen_addresses localhost\n", ("listen_addresses", "localhost")),
    ("\tlisten_addresses = localhost#comment\r\n", ("listen_addresses", "localhost")),
    ("listen_addresses = 'it''s'\n", ("listen_addresses", "it's")),
    ("listen_addresses = 'a\\'b'\n", ("listen_addresses", "a'b")),
    ("listen_addresses = 'a # not a comment'\n", ("listen_addresses", "a # not a comment")),
    ("listen_addresses = ''\n", ("listen_addresses", "")),
    ("listen_addresses = '\\101\\700'\n", ("listen_addresses", "A\udcc0")),  # octal: bytes
    ("include_dir = 'conf.d'\n", ("include_dir", "conf.d")),
    ("listen_addresses = 'unterminated\n", ("listen_addresses", None)),
    ("listen_addresses = 'a' 'b'\n", ("listen_addresses", None)),
    ("listen_addresses =\n", ("listen_addresses", None)),
    ("#listen_addresses = 'localhost'\n", None),
    ("   \r\n", None),
    ("", None),
])
def test_parse_setting_reads_lines_as_postgresql_does(line, expected):
    assert pgconf.parse_setting(line) == expected


@pytest.mark.parametrize("admin, expected", [
    (None, "localhost,192.0.2.100,192.0.2.10"),
    ("localhost", "localhost,192.0.2.100,192.0.2.10"),
    ("192.0.2.10, localhost", "192.0.2.10,localhost,192.0.2.100"),
    ("", "192.0.2.100,192.0.2.10"),
    ("*", "*"),
    ("localhost,0.0.0.0", "localhost,0.0.0.0"),
    ("localhost,::1,db.example", "localhost,::1,db.example,192.0.2.100,192.0.2.10"),
])
def test_merge_listen_keeps_the_admins_addresses(admin, expected):
    assert pgconf.merge_listen(admin, ADDRESSES) == expected


def test_conf_block_goes_last_and_admins_line_stays():
    text = "# comment\nlisten_addresses = 'localhost'  # mine\nport = 5432\n"
    merged = pgconf.merge_listen(pgconf.admin_listen_addresses(text), ADDRESSES)
    new = pgconf.with_conf_block(text, merged)
    assert new.startswith(text)
    assert new.endswith("listen_addresses = 'localhost,192.0.2.100,192.0.2.10'\n"
                        + pgconf.END + "\n")
    assert pgconf.admin_listen_addresses(new) == "localhost"


def test_hba_block_goes_before_the_first_rule_and_its_comment():
    text = ("# header\n\n# TYPE DATABASE USER ADDRESS METHOD\nlocal all all peer\n"
            "host all all 0.0.0.0/0 reject\n")
    lines = pgconf.with_hba_block(text, RULES).split("\n")
    assert lines[:3] == ["# header", "", pgconf.BEGIN]
    assert lines[5:10] == ["host    all    all    192.0.2.100/32    scram-sha-256",
                           "host    all    all    192.0.2.10/32    scram-sha-256",
                           pgconf.END, "# TYPE DATABASE USER ADDRESS METHOD",
                           "local all all peer"]


def test_hba_without_rules_gets_the_block_at_the_end():
    text = "# nothing yet\n\n"
    assert pgconf.with_hba_block(text, RULES).startswith(text + pgconf.BEGIN)


def test_crlf_files_get_crlf_blocks():
    text = "# header\r\nlocal all all peer\r\n"
    new = pgconf.with_hba_block(text, RULES)
    assert "\n" not in new.replace("\r\n", "")
    assert pgconf.remove_block(new) == text


def test_file_without_final_newline_is_restored_exactly():
    text = "port = 5432"
    new = pgconf.with_conf_block(text, "localhost")
    assert new.startswith("port = 5432\n" + pgconf.BEGIN)
    assert pgconf.remove_block(new) == text


def test_several_listen_addresses_lines_are_refused():
    text = "listen_addresses = 'localhost'\nport = 1\nlisten_addresses = '*'\n"
    with pytest.raises(pgconf.ConfigError, match="lines 1, 3"):
        pgconf.admin_listen_addresses(text, "postgresql.conf")


def test_unreadable_listen_addresses_is_refused():
    with pytest.raises(pgconf.ConfigError, match="line 2: cannot read"):
        pgconf.admin_listen_addresses("port = 1\nlisten_addresses = 'oops\n")


@pytest.mark.parametrize("text", [
    pgconf.BEGIN + "\nlisten_addresses = '*'\n",
    "x\n" + pgconf.END + "\n",
    pgconf.END + "\n" + pgconf.BEGIN + "\n",
    (pgconf.BEGIN + "\n" + pgconf.END + "\n") * 2,
])
def test_damaged_blocks_are_refused(text):
    with pytest.raises(pgconf.ConfigError, match="damaged"):
        pgconf.with_conf_block(text, "localhost")
    with pytest.raises(pgconf.ConfigError, match="damaged"):
        pgconf.remove_block(text)


def test_settings_inside_the_block_are_not_the_admins():
    text = pgconf.with_conf_block("listen_addresses = 'a'\n", "a,b")
    assert pgconf.admin_listen_addresses(text) == "a"
    assert pgconf.last_value(text, "listen_addresses") == "a"


# -- properties on generated files ---------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(data=st.data(), listen=st.sampled_from(["localhost,192.0.2.100", "*", "a,b,c"]))
def test_conf_edit_properties(pgsql_text, data, listen):
    original = data.draw(pgsql_text.conf_files)
    once = pgconf.with_conf_block(original, listen, "postgresql.conf")
    pgsql_text.assert_only_the_block_was_added(original, once)
    assert pgconf.with_conf_block(once, listen) == once
    assert pgconf.remove_block(once) == original
    assert pgconf.block_lines(once)[-1] == "listen_addresses = %s" % pgconf.quote(listen)
    assert pgconf.parse_setting(pgconf.block_lines(once)[-1]) == ("listen_addresses", listen)
    assert pgconf.split_lines(once)[-1].rstrip("\r\n") == pgconf.END
    assert pgconf.settings(once) == pgconf.settings(original)


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_hba_edit_properties(pgsql_text, data):
    original = data.draw(pgsql_text.hba_files)
    once = pgconf.with_hba_block(original, RULES, "pg_hba.conf")
    pgsql_text.assert_only_the_block_was_added(original, once)
    assert pgconf.with_hba_block(once, RULES) == once
    assert pgconf.remove_block(once) == original
    first, last = pgconf.find_block(once)
    lines = pgconf.split_lines(once)
    assert "rule" not in [pgconf.kind(line) for line in lines[:first]], \
        "an admin rule comes before the block"
    assert pgconf.block_lines(once)[-2:] == ["host    %s    %s    %s    %s" % rule for rule in RULES]


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_changing_the_rules_replaces_the_block_in_place(pgsql_text, data):
    original = data.draw(pgsql_text.hba_files)
    first = pgconf.with_hba_block(original, RULES)
    other = pgconf.with_hba_block(first, RULES[:1])
    assert other == pgconf.with_hba_block(original, RULES[:1])
    assert pgconf.remove_block(other) == original


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(blacklist_characters="\n\r\0", blacklist_categories=("Cs",)),
               max_size=20))
def test_quoted_values_read_back(value):
    assert pgconf.parse_setting("listen_addresses = %s\n" % pgconf.quote(value)) == \
        ("listen_addresses", value)


# -- the parser against PostgreSQL's own: postgres -C listen_addresses ---------------------

POSTGRES = "/usr/lib/postgresql/15/bin/postgres"
VALUE_CHARACTERS = "ab ,'\\#*.:/0x17-eE\t"


@pytest.fixture(scope="module")
def scratch():
    import shutil
    import tempfile
    directory = tempfile.mkdtemp(prefix="xcpgsql-guc-")
    os.chmod(directory, 0o755)
    yield directory
    shutil.rmtree(directory)


def postgres_reads(directory, line):
    """What PostgreSQL makes of ``line``: its listen_addresses, or None on a syntax error."""
    path = os.path.join(directory, "postgresql.conf")
    with open(path, "w") as handle:
        handle.write(line + "\n")
    os.chmod(path, 0o644)
    result = subprocess.run(["runuser", "-u", "postgres", "--", POSTGRES, "--config-file=" + path,
                             "-D", directory, "-C", "listen_addresses"],
                            capture_output=True, encoding="utf-8", errors="surrogateescape")
    return result.stdout[:-1] if result.returncode == 0 else None


LINES = st.builds(
    lambda space, name, equals, value, tail: space + name + equals + value + tail,
    st.sampled_from(["", " ", "\t "]),
    st.sampled_from(["listen_addresses", "LISTEN_addresses", "listen_addresses2"]),
    st.sampled_from(["", " ", "=", " = ", "\t=", "=="]),
    st.one_of(st.text(VALUE_CHARACTERS, max_size=12),
              st.text(VALUE_CHARACTERS, max_size=12).map(lambda v: "'" + v + "'"),
              st.sampled_from(["localhost", "'*'", "1.5e3", "0x1Fab", "128MB", "-1", ".", "/a:b"])),
    st.sampled_from(["", "  # comment", " junk", "\r", "#", " 'x'"]))


@pytest.mark.skipif(not os.path.exists(POSTGRES) or os.geteuid() != 0,
                    reason="needs root and Debian's postgresql-15")
@settings(max_examples=150, deadline=None)
@given(line=LINES)
def test_parser_agrees_with_postgresql(scratch, line):
    theirs = postgres_reads(scratch, line)
    ours = pgconf.parse_setting(line)
    if ours is not None and ours[0] == "listen_addresses":
        assert ours[1] == theirs
    else:
        assert theirs in (None, "localhost")


def damaged(text, which):
    """``text`` with one marker of its block deleted."""
    lines = pgconf.split_lines(text)
    first, last = pgconf.find_block(text)
    del lines[first if which == "BEGIN" else last]
    return "".join(lines)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), which=st.sampled_from(["BEGIN", "END"]))
def test_repair_takes_out_exactly_our_lines_from_a_damaged_block(pgsql_text, data, which):
    """Without its BEGIN or its END marker, the block's lines still go and the
    admin's stay (for a file that ended in a newline, byte for byte)."""
    conf, hba = data.draw(pgsql_text.conf_files), data.draw(pgsql_text.hba_files)
    for original, edited, kind in (
            (conf, pgconf.with_conf_block(conf, "localhost,192.0.2.100"), pgconf.CONF),
            (hba, pgconf.with_hba_block(hba, RULES), pgconf.HBA)):
        spoiled = damaged(edited, which)
        with pytest.raises(pgconf.DamagedBlock):
            pgconf.find_block(spoiled, "pg.conf")
        repaired, removed = pgconf.repair(spoiled, kind)
        assert removed == len(pgconf.block_lines(edited)) + 1
        if original == "" or original.endswith("\n"):
            assert repaired == original
        assert pgconf.find_block(repaired) is None


def test_repair_stops_at_the_first_line_we_did_not_write():
    admin = "host    all    all    10.9.9.9/32    md5\n"   # our format, but not after our lines
    text = pgconf.BEGIN + "\n" + pgconf.HBA_COMMENTS[0] + "\nlocal all all peer\n" + admin
    assert pgconf.repair(text, pgconf.HBA) == ("local all all peer\n" + admin, 2)
