"""Reading and editing PostgreSQL's postgresql.conf and pg_hba.conf as text.

Everything here works on strings, so the agent's edits can be proven on any
file: the managed block is the only thing added or removed, the admin's lines
stay byte for byte (CRLF, missing final newline and odd bytes included), and
removing the block gives back exactly the text it was added to.

Lines are split on "\\n" only, as PostgreSQL's own lexer does; a "\\r" before it
belongs to the line and the file's line ending style is reused for our lines.
"""

BEGIN = "# BEGIN xcatha-ocf managed block: do not edit"
END = "# END xcatha-ocf managed block"
BACKUP_SUFFIX = ".xcatha-orig"    # the one-time copy of a file before its first change
DEFAULT_LISTEN = "localhost"
WILDCARDS = ("*", "0.0.0.0")
ASCII_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
DIGITS = frozenset("0123456789")
HEX_DIGITS = DIGITS | frozenset("abcdefABCDEF")
SPACE = " \t\r"  # what PostgreSQL's configuration lexer (guc-file.l) skips
INCLUDES = ("include", "include_if_exists", "include_dir")


class ConfigError(Exception):
    """The file cannot be edited safely; the message says why, for the admin."""


class DamagedBlock(ConfigError):
    """The managed block's markers do not pair up (one missing, or several)."""


def split_lines(text):
    """The lines of ``text``, each with its "\\n" kept; joining them gives ``text``."""
    lines = text.split("\n")
    ends = [line + "\n" for line in lines[:-1]]
    return ends + ([lines[-1]] if lines[-1] else [])


def bare(line):
    return line.rstrip("\n").rstrip("\r")


def newline_of(text):
    """The file's line ending: CRLF when its first line ends that way."""
    first = text.find("\n")
    return "\r\n" if first > 0 and text[first - 1] == "\r" else "\n"


# -- the managed block ---------------------------------------------------------------------


def find_block(text, path="file"):
    """(first, last) line indexes of the managed block, or None when absent;
    DamagedBlock when the markers do not pair up."""
    lines = split_lines(text)
    begins = [i for i, line in enumerate(lines) if bare(line) == BEGIN]
    ends = [i for i, line in enumerate(lines) if bare(line) == END]
    if not begins and not ends:
        return None
    if len(begins) != 1 or len(ends) != 1 or ends[0] < begins[0]:
        raise DamagedBlock("%s has a damaged xcatha-ocf managed block (%d BEGIN and %d END "
                           "markers)" % (path, len(begins), len(ends)))
    return begins[0], ends[0]


def repair(text, kind):
    """``text`` without a damaged block: every marker line goes, and with it the
    lines next to a marker that a block of ``kind`` (CONF or HBA) holds: its
    comment lines and its content lines, in the order the block has them, up to
    the first line that does not fit.  The admin's lines stay.  Returns (text,
    number of lines removed)."""
    lines = [bare(line) for line in split_lines(text)]
    removed = set()
    for index, line in enumerate(lines):
        if line == BEGIN:
            removed.update(kind.lines_after(lines, index))
        elif line == END:
            removed.update(kind.lines_before(lines, index))
    kept = [line for index, line in enumerate(split_lines(text)) if index not in removed]
    return "".join(kept), len(removed)


class BlockKind(object):
    """What a block holds: fixed comment lines, then up to ``most`` content lines."""

    def __init__(self, comments, content_line, most=None):
        self.comments = comments
        self.content_line = content_line
        self.most = most

    def lines_after(self, lines, begin):
        """Indexes of BEGIN and the block's lines that follow it."""
        found, index = [begin], begin + 1
        for comment in self.comments:
            if index < len(lines) and lines[index] == comment:
                found.append(index)
                index += 1
        count = 0
        while index < len(lines) and self.content_line(lines[index]) and count != self.most:
            found.append(index)
            index, count = index + 1, count + 1
        return found

    def lines_before(self, lines, end):
        """Indexes of END and the block's lines that precede it."""
        found, index, count = [end], end - 1, 0
        while index >= 0 and self.content_line(lines[index]) and count != self.most:
            found.append(index)
            index, count = index - 1, count + 1
        for comment in reversed(self.comments):
            if index >= 0 and lines[index] == comment:
                found.append(index)
                index -= 1
        return found


def without_damage(text, kind):
    """``text`` as it is, or repaired when its block is damaged (to read the admin's
    settings from)."""
    try:
        find_block(text)
    except DamagedBlock:
        return repair(text, kind)[0]
    return text


def block_lines(text, path="file"):
    """The lines inside the managed block (markers excluded, line endings
    stripped), or None when the file has no block."""
    span = find_block(text, path)
    if span is None:
        return None
    return [bare(line) for line in split_lines(text)[span[0] + 1:span[1]]]


def remove_block(text, path="file"):
    """``text`` without the managed block: the exact inverse of the inserts below."""
    span = find_block(text, path)
    if span is None:
        return text
    lines = split_lines(text)
    first, last = span
    if not lines[last].endswith("\n") and first > 0:
        # The block was appended to a file without a final newline: it added one,
        # in the block's own style, to the line before it; take that back.
        added = "\r\n" if lines[first].endswith("\r\n") else "\n"
        lines[first - 1] = lines[first - 1][:-len(added)]
    return "".join(lines[:first] + lines[last + 1:])


def render_block(body, newline):
    return "".join(line + newline for line in [BEGIN] + list(body) + [END])


def insert_block(text, body, index=None):
    """``text`` (which has no block) with a block holding ``body`` inserted
    before line ``index``, or appended when ``index`` is None."""
    newline = newline_of(text)
    block = render_block(body, newline)
    if index is not None:
        lines = split_lines(text)
        return "".join(lines[:index]) + block + "".join(lines[index:])
    if text == "" or text.endswith("\n"):
        return text + block
    return text + newline + block[:-len(newline)]


# -- postgresql.conf -----------------------------------------------------------------------


def parse_setting(line):
    """(name, value) of a ``name [=] value [# comment]`` line, name lowercased.

    None for blank and comment lines; ("name", None) when the line names a
    setting but its value cannot be read the way PostgreSQL reads it."""
    rest = bare(line).lstrip(SPACE)
    if not rest or rest[0] == "#" or not is_letter(rest[0]):
        return None
    end = 1
    while end < len(rest) and (is_word_character(rest[end]) or rest[end] in "-.:/"):
        end += 1
    name, rest = rest[:end].lower(), rest[end:].lstrip(SPACE)
    if not is_setting_name(name):
        return name, None  # the lexer reads it as a string, not as a name
    if rest.startswith("="):
        rest = rest[1:].lstrip(SPACE)
    try:
        value, rest = read_value(rest)
    except ValueError:
        return name, None
    rest = rest.lstrip(SPACE)
    if rest and rest[0] != "#":
        return name, None
    return name, value


ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
OCTAL_DIGITS = frozenset("01234567")


def read_value(text):
    """(value, rest) of a quoted or unquoted value at the start of ``text``."""
    if not text.startswith("'"):
        end = 0
        while end < len(text) and text[end] not in SPACE + "#'":
            end += 1
        if not is_unquoted_value(text[:end]):
            raise ValueError("not a value PostgreSQL reads without quotes")
        return text[:end], text[end:]
    chars, i = [], 1
    while i < len(text):
        char = text[i]
        if char == "'" and text[i + 1:i + 2] == "'":
            chars.append("'")
            i += 2
        elif char == "'":
            return "".join(chars).split("\0", 1)[0], text[i + 1:]  # C strings end at NUL
        elif char == "\\" and text[i + 1:i + 2] in OCTAL_DIGITS:
            end = i + 2
            while end < i + 4 and text[end:end + 1] in OCTAL_DIGITS:
                end += 1
            chars.append(byte_character(int(text[i + 1:end], 8) & 0xFF))
            i = end
        elif char == "\\" and i + 1 < len(text):
            chars.append(ESCAPES.get(text[i + 1], text[i + 1]))
            i += 2
        else:
            chars.append(char)
            i += 1
    raise ValueError("unterminated quoted value")


def byte_character(code):
    """An octal escape is one byte: above 0x7F, the character that stands for that byte
    in text read with surrogateescape, as the files are."""
    return chr(code) if code < 0x80 else chr(0xDC00 + code)


def is_letter(char):
    """guc-file.l's LETTER: ASCII letters, underscore and any non-ASCII byte."""
    return char in ASCII_LETTERS or char == "_" or char >= "\x80"


def is_word_character(char):
    return is_letter(char) or char in DIGITS


def is_setting_name(word):
    """An ID or a QUALIFIED_ID (plpgsql.check) of guc-file.l."""
    parts = word.split(".")
    return len(parts) <= 2 and all(
        part and is_letter(part[0]) and all(is_word_character(c) for c in part) for part in parts)


def is_unquoted_value(word):
    """Whether ``word`` is one token PostgreSQL accepts unquoted: an
    UNQUOTED_STRING (localhost, md5, /path), an INTEGER (8, 0x1F, 128MB) or a
    REAL (1.5, .5e3), as defined in guc-file.l."""
    if word and is_letter(word[0]):
        return all(is_word_character(c) or c in "-.:/" for c in word[1:])
    body = word[1:] if word[:1] in ("-", "+") else word
    return is_integer(body) or is_real(body)


def is_integer(body):
    """(DIGIT+ | 0x HEXDIGIT+) followed by unit letters (128MB, 0x1F)."""
    return run_then_letters(body, DIGITS) or (
        body[:2] == "0x" and run_then_letters(body[2:], HEX_DIGITS))


def run_then_letters(text, allowed):
    count = 0
    while count < len(text) and text[count] in allowed:
        count += 1
    return count > 0 and all(c in ASCII_LETTERS for c in text[count:])


def is_real(body):
    mantissa, e, exponent = body.replace("E", "e").partition("e")
    whole, dot, fraction = mantissa.partition(".")
    if not dot or not set(whole + fraction) <= DIGITS:
        return False
    if not e:
        return True
    exponent = exponent[1:] if exponent[:1] in ("-", "+") else exponent
    return bool(exponent) and set(exponent) <= DIGITS


def settings(text):
    """(line number, name, value) for each setting line outside the managed block."""
    span = find_block(text)
    found = []
    for number, line in enumerate(split_lines(text), 1):
        if span and span[0] < number <= span[1] + 1:
            continue
        parsed = parse_setting(line)
        if parsed is not None:
            found.append((number, parsed[0], parsed[1]))
    return found


def last_value(text, name, path="file"):
    """The value of the last ``name`` line outside the block (the one
    PostgreSQL uses), or None when the file does not set it."""
    values = [(number, value) for number, found, value in settings(text) if found == name]
    if not values:
        return None
    number, value = values[-1]
    if value is None:
        raise ConfigError("%s line %d: cannot read the value of %s" % (path, number, name))
    return value


def includes(text):
    """(line number, directive, target) for each include directive outside the block."""
    return [(number, name, value) for number, name, value in settings(text) if name in INCLUDES]


def admin_listen_addresses(text, path="file"):
    """The listen_addresses the admin wrote (outside the block), or None.

    Refuses what has no single clear meaning to merge with: several lines or
    a value that cannot be parsed."""
    lines = [(number, value) for number, name, value in settings(text)
             if name == "listen_addresses"]
    if len(lines) > 1:
        raise ConfigError("%s sets listen_addresses on lines %s: keep one so that it is clear "
                          "which addresses to add ours to"
                          % (path, ", ".join(str(number) for number, _ in lines)))
    if not lines:
        return None
    number, value = lines[0]
    if value is None:
        raise ConfigError("%s line %d: cannot read the value of listen_addresses (quoting?)"
                          % (path, number))
    return value


def split_list(value):
    return [item.strip() for item in value.split(",") if item.strip()]


def merge_listen(value, addresses):
    """The admin's listen_addresses (None: PostgreSQL's default, localhost) with
    ``addresses`` added; a wildcard already covers every address."""
    items = split_list(DEFAULT_LISTEN if value is None else value)
    if any(item in WILDCARDS for item in items):
        return ",".join(items)
    return ",".join(items + [address for address in addresses if address not in items])


def quote(value):
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


WRITTEN_BY = "# Written by the Pacemaker resource ocf:xcat:xcat-pgsql-conf on start, removed on stop."
CONF_COMMENTS = (
    WRITTEN_BY,
    "# It comes last because the last setting wins: it keeps the listen_addresses above",
    "# (or PostgreSQL's default, localhost) and adds the virtual IP and this node's address.",
)
HBA_COMMENTS = (
    WRITTEN_BY,
    "# It comes before the rules below because PostgreSQL uses the first line that matches.",
)
LISTEN_PREFIX = "listen_addresses = '"
HBA_PREFIX = "host    "


def conf_block(listen):
    return list(CONF_COMMENTS) + ["listen_addresses = %s" % quote(listen)]


def is_conf_content(line):
    """A line of the postgresql.conf block as this module writes it."""
    return line.startswith(LISTEN_PREFIX) and line.endswith("'")


def is_hba_content(line):
    """A rule of the pg_hba.conf block as this module writes it (four-space separators)."""
    fields = line.split("    ")
    return line.startswith(HBA_PREFIX) and len(fields) == 5 and all(fields)


CONF = BlockKind(CONF_COMMENTS, is_conf_content, most=1)
HBA = BlockKind(HBA_COMMENTS, is_hba_content)


def with_conf_block(text, listen, path="file"):
    """postgresql.conf ``text`` with the managed block (re)written at its end."""
    return insert_block(remove_block(text, path), conf_block(listen))


# -- pg_hba.conf ---------------------------------------------------------------------------


def hba_block(rules):
    """``rules`` are (database, user, address, method) tuples."""
    return list(HBA_COMMENTS) + ["host    %s    %s    %s    %s" % rule for rule in rules]


def kind(line):
    content = bare(line).strip(SPACE)
    return "blank" if not content else "comment" if content.startswith("#") else "rule"


def before_first_rule(text):
    """Where the block goes in pg_hba.conf: before the first rule and the comment
    lines right above it (which describe it), or None when there is no rule."""
    kinds = [kind(line) for line in split_lines(text)]
    if "rule" not in kinds:
        return None
    index = kinds.index("rule")
    while index > 0 and kinds[index - 1] == "comment":
        index -= 1
    return index


def with_hba_block(text, rules, path="file"):
    """pg_hba.conf ``text`` with the managed block (re)written before the first rule."""
    original = remove_block(text, path)
    return insert_block(original, hba_block(rules), before_first_rule(original))
