"""The 2-node cluster lab (cluster-lab/): containers xcatmn1 and xcatmn2 running
systemd, Corosync, Pacemaker, pcsd and the xCAT services, driven from the host."""
