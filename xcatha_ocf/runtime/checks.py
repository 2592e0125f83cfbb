"""Parameter checks that several agents share.  Each takes the text of a
parameter and returns the normalized value, or raises ValueError saying what is
wrong in words an admin can act on."""

from xcatha_ocf.runtime import netif

NAME_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-")
MAX_LABEL = 15   # IFNAMSIZ - 1: an interface name, or a label such as eth0:0


def ipv4_address(text):
    """A dotted-quad IPv4 address, returned as given."""
    netif.parse_ipv4(text)
    return text


def interface_name(text):
    """An interface name (empty allowed: detect it)."""
    if text and (len(text) > MAX_LABEL or not set(text) <= NAME_CHARACTERS
                 or text in (".", "..") or text.startswith("-")):
        raise ValueError("an interface name is 1-15 letters, digits, '_', '.' or '-', "
                         "not starting with '-'")
    return text


def label_suffix(text):
    """The part after the colon of an address label (the 0 of eth0:0)."""
    if len(text) > MAX_LABEL - 1 or not set(text) <= NAME_CHARACTERS:
        raise ValueError("a label suffix is 0-14 letters, digits, '_', '.' or '-'")
    return text


def interface_label(text):
    """An interface or an address label (eth0, eth0:0)."""
    device, _, suffix = text.partition(":")
    try:
        interface_name(device)
        label_suffix(suffix)
    except ValueError:
        raise ValueError("an interface label is an interface name, optionally followed by ':' "
                         "and letters, digits, '_', '.' or '-' (eth0:0)")
    if len(text) > MAX_LABEL:
        raise ValueError("an interface label is at most 15 characters")
    return text


def absolute_path(text):
    """An absolute path, or empty (use the default)."""
    if text and not text.startswith("/"):
        raise ValueError("expected an absolute path")
    return text


def not_an_option(text):
    """A value that a command could read as one of its own options is refused."""
    if text.startswith("-"):
        raise ValueError("must not start with '-'")
    return text


def one_of(*choices):
    """A check accepting exactly ``choices``."""
    def check(text):
        if text not in choices:
            raise ValueError("expected one of %s" % ", ".join(choices))
        return text
    return check
