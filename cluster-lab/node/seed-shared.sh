#!/bin/bash
# Put the xCAT directories on the lab's shared storage once, as the admin does when setting up
# xCAT HA (copy them to the shared disk on the first node); run by `xcatha lab up` on xcatmn1
# before the group first starts.  The stand-in's database (role xcatadm, database xcatdb) is
# created first, so it lives in the shared PostgreSQL data directory.
#   seed-shared.sh SHARED_DIR VIP DB_PASSWORD NET MASK
set -euo pipefail
shared=$1 vip=$2 password=$3 net=$4 mask=$5
marker=$shared/.xcatlab-seeded
[ -e "$marker" ] && exit 0
setup_db=/opt/xcat/lib/xcat-standin/setup-db.sh
if [ -x "$setup_db" ]; then
    database=postgresql@$(ls /etc/postgresql | sort -V | tail -1)-main
    systemctl start "$database"
    "$setup_db" "$vip" "$password" lab.xcat "$net" "$mask" eth0 20 >/dev/null
    systemctl stop "$database"
fi
directories="/install /etc/xcat /root/.xcat /var/lib/postgresql /tftpboot"
mkdir -p $directories
# The admin's one-time copy with xcat-shared's own tool.
PYTHONDONTWRITEBYTECODE=1 PYTHONPATH=/opt/xcatha-src \
    python3 -m xcatha_ocf.cli shared init --shared-dir "$shared" --directories "$directories" >/dev/null
touch "$marker"
echo "seeded $shared"
