#!/bin/bash
# Configure one lab node from the read-only source tree at /opt/xcatha-src; run by
# `xcatha lab up` inside each node on every up (idempotent), so the agents, the fence
# agent and the xCAT stand-in always come from the working tree without an image rebuild.
#   setup.sh SUBNET NETMASK HACLUSTER_PASSWORD
set -euo pipefail
subnet=$1 netmask=$2 password=$3
src=/opt/xcatha-src

PYTHONDONTWRITEBYTECODE=1 PYTHONPATH=$src python3 -m xcatha_ocf.cli install-agents >/dev/null
install -m 755 "$src/cluster-lab/node/fence_xcatlab" /usr/sbin/fence_xcatlab
if [ -x "$src/cluster-lab/xcat-standin/install.sh" ]; then
    "$src/cluster-lab/xcat-standin/install.sh" / >/dev/null
fi

# postgresql-common's postinst creates no cluster inside debootstrap: create it as the
# package would (the data directory then moves to the shared storage on the first node).
if ! ls -d /etc/postgresql/*/main >/dev/null 2>&1; then
    pg_createcluster "$(ls /usr/lib/postgresql | sort -V | tail -1)" main >/dev/null
fi

# isc-dhcp-server refuses to start without a subnet of its interface (xCAT's makedhcp -n
# writes the real one).
[ -s /etc/dhcp/dhcpd.conf.lab ] || {
    printf '# xcatha lab: the lab network\nsubnet %s netmask %s {\n}\n' "$subnet" "$netmask" >/etc/dhcp/dhcpd.conf
    cp /etc/dhcp/dhcpd.conf /etc/dhcp/dhcpd.conf.lab
}
sed -i 's/^INTERFACESv4=.*/INTERFACESv4="eth0"/' /etc/default/isc-dhcp-server

# chronyd needs CAP_SYS_TIME only to steer the clock, and the node shares the host's
# kernel clock: never grant it, run chronyd with -x (serve time, never set it).
mkdir -p /etc/systemd/system/chrony.service.d
cat >/etc/systemd/system/chrony.service.d/xcatlab.conf <<'UNIT'
# xcatha lab: a container must not steer the host's clock
[Unit]
ConditionCapability=
UNIT
sed -i 's/^DAEMON_OPTS=.*/DAEMON_OPTS="-x"/' /etc/default/chrony

# conserver-server exits when it has no console: one console that runs a harmless command.
grep -q xcatlab-dummy /etc/conserver/conserver.cf ||
    printf 'console xcatlab-dummy {\n\tmaster localhost;\n\ttype exec;\n\texec /bin/sleep infinity;\n}\n' \
        >>/etc/conserver/conserver.cf

# The cluster starts xCAT's services: none of them at boot.
for unit in postgresql.service named.service isc-dhcp-server.service chrony.service \
    conserver-server.service xcatd.service goconserver.service; do
    if systemctl cat "$unit" >/dev/null 2>&1; then
        systemctl disable --quiet "$unit" 2>/dev/null || true
    fi
done
systemctl daemon-reload

echo "hacluster:$password" | chpasswd
systemctl enable --quiet --now pcsd.service
