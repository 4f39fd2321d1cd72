-- A target's host list, one row per entry, for the q[hosts] filter: entry
-- rows hold a token as entered (lower-cased), so a * pattern matches one
-- entry, not the whole list; span rows hold the target's address intervals
-- after exclusions (16-byte addresses, IPv4 as IPv4-mapped), so an address
-- finds the targets whose CIDR or range contains it. Rows of existing
-- targets are written by the migration's Go step (store/target_hosts.go).
CREATE TABLE target_hosts (
    target_id       TEXT NOT NULL REFERENCES targets (id) ON DELETE CASCADE,
    organization_id TEXT NOT NULL,
    entry           TEXT,
    first_ip        BYTEA,
    last_ip         BYTEA
);
CREATE INDEX target_hosts_target ON target_hosts (target_id);
CREATE INDEX target_hosts_span ON target_hosts (organization_id, first_ip) WHERE first_ip IS NOT NULL;
