"""Generated PostgreSQL configuration files for the property tests of
test_pgsql_conf_text.py and test_pgsql_conf_agent.py (the ``pgsql_text`` fixture)."""

from hypothesis import strategies as st

from xcatha_ocf.runtime import pgconf

CONF_LINES = st.sampled_from([
    "listen_addresses = 'localhost'", "#listen_addresses = 'localhost'\t\t# comment",
    "port = 5432", "shared_buffers = 128MB", "password_encryption = md5",
    "log_line_prefix = '%m [%p] ''quoted'' '", "", "   ", "# just a comment", "\t",
    "include_if_exists = 'missing.conf'", "data_directory = '/var/lib/pgsql/data'",
    "listen_addresses='10.0.0.1,localhost'  # ours", "caf\u00e9 = '\udce9'",
])
HBA_LINES = st.sampled_from([
    "# TYPE  DATABASE        USER            ADDRESS                 METHOD", "",
    "local   all             postgres                                peer",
    "host    all             all             127.0.0.1/32            scram-sha-256",
    "host    all             all             0.0.0.0/0               reject",
    "hostssl xcatdb          xcatadm         10.0.0.0/8              md5",
    "   # indented comment", "\t",
])
FREE_LINES = st.text(st.characters(blacklist_characters="\n", blacklist_categories=("Cs",)),
                     max_size=30)


def files(line_strategy):
    """Whole files: generated lines joined with LF, CRLF or a mix, with or
    without a final newline; never a line that is one of our markers."""
    lines = st.lists(st.one_of(line_strategy, FREE_LINES), max_size=12).filter(
        lambda lines: not any(line.rstrip("\r") in (pgconf.BEGIN, pgconf.END) for line in lines))
    endings = st.lists(st.sampled_from(["\n", "\r\n"]), min_size=12, max_size=12)
    return st.builds(join_lines, lines, endings, st.booleans())


def join_lines(lines, endings, final_newline):
    text = "".join(line + ending for line, ending in zip(lines, endings))
    if lines and not final_newline:
        text = text[:-len(endings[len(lines) - 1])]
    return text


def assert_only_the_block_was_added(original, new):
    """``new`` is ``original`` with one contiguous block of lines added (and, for a
    file without a final newline, that newline)."""
    first, last = pgconf.find_block(new)
    lines = pgconf.split_lines(new)
    before, after = "".join(lines[:first]), "".join(lines[last + 1:])
    if before + after != original:
        assert after == "" and original and not original.endswith("\n")
        assert before in (original + "\n", original + "\r\n")
