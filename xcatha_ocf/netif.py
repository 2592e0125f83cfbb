"""Reading IPv4 interface state straight from the kernel with ioctls.

The monitor runs every few seconds forever, so it asks the kernel directly
(SIOCGIFCONF, SIOCGIFFLAGS) instead of starting ``ip``: no fork, no exec, and
no dependency on iproute2 being installed for a probe to answer.
"""

import _socket
import array
import fcntl
import struct

SIOCGIFCONF = 0x8912
SIOCGIFFLAGS = 0x8913
IFF_UP = 0x1
IFF_RUNNING = 0x40
IFNAMSIZ = 16
IFREQ_SIZE = 40 if struct.calcsize("P") == 8 else 32
DIGITS = frozenset("0123456789")


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


def format_ipv4(number):
    return ".".join(str((number >> shift) & 255) for shift in (24, 16, 8, 0))


def prefix_mask(prefix):
    return (0xFFFFFFFF << (32 - prefix)) & 0xFFFFFFFF


def _control_socket():
    return _socket.socket(_socket.AF_INET, _socket.SOCK_DGRAM)


def ipv4_addresses():
    """Every IPv4 address on the host as (label, address) pairs, in kernel order.

    The label is what ``ip addr ... label`` set (``eth0:0``), or the device name.
    """
    sock = _control_socket()
    try:
        slots = 64
        while True:
            buffer = array.array("B", bytes(IFREQ_SIZE * slots))
            address, length = buffer.buffer_info()
            request = struct.pack("iL", length, address)
            used = struct.unpack("iL", fcntl.ioctl(sock.fileno(), SIOCGIFCONF, request))[0]
            if used < length:
                break
            slots *= 4
    finally:
        sock.close()
    data = buffer.tobytes()
    entries = []
    for offset in range(0, used, IFREQ_SIZE):
        label = data[offset:offset + IFNAMSIZ].split(b"\0", 1)[0].decode("ascii", "replace")
        ip = _socket.inet_ntoa(data[offset + IFNAMSIZ + 4:offset + IFNAMSIZ + 8])
        entries.append((label, ip))
    return entries


def device_of(label):
    """``eth0`` for ``eth0:0``."""
    return label.split(":", 1)[0]


def link_flags(nic):
    """The interface's flags, or None when no such interface exists."""
    sock = _control_socket()
    try:
        request = struct.pack("%dsH" % IFNAMSIZ, nic.encode(), 0)
        reply = fcntl.ioctl(sock.fileno(), SIOCGIFFLAGS, request)
    except OSError:
        return None
    finally:
        sock.close()
    return struct.unpack("%dsH" % IFNAMSIZ, reply[:IFNAMSIZ + 2])[1]


def link_exists(nic):
    try:
        _socket.if_nametoindex(nic)
    except OSError:
        return False
    return True
