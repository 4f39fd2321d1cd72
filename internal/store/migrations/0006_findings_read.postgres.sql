-- Reading results. The vulnerability list sorted by severity (the default)
-- reads one severity at a time in address and port order, straight from this
-- index, and counts an address prefix (q[host]=10.0.1.*, answered as a range)
-- without touching the table. Address ranges and order compare bytes
-- (COLLATE "C"): the database's default collation may ignore punctuation.
CREATE INDEX findings_org_rank_ip ON findings (organization_id, severity_rank, ip COLLATE "C", port, id);
CREATE INDEX hosts_org_ip_bytes ON hosts (organization_id, ip COLLATE "C");
