#!/bin/sh
# Put the lab's block of host names (from BLOCK_FILE, "# BEGIN xcatha lab" ... "# END xcatha
# lab") into /etc/hosts, replacing the block already there.  docker bind-mounts /etc/hosts and
# writes it afresh at every container start, so node/setup.sh installs this as
# /usr/local/sbin/xcatlab-hosts and a boot unit runs it before xCAT's services.  In place:
# a rename cannot replace a bind-mounted file.
#   hosts-block.sh BLOCK_FILE
set -eu
block=${1:?usage: hosts-block.sh BLOCK_FILE}
rest=$(awk '/^# BEGIN xcatha lab/ {skip = 1} !skip {print} /^# END xcatha lab/ {skip = 0}' /etc/hosts)
printf '%s\n%s\n' "$rest" "$(cat "$block")" >/etc/hosts
