#!/bin/bash
# Build the lab node image TAG: a debootstrap'ed Debian bookworm with the packages of
# packages.txt and real xCAT built from its source tarball, booting systemd.  Nothing of
# xcatha is baked in: the agents and the node configuration come from the bind-mounted
# source tree at `lab up` (node/setup.sh also configures xCAT once per node).
#   build.sh IMAGE:TAG DEB_CACHE_DIR XCAT_TARBALL
# Inputs: image/build.sh, image/packages.txt, xcat/build-debs.sh, xcat/package.sh,
# xcat/xcat-core.sha256, xcat/install.sh, xcat/patches/*.patch, xcat/conf/* (and the
# tarball, which must match xcat/xcat-core.sha256).  The xCAT packages are cached beside
# DEB_CACHE_DIR, in its parent's xcat-debs/ (see xcat/build-debs.sh).
set -euo pipefail
usage="usage: build.sh IMAGE:TAG DEB_CACHE_DIR XCAT_TARBALL"
image=${1:?$usage}
cache=${2:?$usage}
tarball=${3:?$usage}
here=$(dirname "$(readlink -f "$0")")
xcat=$(dirname "$here")/xcat
[ -r "$tarball" ] || { echo "build.sh: $tarball: no such file ($usage)" >&2; exit 1; }
mirror=$(sed -n 's/^URIs: *\(.*debian\/*\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $3 == "bookworm" {print $2; exit}' /etc/apt/sources.list 2>/dev/null)
mirror=${mirror:-http://deb.debian.org/debian}
packages=$(grep -v -e '^#' -e '^[[:space:]]*$' "$here/packages.txt" | paste -sd, -)
root=$(mktemp -d /var/tmp/xcatha-lab-rootfs.XXXXXX)
trap 'rm -rf "$root"' EXIT
mkdir -p "$cache"
xcat_debs=$("$xcat/build-debs.sh" "$tarball" "$(dirname "$cache")/xcat-debs" "$cache")

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

echo "lab: installing xCAT from $xcat_debs"
"$xcat/install.sh" "$root" "$xcat_debs"

# The services Pacemaker manages never start at boot; the cluster starts them.  Nor do the
# ones xCAT's packages enable that the HA group does not run (apache2 for provisioning, NFS
# and TFTP).  NFS cannot run in a container at all (no nfsd in the shared kernel): masked.
for unit in postgresql.service named.service isc-dhcp-server.service chrony.service \
    conserver-server.service corosync.service pacemaker.service pcsd.service xcatd.service \
    apache2.service tftpd-hpa.service rpcbind.service rpcbind.socket; do
    chroot "$root" systemctl disable "$unit" >/dev/null 2>&1 || true
done
for unit in nfs-server.service nfs-kernel-server.service nfs-mountd.service nfs-idmapd.service \
    rpc-statd.service rpc-statd-notify.service rpc-svcgssd.service rpc-gssd.service nfs-blkmap.service \
    proc-fs-nfsd.mount run-rpc_pipefs.mount nfs-client.target; do
    ln -sf /dev/null "$root/etc/systemd/system/$unit"
done

# Root's ssh key: one key pair for both nodes, made here, fresh for every image build and
# never stored anywhere else.  xCAT's HA documentation asks for the same root keys on the
# primary and the standby (both must reach the compute nodes, whose authorized_keys come
# from /install/postscripts/_ssh), and each node trusts that key in authorized_keys, so the
# two nodes trust each other from their first boot.  xcatconfig -i keeps an existing key.
# The ssh host keys openssh-server made in this root are shared by both nodes too, so the
# VIP keeps one host key whichever node holds it (xCAT's config sets StrictHostKeyChecking no
# for root anyway).
install -d -m 700 "$root/root/.ssh"
rm -f "$root/root/.ssh/id_rsa" "$root/root/.ssh/id_rsa.pub"
chroot "$root" ssh-keygen -q -t rsa -b 3072 -N '' -C root@xcatha-lab -f /root/.ssh/id_rsa
cp "$root/root/.ssh/id_rsa.pub" "$root/root/.ssh/authorized_keys"
chmod 600 "$root/root/.ssh/authorized_keys"
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
