-- Failed sign-ins are counted per (username, client address) instead of per
-- username: a lock per username let anyone holding an API key lock any
-- account out. Usernames are counted whether they exist or not, so the
-- throttle never reveals which do. The old per-username counts are dropped:
-- at worst an attacker's address gets a fresh count once.
DROP TABLE sign_in_attempts;

CREATE TABLE sign_in_failures (
    username      TEXT NOT NULL,
    client        TEXT NOT NULL,   -- IPv4 address, or IPv6 /64 prefix
    failures      INTEGER NOT NULL,
    last_at       BIGINT NOT NULL, -- latest counted attempt
    blocked_until BIGINT,          -- refused without a password check until then
    PRIMARY KEY (username, client)
);
CREATE INDEX sign_in_failures_last ON sign_in_failures (last_at);
