#!/bin/bash
# Set up xCAT for HA once and put its directories on the lab's shared storage, as the admin
# does on the first management node; run by `xcatha lab up` on xcatmn1 after node/setup.sh
# ran on both nodes and before the cluster configuration exists.
#   seed-shared.sh SHARED_DIR VIP DB_PASSWORD NET MASK
# DB_PASSWORD: letters and digits only (pgsqlsetup refuses anything else).  Takes 5 to 7
# minutes in the lab, nearly all of it pgsqlsetup's dump and restore of the database.
#
# With the VIP up on eth0:0 for the time being (xCAT's HA procedure sets xCAT up on the VIP):
#  - site.master and site.nameservers = VIP, site.domain = lab.sh's XCATLAB_DOMAIN,
#    site.consoleondemand = yes;
#  - both management nodes trusted in the policy table (the procedure's policy step);
#  - the networks entry of NET/MASK (mgtifname eth0; the xcat-services agent sets eth0:0);
#  - XCATLAB_COMPUTE compute nodes with IP, MAC, BMC and IPMI console (lab.sh);
#  - the switch to PostgreSQL with the patched pgsqlsetup, cfgloc's host= the VIP, the table
#    contents checked against pgsqlsetup's dump (it reports success even when the restore
#    failed);
#  - pgsqlsetup's pg_hba.conf and listen_addresses lines taken back out of this node's
#    /etc/postgresql (the xcat-pgsql-conf agent writes the VIP and node address on both nodes
#    at run time), everything stopped, nothing enabled at boot, the VIP removed;
# then the admin's one-time copy of the five directories with `xcatha shared init`.
set -euo pipefail
shared=$1 vip=$2 password=$3 net=$4 mask=$5
marker=$shared/.xcatlab-seeded
[ -e "$marker" ] && exit 0
src=/opt/xcatha-src
. "$src/cluster-lab/xcat/lab.sh"
say() { echo "seed: $*" >&2; }
fail() { say "$*"; exit 1; }
export XCATROOT=/opt/xcat HOME=/root PERL_BADLANG=0 PATH=/opt/xcat/bin:/opt/xcat/sbin:$PATH
quiet() { "$@" 2> >(grep -v 'IPv6 support' >&2); }   # every xCAT command warns about IPv6

[[ $password =~ ^[A-Za-z0-9]+$ ]] || fail "pgsqlsetup accepts a database password of letters and digits only"
lab_prefix "$net" "$mask" >/dev/null
dpkg-query -W -f '${Status}' xcat | grep -q "ok installed" || fail "xCAT is not configured here: run node/setup.sh first"
[ -e /etc/xcat/cfgloc ] && fail "/etc/xcat/cfgloc exists: this node's xCAT already left SQLite"
node_ip=$(ip -4 -o addr show dev eth0 primary | awk '{split($4, a, "/"); print a[1]; exit}')
[ -n "$node_ip" ] || fail "no IPv4 address on eth0"
pg_version=$(ls /etc/postgresql | sort -V | tail -1)
database=postgresql@$pg_version-main

vip_added=
cleanup() {
    systemctl stop xcatd.service "$database" 2>/dev/null || true
    if [ -n "$vip_added" ]; then
        ip addr del "$vip/24" dev eth0 2>/dev/null || true
    fi
}
trap cleanup EXIT
if ! ip -4 -o addr show dev eth0 | grep -q " $vip/"; then
    ping -c 1 -W 1 "$vip" >/dev/null 2>&1 && fail "$vip answers on the network: is the group running?"
    ip addr add "$vip/24" brd + dev eth0 label eth0:0
    vip_added=1
fi

wait_xcatd() {
    local i
    for i in $(seq 1 60); do
        quiet lsxcatd -a >/dev/null 2>&1 && return 0
        sleep 1
    done
    fail "xcatd does not answer"
}
systemctl start xcatd.service
wait_xcatd
say "site, policy, network and $XCATLAB_COMPUTE compute nodes"
# consoleondemand: the lab's BMCs do not exist, and with consoles always on conserver kept an
# xCAT ipmi console process per node retrying them (a steady CPU load on the active node).
quiet chdef -t site clustersite master="$vip" nameservers="$vip" domain="$XCATLAB_DOMAIN" \
    consoleondemand=yes >/dev/null
# xcatconfig -i trusted this node's name (priority 1.2); trust the other management nodes.
priority=3
for name in $(awk '/^# BEGIN xcatha lab/ {b = 1; next} /^# END xcatha lab/ {b = 0} b {print $2}' /etc/hosts |
        grep -v '^cn[0-9]*$' | sort -u); do
    if ! quiet tabdump policy | grep -q "^\"[0-9.]*\",\"$name\","; then
        quiet chtab priority=1.$priority policy.name="$name" policy.rule=trusted
        priority=$((priority + 1))
    fi
done
network=${net//./_}-${mask//./_}
if ! quiet lsdef -t network -o "$network" >/dev/null 2>&1; then
    quiet mkdef -t network -o "$network" net="$net" mask="$mask" >/dev/null
fi
quiet chdef -t network -o "$network" net="$net" mask="$mask" mgtifname=eth0 >/dev/null
# </dev/null: xCAT's client commands read their standard input (here the loop's).
lab_compute_nodes "$net" "$mask" | while read -r name ip mac bmc; do
    quiet mkdef -f -t node -o "$name" groups=compute,all ip="$ip" mac="$mac" bmc="$bmc" \
        mgt=ipmi cons=ipmi bmcusername=USERID bmcpassword=PASSW0RD </dev/null >/dev/null
done
[ "$(quiet nodels compute | wc -l)" = "$XCATLAB_COMPUTE" ] || fail "the compute nodes are not all defined"

# PostgreSQL: pgsqlsetup dumps the SQLite tables, makes the database, writes cfgloc with
# host=site.master (the VIP), restores the tables and restarts xcatd on PostgreSQL.  -a: the
# node's own address in pg_hba.conf too, because xcatd connecting to the VIP on this node
# connects FROM the node's address (with the VIP alone every connection was refused and the
# restore, retrying each table for 7 s, "succeeded" with empty tables).
say "switching xCAT to PostgreSQL (pgsqlsetup: dump and restore take minutes)"
systemctl start "$database"
log=/var/log/xcatha-lab-pgsqlsetup.log
XCATPGPW=$password quiet pgsqlsetup -i -V -a "$node_ip" >"$log" 2>&1 || { tail -20 "$log" >&2; fail "pgsqlsetup failed"; }
grep -q "^Pg:dbname=xcatdb;host=$vip|xcatadm|" /etc/xcat/cfgloc || fail "cfgloc does not name the VIP"
wait_xcatd
quiet lsxcatd -a | grep -q "^dbengine=Pg$" || fail "xcatd does not run on PostgreSQL"
# Every table pgsqlsetup dumped must have as many rows in PostgreSQL.
bad=
for csv in /root/xcat-dbback/*.csv; do
    table=$(basename "$csv" .csv)
    want=$(($(wc -l <"$csv") - 1))
    have=$(runuser -u postgres -- psql -X -tA -d xcatdb -c "select count(*) from \"$table\"" 2>/dev/null || echo missing)
    [ "$have" = "$want" ] || bad="$bad $table($have/$want)"
done
[ -z "$bad" ] && say "PostgreSQL holds every dumped table" || fail "tables not restored:$bad"
[ "$(quiet lsdef -t site -i master -c | sed 's/.*master=//')" = "$vip" ] || fail "site.master is not $vip"

# This node's /etc/postgresql is not shared, and the xcat-pgsql-conf agent manages the VIP's
# and the active node's lines on both nodes: restore pg_hba.conf from pgsqlsetup's backup and
# drop the listen_addresses it appended after its "#setup by xCAT" marker.
conf=/etc/postgresql/$pg_version/main
[ -e "$conf/pg_hba.conf.org" ] && mv "$conf/pg_hba.conf.org" "$conf/pg_hba.conf"
sed -i '/^#setup by xCAT$/{N;/\n *listen_addresses = /d}' "$conf/postgresql.conf"
chown postgres:postgres "$conf/pg_hba.conf" "$conf/postgresql.conf"

cleanup
vip_added=
trap - EXIT
# pgsqlsetup ran `systemctl enable postgresql`: the cluster starts it, nothing at boot.
xcatha node prepare >/dev/null

directories="/install /etc/xcat /root/.xcat /var/lib/postgresql /tftpboot"
mkdir -p $directories
# The admin's one-time copy with xcat-shared's own tool.
xcatha shared init --shared-dir "$shared" --directories "$directories" >/dev/null
touch "$marker"
echo "seeded $shared"
