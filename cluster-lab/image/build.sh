#!/bin/bash
# Build the lab node image TAG: a debootstrap'ed Debian bookworm with the packages of
# packages.txt, booting systemd.  Nothing of xcatha is baked in: the agents, the xCAT
# stand-in and the node configuration come from the bind-mounted source tree at `lab up`.
#   build.sh IMAGE:TAG [DEB_CACHE_DIR]
set -euo pipefail
image=$1
cache=${2:-/var/cache/xcatha-lab/debs}
here=$(dirname "$(readlink -f "$0")")
mirror=$(sed -n 's/^URIs: *\(.*debian\/*\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $3 == "bookworm" {print $2; exit}' /etc/apt/sources.list 2>/dev/null)
mirror=${mirror:-http://deb.debian.org/debian}
packages=$(grep -v -e '^#' -e '^[[:space:]]*$' "$here/packages.txt" | paste -sd, -)
root=$(mktemp -d /var/tmp/xcatha-lab-rootfs.XXXXXX)
trap 'rm -rf "$root"' EXIT
mkdir -p "$cache"

echo "lab: debootstrap bookworm from $mirror into $root"
debootstrap --variant=minbase --cache-dir="$cache" --include="$packages" bookworm "$root" "$mirror" \
    >"$root.log" 2>&1 || { tail -30 "$root.log" >&2; exit 1; }
rm -f "$root.log"

# A container has no hardware, consoles or kernel modules to load.
for unit in getty@.service console-getty.service serial-getty@.service getty.target \
    systemd-udevd.service systemd-udevd-control.socket systemd-udevd-kernel.socket \
    systemd-udev-trigger.service systemd-udev-settle.service systemd-modules-load.service \
    systemd-remount-fs.service sys-kernel-config.mount sys-kernel-debug.mount sys-kernel-tracing.mount \
    sys-fs-fuse-connections.mount systemd-firstboot.service systemd-timesyncd.service \
    e2scrub_reap.service apt-daily.timer apt-daily-upgrade.timer; do
    ln -sf /dev/null "$root/etc/systemd/system/$unit"
done
# The services Pacemaker manages never start at boot; the cluster starts them.
chroot "$root" systemctl disable postgresql.service named.service isc-dhcp-server.service \
    chrony.service conserver-server.service corosync.service pacemaker.service pcsd.service >/dev/null 2>&1 || true
: >"$root/etc/machine-id"
rm -f "$root/var/lib/dbus/machine-id" "$root/etc/corosync/corosync.conf"
rm -rf "$root/var/cache/apt/archives/"*.deb "$root/var/lib/apt/lists/"*

echo "lab: importing $image"
tar -C "$root" -c . | docker import - "$image-rootfs" >/dev/null
docker build -q -t "$image" - >/dev/null <<DOCKERFILE
FROM $image-rootfs
STOPSIGNAL SIGRTMIN+3
CMD ["/sbin/init"]
DOCKERFILE
docker rmi "$image-rootfs" >/dev/null
echo "lab: built $image"
