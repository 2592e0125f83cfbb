#!/bin/bash
# Configure one lab node from the read-only source tree at /opt/xcatha-src; run by
# `xcatha lab up` inside each node on every up (idempotent), so the agents and the fence
# agent always come from the working tree without an image rebuild.  xCAT itself is in the
# image (cluster-lab/xcat); this configures it once per node, as the procedure installs xCAT
# on both management nodes.
#   setup.sh SUBNET NETMASK VIP HACLUSTER_PASSWORD
set -euo pipefail
shopt -s inherit_errexit   # a failing command inside $(...) fails the script too
subnet=$1 netmask=$2 vip=$3 password=$4
src=/opt/xcatha-src
. "$src/cluster-lab/xcat/lab.sh"
say() { echo "setup: $*" >&2; }

PYTHONDONTWRITEBYTECODE=1 PYTHONPATH=$src python3 -m xcatha_ocf.cli install-agents >/dev/null
install -m 755 "$src/cluster-lab/node/fence_xcatlab" /usr/sbin/fence_xcatlab

# The xcatha command (its Python dependencies come from the image's Debian packages), as an
# admin installs it on both management nodes.
site_packages=/usr/local/lib/python$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')/dist-packages
mkdir -p "$site_packages"
rm -rf "$site_packages/xcatha_ocf.new"
cp -r "$src/xcatha_ocf" "$site_packages/xcatha_ocf.new"
find "$site_packages/xcatha_ocf.new" -name __pycache__ -prune -exec rm -rf {} +
rm -rf "$site_packages/xcatha_ocf"
mv "$site_packages/xcatha_ocf.new" "$site_packages/xcatha_ocf"
printf '#!/usr/bin/python3\nimport sys\nfrom xcatha_ocf.cli import main\nsys.exit(main())\n' >/usr/local/bin/xcatha
chmod 755 /usr/local/bin/xcatha

if ! dpkg-query -W xcat-server >/dev/null 2>&1 || [ ! -f /opt/xcat/sbin/xcatd ] ||
        [ ! -f /lib/systemd/system/xcatd.service ]; then
    say "this node has no intact xCAT: recreate the nodes from the current image (xcatha lab down, then up)"
    exit 1
fi

# Host names, as xCAT's procedure wants them: /etc/hosts is what makedns and makedhcp read,
# and it must be the same on both nodes ("Synchronize /etc/hosts").  Each management node
# needs its FQDN (makedns names it as the zones' NS and fails if it does not resolve), and
# the compute nodes are listed as makehosts would list them.  /etc/hosts is a file docker
# bind-mounts and writes afresh at every container start (a node the fence watcher restarted
# lost the block): the block is kept in /etc/xcatha-lab/hosts.block and a boot unit puts it
# back before xCAT's services and Pacemaker start.
prefix=$(lab_prefix "$subnet" "$netmask")
block=$(
    echo "# BEGIN xcatha lab (node/setup.sh)"
    # docker's lines for the nodes (--hostname, --add-host) are "IP NAME"; makehosts writes 3+.
    awk -v prefix="$prefix." '/^# BEGIN xcatha lab/ {skip = 1}
        !skip && NF == 2 && index($1, prefix) == 1 && $2 !~ /\./ && !seen[$2]++ {print $1, $2}
        /^# END xcatha lab/ {skip = 0}' /etc/hosts |
        while read -r ip name; do echo "$ip $name $name.$XCATLAB_DOMAIN"; done
    # The procedure's "add the virtual IP's name to /etc/hosts", on both nodes.
    echo "$vip $XCATLAB_VIP_NAME $XCATLAB_VIP_NAME.$XCATLAB_DOMAIN"
    lab_compute_nodes "$subnet" "$netmask" | while read -r name ip mac bmc; do
        echo "$ip $name $name.$XCATLAB_DOMAIN"
    done
    echo "# END xcatha lab"
)
mkdir -p /etc/xcatha-lab
printf '%s\n' "$block" >/etc/xcatha-lab/hosts.block
install -m 755 "$src/cluster-lab/xcat/hosts-block.sh" /usr/local/sbin/xcatlab-hosts
/usr/local/sbin/xcatlab-hosts /etc/xcatha-lab/hosts.block
cat >/etc/systemd/system/xcatlab-hosts.service <<'UNIT'
# xcatha lab: docker writes /etc/hosts afresh at every container start
[Unit]
Description=xcatha lab: host names for xCAT in /etc/hosts
Before=pacemaker.service xcatd.service named.service isc-dhcp-server.service conserver-server.service
[Service]
Type=oneshot
ExecStart=/usr/local/sbin/xcatlab-hosts /etc/xcatha-lab/hosts.block
[Install]
WantedBy=multi-user.target
UNIT
systemctl daemon-reload
systemctl enable --quiet xcatlab-hosts.service
# The lab network has no way out, yet docker's DNS (127.0.0.11) forwards every name it does
# not know to the host's resolver and waits 10 s for each try: each lookup of a name missing
# from /etc/hosts, and each IPv6 lookup of a name /etc/hosts has only an IPv4 address for,
# hung 10-20 s (makedhcp -n took 43 s instead of 3.5 s).  Names come from /etc/hosts only.
sed -i 's/^hosts:.*/hosts:          files/' /etc/nsswitch.conf

# The five directories xCAT HA keeps on shared storage exist on every node (xcatconfig does
# not make /tftpboot, and its NFS export of it then fails).
mkdir -p /install /tftpboot /etc/xcat /root/.xcat /var/lib/postgresql

# postgresql-common's postinst creates no cluster inside debootstrap: create it as the
# package would (the data directory then moves to the shared storage on the first node).
if ! ls -d /etc/postgresql/*/main >/dev/null 2>&1; then
    pg_createcluster "$(ls /usr/lib/postgresql | sort -V | tail -1)" main >/dev/null
fi

# xCAT's own first configuration (the xcat package's postinst: xcatconfig -i): this node's CA,
# certificates, SSH host keys for compute nodes, a local SQLite database, then it starts
# xcatd and apache2.  Once per node and only on local directories: never when the shared
# storage is mounted over them (xcatconfig would write new certificates into the shared
# /etc/xcat) nor when /etc/xcat already says where a database is.
if [ "$(dpkg-query -W -f '${Status}' xcat)" != "install ok installed" ]; then
    for directory in /etc/xcat /root/.xcat /install /tftpboot /var/lib/postgresql; do
        if mountpoint -q "$directory"; then
            say "$directory is a mount point (shared storage?): not configuring xCAT over it"
            exit 1
        fi
    done
    if [ -e /etc/xcat/cfgloc ]; then
        say "/etc/xcat/cfgloc exists: not configuring xCAT over it"
        exit 1
    fi
    say "configuring xCAT (xcatconfig -i, about 30 s)"
    log=/var/log/xcatha-lab-xcatconfig.log
    dpkg --configure xcat >"$log" 2>&1 || { tail -20 "$log" >&2; exit 1; }
    systemctl stop xcatd.service apache2.service
fi

# isc-dhcp-server refuses to start without a subnet of its interface (xCAT's makedhcp -n
# writes the real one).
[ -s /etc/dhcp/dhcpd.conf.lab ] || {
    printf '# xcatha lab: the lab network\nsubnet %s netmask %s {\n}\n' "$subnet" "$netmask" >/etc/dhcp/dhcpd.conf
    cp /etc/dhcp/dhcpd.conf /etc/dhcp/dhcpd.conf.lab
}
# isc-dhcp-server serves no interface until INTERFACESv4 names one, so it could not start
# before makedhcp -n ran; makedhcp -n then rewrites this file with INTERFACES (which Debian's
# init script still migrates).
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

# Clocks synchronized on both nodes, all the time: the time service is not in the group.
systemctl enable --quiet --now chrony.service

# The cluster starts xCAT's services: none of them at boot (xcatconfig -i enabled named and
# apache2, pgsqlsetup enables postgresql).  xcatha node prepare disables those the group
# runs; apache2 and tftpd-hpa serve provisioning, which the group does not run.
xcatha node prepare
for unit in apache2.service tftpd-hpa.service; do
    systemctl disable --quiet "$unit" 2>/dev/null || true
done

echo "hacluster:$password" | chpasswd
systemctl enable --quiet --now pcsd.service
