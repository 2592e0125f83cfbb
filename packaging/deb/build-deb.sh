#!/bin/sh
# Build xcatha-ocf_VERSION_all.deb from this source tree with dpkg-deb (no debhelper):
#   packaging/deb/build-deb.sh [OUTPUT_DIR]      (default: dist/)
# Same layout as the RPM: the Python package, the xcatha command, the agents in
# /usr/lib/ocf/resource.d/xcat with their runtime in /usr/lib/ocf/lib/xcat, man pages.
set -eu
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
output_dir=$(mkdir -p "${1:-$source_dir/dist}" && cd "${1:-$source_dir/dist}" && pwd)
python=/usr/bin/python3
version=$(cd "$source_dir" && $python -Sc 'import xcatha_ocf; print(xcatha_ocf.__version__)')
stage=$(mktemp -d "${TMPDIR:-/tmp}/xcatha-deb.XXXXXX")
trap 'rm -rf "$stage"' EXIT
root=$stage/xcatha-ocf

install -d "$root/DEBIAN" "$root/usr/bin" "$root/usr/lib/python3/dist-packages" \
    "$root/usr/share/man/man7" "$root/usr/share/doc/xcatha-ocf"
(cd "$source_dir" && tar --exclude=__pycache__ --exclude='*.py[co]' -cf - xcatha_ocf) |
    tar -xf - -C "$root/usr/lib/python3/dist-packages"
printf '#!%s\nimport sys\nfrom xcatha_ocf.cli import main\nsys.exit(main())\n' "$python" > "$root/usr/bin/xcatha"
chmod 0755 "$root/usr/bin/xcatha"
PYTHONPATH="$root/usr/lib/python3/dist-packages" $python -m xcatha_ocf.cli install-agents \
    --ocf-root "$root/usr/lib/ocf" --python "$python" > /dev/null
# Byte-code naming the installed paths, not the staging directory.
find "$root/usr/lib/ocf/lib/xcat" -name __pycache__ -prune -exec rm -rf {} +
$python -m compileall -q -d /usr/lib/ocf/lib/xcat "$root/usr/lib/ocf/lib/xcat"
for page in "$source_dir"/docs/man/*.7; do
    gzip -9nc "$page" > "$root/usr/share/man/man7/$(basename "$page").gz"
done
cp "$source_dir"/README.md "$source_dir"/docs/packaging.md "$root/usr/share/doc/xcatha-ocf/"
cp -r "$source_dir"/docs/agents "$root/usr/share/doc/xcatha-ocf/"
cat > "$root/DEBIAN/control" <<CONTROL
Package: xcatha-ocf
Version: $version
Architecture: all
Maintainer: xcatha-ocf developers <root@localhost>
Section: admin
Priority: optional
Depends: python3 (>= 3.6), python3-jinja2, python3-lxml, python3-yaml, iproute2, iputils-arping
Recommends: pacemaker, pcs | crmsh
Installed-Size: $(du -sk "$root/usr" | cut -f1)
Description: Pacemaker OCF resource agents for a highly available xCAT management node
 Resource agents of OCF provider "xcat" that turn xCAT's manual management-node
 HA procedure into Pacemaker resources of the group xcat-group, and the xcatha
 command that installs and documents them. man ocf_xcat_<agent> describes each.
CONTROL
dpkg-deb --root-owner-group -Zxz --build "$root" "$output_dir/xcatha-ocf_${version}_all.deb"
