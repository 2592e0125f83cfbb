#!/bin/bash
# Build (or find cached) xCAT's four Debian packages from the xcat-core source tarball.
#   build-debs.sh XCAT_TARBALL [CACHE_ROOT] [DEBOOTSTRAP_CACHE]
#     CACHE_ROOT         default /var/cache/xcatha-lab/xcat-debs
#     DEBOOTSTRAP_CACHE  default /var/cache/xcatha-lab/debs (debootstrap's package cache)
# Prints the directory holding perl-xcat, xcat-client, xcat-server and xcat .debs on stdout
# (progress goes to stderr).
#
# The tarball must match the checksum committed in xcat-core.sha256 (it is not ours and is
# never committed).  The packages are cached in CACHE_ROOT/<tarball sha256>-<recipe hash>,
# the recipe being this script and package.sh, so rebuilding the node image does not rebuild
# them.  On a cache miss they are built in a throw-away debootstrap'ed Debian bookworm build
# root (the host needs only debootstrap) in about 2 minutes.
set -euo pipefail
tarball=$(readlink -f "${1:?usage: build-debs.sh XCAT_TARBALL [CACHE_ROOT] [DEBOOTSTRAP_CACHE]}")
cache_root=${2:-/var/cache/xcatha-lab/xcat-debs}
bootstrap_cache=${3:-/var/cache/xcatha-lab/debs}
here=$(dirname "$(readlink -f "$0")")
say() { echo "xcat-debs: $*" >&2; }

expected=$(awk 'NF {print $1; exit}' "$here/xcat-core.sha256")
actual=$(sha256sum "$tarball" | cut -d' ' -f1)
if [ "$actual" != "$expected" ]; then
    say "$tarball has SHA-256 $actual, but $here/xcat-core.sha256 expects $expected"
    exit 1
fi
recipe=$(cat "$here/build-debs.sh" "$here/package.sh" | sha256sum | cut -c1-8)
target=$cache_root/${actual:0:16}-$recipe
if [ -e "$target/.complete" ]; then
    say "cached in $target"
    echo "$target"
    exit 0
fi

mirror=$(sed -n 's/^URIs: *\(.*debian\/*\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $3 == "bookworm" {print $2; exit}' /etc/apt/sources.list 2>/dev/null)
mirror=${mirror:-http://deb.debian.org/debian}
root=$(mktemp -d /var/tmp/xcatha-lab-xcatbuild.XXXXXX)
trap 'rm -rf "$root" "$target.partial"' EXIT
mkdir -p "$bootstrap_cache" "$cache_root"

# The build tools (quilt: xCAT-server's debian/rules calls dh_quilt_patch), and what
# perl-xCAT's db2man loads at build time: xCAT::Table needs DBI and JSON (upstream's
# Build-Depends name DBI and SOAP::Lite but neither JSON nor quilt).  perl-openssl-defaults
# provides the virtual perl-openssl-abi-3 that debootstrap cannot resolve by itself.
say "debootstrap of a build root from $mirror (about 70 s)"
debootstrap --variant=minbase --cache-dir="$bootstrap_cache" \
    --include=debhelper,dpkg-dev,fakeroot,quilt,libdbi-perl,libjson-perl,libsoap-lite-perl,perl-openssl-defaults \
    bookworm "$root" "$mirror" >"$root.log" 2>&1 || { tail -30 "$root.log" >&2; rm -f "$root.log"; exit 1; }
rm -f "$root.log"

# git archive records the full commit in the tarball's pax header; its name has the short one.
commit=$(python3 -c 'import sys, tarfile; print(tarfile.open(sys.argv[1]).pax_headers.get("comment", ""))' "$tarball")
[ -n "$commit" ] || commit=$(basename "$tarball" .tar.gz | sed 's/.*-//')
mkdir -p "$root/build"
tar -C "$root/build" -xzf "$tarball"
source_dir=$(cd "$root/build" && ls -d */ | head -1)
install -m 755 "$here/package.sh" "$root/build/package.sh"
say "building the packages of $(basename "$tarball") (commit $commit, about 40 s)"
chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
    /build/package.sh "/build/${source_dir%/}" "$commit" /build/out >&2

rm -rf "$target.partial"
mkdir -p "$target.partial"
cp "$root/build/out/"*.deb "$target.partial/"
touch "$target.partial/.complete"
rm -rf "$target"
mv "$target.partial" "$target"
say "built into $target"
echo "$target"
