#!/bin/sh
# xCAT STAND-IN database setup for xcatha-ocf's cluster lab (not xCAT's own setup).
# usage: setup-db.sh VIP PASSWORD DOMAIN NET MASK NIC NODES [CFGLOC]
#   e.g. setup-db.sh 10.0.0.1 xcatpw cluster.lab 10.0.0.0 255.255.255.0 eth0 20
# Run as root on the node whose PostgreSQL holds the shared data, with PostgreSQL running.
# Creates role xcatadm (password PASSWORD), database xcatdb owned by it, the tables site,
# networks, hosts, mac with one network and NODES nodes cn1..cnNODES, then writes CFGLOC
# (default /etc/xcat/cfgloc, mode 600): Pg:dbname=xcatdb;host=VIP|xcatadm|PASSWORD
# PGHOST/PGPORT in the environment select another server (tests). Safe to run again.
set -eu
[ $# -ge 7 ] || { sed -n '3,10p' "$0" >&2; exit 2; }
vip=$1 password=$2 domain=$3 net=$4 mask=$5 nic=$6 nodes=$7 cfgloc=${8:-/etc/xcat/cfgloc}
here=$(cd "$(dirname "$0")" && pwd)
as_postgres() { if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi; }
as_postgres psql -X -q -v password="$password" -v vip="$vip" -v domain="$domain" -v net="$net" \
    -v mask="$mask" -v nic="$nic" -v nodes="$nodes" -d postgres -f - < "$here/schema.sql"
umask 077
mkdir -p "$(dirname "$cfgloc")"
port=${PGPORT:-5432}
if [ "$port" = 5432 ]; then port=""; else port=";port=$port"; fi
printf 'Pg:dbname=xcatdb;host=%s%s|xcatadm|%s\n' "$vip" "$port" "$password" > "$cfgloc"
echo "xcatdb ready; wrote $cfgloc"
