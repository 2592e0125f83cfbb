"""Which family of Linux distribution this host is, from /etc/os-release.

The agents use it for the defaults that differ between distributions: the
PostgreSQL data directory, configuration paths and systemd unit names.
"""

OS_RELEASE = "/etc/os-release"
RHEL, SUSE, DEBIAN = "rhel", "suse", "debian"
FAMILY_OF_ID = {
    "rhel": RHEL, "centos": RHEL, "rocky": RHEL, "almalinux": RHEL, "fedora": RHEL, "ol": RHEL,
    "sles": SUSE, "sled": SUSE, "opensuse": SUSE, "opensuse-leap": SUSE, "suse": SUSE,
    "debian": DEBIAN, "ubuntu": DEBIAN,
}


def read_os_release(path=None):
    """The KEY=value pairs of os-release, unquoted; empty if the file is missing."""
    values = {}
    try:
        with open(path or OS_RELEASE) as handle:
            lines = handle.read().splitlines()
    except (IOError, OSError):
        return values
    for line in lines:
        key, sep, value = line.partition("=")
        if sep and not key.startswith("#"):
            values[key.strip()] = value.strip().strip("'\"")
    return values


def family(path=None):
    """rhel, suse or debian (ID first, then ID_LIKE); rhel when nothing matches,
    since most xCAT management nodes run RHEL or a rebuild of it."""
    release = read_os_release(path)
    for word in [release.get("ID", "")] + release.get("ID_LIKE", "").split():
        if word.lower() in FAMILY_OF_ID:
            return FAMILY_OF_ID[word.lower()]
    return RHEL
