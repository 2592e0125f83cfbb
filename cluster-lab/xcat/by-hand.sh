#!/bin/bash
# Do by hand, inside a lab node, what the xCAT group's agents do, with timings: for proving
# real xCAT in the lab and measuring it without Pacemaker.  Not used by `xcatha lab`.
#   by-hand.sh start VIP SHARED_DIR     VIP up as eth0:0, the five directories bind-mounted
#                                       from SHARED_DIR, PostgreSQL on the VIP and this node's
#                                       address, then the xcat-services steps in its order
#   by-hand.sh stop VIP SHARED_DIR      the reverse
# Prints one "step seconds exit-code" line per step on stdout.
set -uo pipefail
action=${1:?usage: by-hand.sh start|stop VIP SHARED_DIR} vip=${2:?} shared=${3:?}
export XCATROOT=/opt/xcat HOME=/root PERL_BADLANG=0 PATH=/opt/xcat/bin:/opt/xcat/sbin:$PATH
directories="/install /etc/xcat /root/.xcat /var/lib/postgresql /tftpboot"
conf=/etc/postgresql/$(ls /etc/postgresql | sort -V | tail -1)/main
database=postgresql@$(basename "$(dirname "$conf")")-main
node_ip=$(ip -4 -o addr show dev eth0 primary | awk '{split($4, a, "/"); print a[1]; exit}')
log=/var/log/xcatha-lab-by-hand.log

step() {   # step NAME COMMAND...: run it, log its output, print its time and exit code
    local name=$1 began rc
    shift
    began=$(date +%s.%N)
    "$@" >>"$log" 2>&1
    rc=$?
    printf '%-40s %6.2f %d\n' "$name" "$(awk -v a="$began" -v b="$(date +%s.%N)" 'BEGIN {print b - a}')" "$rc"
    return $rc
}
wait_for() {   # wait_for SECONDS COMMAND...
    local deadline=$(($(date +%s) + $1))
    shift
    until "$@" >/dev/null 2>&1; do
        [ "$(date +%s)" -ge "$deadline" ] && return 1
        sleep 0.2
    done
}
port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }
pg_block() {   # what xcat-pgsql-conf writes: the VIP and this node's address
    printf '# BEGIN xcatha by-hand\nhost all all %s/32 scram-sha-256\nhost all all %s/32 scram-sha-256\n# END xcatha by-hand\n' "$vip" "$node_ip"
}
strip_block() { sed -i '/^# BEGIN xcatha by-hand$/,/^# END xcatha by-hand$/d' "$1"; }

echo "== $action $(date -u +%FT%TZ)" >>"$log"
case $action in
start)
    step "vip eth0:0" ip addr add "$vip/24" brd + dev eth0 label eth0:0
    for directory in $directories; do
        mountpoint -q "$directory" || step "mount $directory" mount --bind "$shared$directory" "$directory"
    done
    strip_block "$conf/pg_hba.conf"
    strip_block "$conf/postgresql.conf"
    { pg_block; cat "$conf/pg_hba.conf"; } >"$conf/pg_hba.conf.new" && mv "$conf/pg_hba.conf.new" "$conf/pg_hba.conf"
    printf "# BEGIN xcatha by-hand\nlisten_addresses = 'localhost,%s,%s'\n# END xcatha by-hand\n" "$vip" "$node_ip" >>"$conf/postgresql.conf"
    chown postgres:postgres "$conf/pg_hba.conf"
    step "systemctl start $database" systemctl start "$database"
    step "wait pg_isready" wait_for 120 pg_isready -q -t 2
    step "systemctl start xcatd" systemctl start xcatd
    step "wait xcatd port 3001" wait_for 120 port_open 3001
    network=$(lsdef -t network -i net,mask,mgtifname -c 2>/dev/null | awk -F': ' '/net=/ {print $1; exit}')
    step "lsdef -t network" lsdef -t network -i net,mask,mgtifname -c
    step "chdef $network mgtifname=eth0:0" chdef -t network -o "$network" mgtifname=eth0:0
    step "makedns -n" makedns -n
    step "systemctl start named" systemctl start named
    step "makedhcp -n" makedhcp -n
    step "systemctl start isc-dhcp-server" systemctl start isc-dhcp-server
    step "makedhcp -a" makedhcp -a
    step "makeconservercf" makeconservercf
    step "systemctl start conserver-server" systemctl start conserver-server
    step "lsxcatd -a" lsxcatd -a
    ;;
stop)
    for unit in conserver-server isc-dhcp-server named xcatd "$database"; do
        step "systemctl stop $unit" systemctl stop "$unit"
    done
    strip_block "$conf/pg_hba.conf"
    strip_block "$conf/postgresql.conf"
    for directory in /tftpboot /var/lib/postgresql /root/.xcat /etc/xcat /install; do
        mountpoint -q "$directory" && step "umount $directory" umount "$directory"
    done
    step "vip del" ip addr del "$vip/24" dev eth0
    ;;
*)
    echo "usage: by-hand.sh start|stop VIP SHARED_DIR" >&2
    exit 2
    ;;
esac
