#!/bin/bash
# Install xCAT into a Debian bookworm root filesystem (the lab node image), from the host side.
#   install.sh ROOTFS DEB_DIR
# DEB_DIR holds the four packages build-debs.sh makes.  ROOTFS must already have xCAT's Debian
# dependencies (image/packages.txt).  What it does:
#  - installs perl-xcat, xcat-client and xcat-server, and unpacks xcat without configuring it:
#    configuring xcat runs `xcatconfig -i`, which makes this node's certificates, SSH keys and
#    database and starts services, so it must run in the booted node (node/setup.sh does
#    `dpkg --configure xcat` once per node), never in a chroot on the build host;
#  - applies patches/*.patch (each says which upstream behaviour it corrects);
#  - writes the Debian configuration xCAT needs (conf/), see the comments there.
# Leaving units disabled at boot is the image's job (image/build.sh).
set -euo pipefail
root=$(readlink -f "${1:?usage: install.sh ROOTFS DEB_DIR}")
debs=${2:?usage: install.sh ROOTFS DEB_DIR}
here=$(dirname "$(readlink -f "$0")")

staging=$root/var/tmp/xcat-debs
rm -rf "$staging"
mkdir -p "$staging"
for package in perl-xcat xcat-client xcat-server xcat; do
    cp "$(ls "$debs/$package"_*.deb | head -1)" "$staging/$package.deb"
done
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
    DEBIAN_FRONTEND=noninteractive "$@"; }
# Maintainer scripts must not start anything on the build host: policy-rc.d answers "no"
# to invoke-rc.d while the packages go in.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
trap 'rm -f "$root/usr/sbin/policy-rc.d"; rm -rf "$staging"' EXIT
in_root dpkg -i /var/tmp/xcat-debs/perl-xcat.deb /var/tmp/xcat-debs/xcat-client.deb \
    /var/tmp/xcat-debs/xcat-server.deb >/dev/null
in_root dpkg --unpack /var/tmp/xcat-debs/xcat.deb >/dev/null

for patch in "$here"/patches/*.patch; do
    patch -p1 -d "$root" --forward --quiet --no-backup-if-mismatch <"$patch"
done

# conserver on Debian: see conf/conserver-server.local and conf/conserver-server-xcat.conf.
install -m 644 "$here/conf/conserver-server.local" "$root/etc/conserver/server.local"
install -d "$root/etc/systemd/system/conserver-server.service.d"
install -m 644 "$here/conf/conserver-server-xcat.conf" \
    "$root/etc/systemd/system/conserver-server.service.d/xcat.conf"
echo "xcat: installed $(in_root dpkg-query -W -f '${Version}' xcat-server) into $root (xcat unpacked, configured at first node set-up)"
