#!/bin/sh
# Installs the xCAT STAND-IN (not xCAT) of xcatha-ocf's cluster lab into a root filesystem.
# usage: install.sh ROOT        (ROOT=/ for the running system)
#   ROOT/opt/xcat/lib/xcat-standin/   xcatstandin.py, schema.sql, setup-db.sh
#   ROOT/opt/xcat/sbin/xcatd, ROOT/opt/xcat/bin/{lsxcatd,lsdef,chdef,chtab,makedns,makedhcp,
#     makeconservercf,makegocons}: symlinks to xcatstandin.py (it dispatches on its name),
#     with the same names in ROOT/usr/sbin and ROOT/usr/bin
#   ROOT/lib/systemd/system/xcatd.service (not enabled), ROOT/etc/xcat/standin.conf (kept if present)
# It needs python3 and the PostgreSQL client (psql) in ROOT. /etc/xcat/cfgloc is written by
# setup-db.sh, which creates the database (see its header).
set -eu
root=${1:?usage: install.sh ROOT}
here=$(cd "$(dirname "$0")" && pwd)
lib=/opt/xcat/lib/xcat-standin
install -d "$root$lib" "$root/opt/xcat/bin" "$root/opt/xcat/sbin" "$root/usr/bin" \
    "$root/usr/sbin" "$root/lib/systemd/system" "$root/etc/xcat"
install -m 755 "$here/xcatstandin.py" "$here/setup-db.sh" "$root$lib/"
install -m 644 "$here/schema.sql" "$root$lib/"
ln -sfn "$lib/xcatstandin.py" "$root/opt/xcat/sbin/xcatd"
ln -sfn /opt/xcat/sbin/xcatd "$root/usr/sbin/xcatd"
for command in lsxcatd lsdef chdef chtab makedns makedhcp makeconservercf makegocons; do
    ln -sfn "$lib/xcatstandin.py" "$root/opt/xcat/bin/$command"
    ln -sfn "/opt/xcat/bin/$command" "$root/usr/bin/$command"
done
install -m 644 "$here/xcatd.service" "$root/lib/systemd/system/xcatd.service"
[ -e "$root/etc/xcat/standin.conf" ] || install -m 644 "$here/standin.conf" "$root/etc/xcat/standin.conf"
echo "installed the xCAT stand-in in $root (xcatd.service not enabled)"
