"""Reading IPv4 interface state straight from the kernel.

The monitor runs every few seconds forever, so it asks the kernel directly (a
netlink address dump, as ``ip addr`` does, and SIOCGIFFLAGS) instead of
starting ``ip``: no fork, no exec, and no dependency on iproute2 being
installed for a probe to answer.  Only light built-in modules are imported.
"""

import _socket
import fcntl
import sys

SIOCGIFFLAGS = 0x8913
IFF_UP = 0x1
IFF_RUNNING = 0x40
IFNAMSIZ = 16
DIGITS = frozenset("0123456789")
# rtnetlink: linux/netlink.h, linux/rtnetlink.h, linux/if_addr.h
# Headers in host byte order, read with int.from_bytes (the struct module costs a monitor
# more than the rest of this file): nlmsghdr is length u32, type u16, flags u16,
# sequence u32, port id u32; ifaddrmsg is family, prefix length, flags, scope (u8
# each), index u32; rtattr is length u16, type u16.
NETLINK_ROUTE = 0
NLMSG_HEADER, IFADDRMSG, RTATTR = 16, 8, 4
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
RTM_NEWADDR, RTM_GETADDR = 20, 22
IFA_LOCAL, IFA_LABEL = 2, 3


def parse_ipv4(text):
    """Strict dotted-quad IPv4 to an integer; ValueError when malformed."""
    parts = text.split(".")
    if len(parts) != 4 or not all(p and set(p) <= DIGITS for p in parts):
        raise ValueError("%r is not a dotted-quad IPv4 address" % text)
    if any(len(p) > 1 and p[0] == "0" for p in parts):
        raise ValueError("%r has a leading zero, which tools read differently" % text)
    numbers = [int(p) for p in parts]
    if any(n > 255 for n in numbers):
        raise ValueError("%r has an octet above 255" % text)
    return (numbers[0] << 24) | (numbers[1] << 16) | (numbers[2] << 8) | numbers[3]


def prefix_mask(prefix):
    return (0xFFFFFFFF << (32 - prefix)) & 0xFFFFFFFF


def align(length):
    return (length + 3) & ~3


def number(data, offset, size):
    return int.from_bytes(data[offset:offset + size], sys.byteorder)


def encode(value, size):
    return value.to_bytes(size, sys.byteorder)


def ipv4_addresses():
    """Every IPv4 address on the host as (label, address, prefix length), in kernel order.

    The label is what ``ip addr ... label`` set (``eth0:0``), or the device name.
    """
    sock = _socket.socket(_socket.AF_NETLINK, _socket.SOCK_RAW, NETLINK_ROUTE)
    try:
        sock.bind((0, 0))
        request = bytes([_socket.AF_INET, 0, 0, 0]) + encode(0, 4)
        sock.send(encode(NLMSG_HEADER + len(request), 4) + encode(RTM_GETADDR, 2)
                  + encode(NLM_F_REQUEST | NLM_F_DUMP, 2) + encode(1, 4) + encode(0, 4) + request)
        addresses = []
        while True:
            data = sock.recv(65536)
            for kind, message in messages(data):
                if kind == NLMSG_DONE:
                    return addresses
                if kind == NLMSG_ERROR:
                    raise OSError("netlink address dump failed")
                if kind == RTM_NEWADDR:
                    addresses.append(address_of(message))
    finally:
        sock.close()


def messages(data):
    """(type, payload) of each netlink message in one datagram."""
    offset = 0
    while offset + NLMSG_HEADER <= len(data):
        length, kind = number(data, offset, 4), number(data, offset + 4, 2)
        if length < NLMSG_HEADER:
            break
        yield kind, data[offset + NLMSG_HEADER:offset + length]
        offset += align(length)


def address_of(message):
    """(label, address, prefix length) from an RTM_NEWADDR payload."""
    prefix = message[1]
    label = address = None
    offset = IFADDRMSG
    while offset + RTATTR <= len(message):
        length, kind = number(message, offset, 2), number(message, offset + 2, 2)
        value = message[offset + RTATTR:offset + length]
        if kind == IFA_LOCAL:
            address = _socket.inet_ntoa(value)
        elif kind == IFA_LABEL:
            label = value.split(b"\0", 1)[0].decode("ascii", "replace")
        offset += align(max(length, RTATTR))
    return label, address, prefix


def device_of(label):
    """``eth0`` for ``eth0:0``."""
    return label.split(":", 1)[0]


def link_flags(nic):
    """The interface's flags, or None when no such interface exists."""
    sock = _socket.socket(_socket.AF_INET, _socket.SOCK_DGRAM)
    try:   # struct ifreq: the name, then the flags (short) in the union
        request = nic.encode()[:IFNAMSIZ].ljust(IFNAMSIZ, b"\0") + bytes(24)
        reply = fcntl.ioctl(sock.fileno(), SIOCGIFFLAGS, request)
    except OSError:
        return None
    finally:
        sock.close()
    return number(reply, IFNAMSIZ, 2)


def link_exists(nic):
    try:
        _socket.if_nametoindex(nic)
    except OSError:
        return False
    return True
