#!/bin/sh
# FAKE service(8), for the host-level tests on this host, which has no systemd as PID 1:
# Debian's /usr/sbin/service would run the SysV script itself here.  Under systemd it turns
# "service NAME ACTION" into "systemctl ACTION NAME.service", and so does this, reaching
# the fake systemctl that comes first on PATH (tests/support/fakenode.py links both).
# Real xCAT's makedhcp restarts isc-dhcp-server, and checks that it runs, this way.
exec systemctl "$2" "$1.service"
