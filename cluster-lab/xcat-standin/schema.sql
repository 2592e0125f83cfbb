-- xCAT STAND-IN database for the xcatha-ocf cluster lab (not xCAT's schema: only the tables
-- and columns the stand-in uses, named as xCAT names them).
-- Run as the PostgreSQL superuser with psql variables password, vip, domain, net, mask, nic, nodes:
--   psql -v password=PW -v vip=10.0.0.1 -v domain=cluster.lab -v net=10.0.0.0 \
--        -v mask=255.255.255.0 -v nic=eth0 -v nodes=20 -f schema.sql
-- Safe to run again: existing role, database, tables and rows are kept.
\set ON_ERROR_STOP on
SELECT format('CREATE ROLE xcatadm LOGIN PASSWORD %L', :'password')
  WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'xcatadm') \gexec
SELECT 'CREATE DATABASE xcatdb OWNER xcatadm'
  WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'xcatdb') \gexec
\connect xcatdb
SET ROLE xcatadm;
CREATE TABLE IF NOT EXISTS site (key text PRIMARY KEY, value text, comments text, disable text);
CREATE TABLE IF NOT EXISTS networks (
  netname text PRIMARY KEY, net text, mask text, mgtifname text, gateway text, dhcpserver text,
  tftpserver text, nameservers text, dynamicrange text, domain text, comments text, disable text);
CREATE TABLE IF NOT EXISTS hosts (node text PRIMARY KEY, ip text, hostnames text,
  otherinterfaces text, comments text, disable text);
CREATE TABLE IF NOT EXISTS mac (node text PRIMARY KEY, interface text, mac text, comments text,
  disable text);
INSERT INTO site (key, value) VALUES
  ('domain', :'domain'), ('master', :'vip'), ('nameservers', :'vip'),
  ('xcatdport', '3001'), ('xcatiport', '3002')
  ON CONFLICT (key) DO NOTHING;
INSERT INTO networks (netname, net, mask, mgtifname)
  VALUES (replace(:'net', '.', '_') || '-' || replace(:'mask', '.', '_'), :'net', :'mask', :'nic')
  ON CONFLICT (netname) DO NOTHING;
INSERT INTO hosts (node, ip)
  SELECT 'cn' || i, host(:'net'::inet + 100 + i) FROM generate_series(1, :nodes) AS i
  ON CONFLICT (node) DO NOTHING;
INSERT INTO mac (node, interface, mac)
  SELECT 'cn' || i, 'eth0', '52:54:00:' || lpad(to_hex(i / 65536 % 256), 2, '0') || ':'
         || lpad(to_hex(i / 256 % 256), 2, '0') || ':' || lpad(to_hex(i % 256), 2, '0')
  FROM generate_series(1, :nodes) AS i
  ON CONFLICT (node) DO NOTHING;
