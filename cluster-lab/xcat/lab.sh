# Sourced by node/setup.sh and node/seed-shared.sh: what both agree the lab's xCAT holds.
# The compute nodes never exist; they only give makedns, makedhcp and makeconservercf real
# records to write.

XCATLAB_DOMAIN=lab.xcat     # site.domain
XCATLAB_COMPUTE=5           # compute nodes cn1..cnN
XCATLAB_VIP_NAME=xcatmn     # the virtual IP's host name

# lab_prefix NET MASK: the first three octets of a /24 lab network ("172.30.77").
lab_prefix() {
    if [ "$2" != 255.255.255.0 ] || ! [[ $1 =~ ^([0-9]+\.[0-9]+\.[0-9]+)\.0$ ]]; then
        echo "lab.sh: the lab network must be a /24 (got $1 mask $2)" >&2
        return 1
    fi
    echo "${BASH_REMATCH[1]}"
}

# lab_compute_nodes NET MASK: one line per compute node, "NAME IP MAC BMC": cnI at .(100+I),
# its BMC at .(200+I), a locally administered MAC made of the IP address.
lab_compute_nodes() {
    local prefix i ip
    prefix=$(lab_prefix "$1" "$2") || return 1
    for i in $(seq 1 "$XCATLAB_COMPUTE"); do
        ip=$prefix.$((100 + i))
        printf 'cn%d %s 02:00:%02x:%02x:%02x:%02x %s.%d\n' "$i" "$ip" ${ip//./ } "$prefix" $((200 + i))
    done
}
