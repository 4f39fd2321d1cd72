-- The web console's own API key (internal/console): one per platform, its raw
-- value derived from the server's secret key, so only its hash is stored and
-- every node derives the same key. The flag exempts it from the per-key rate
-- limit (every console user shares it; the per-user limit still applies).
ALTER TABLE api_keys ADD COLUMN console BOOLEAN NOT NULL DEFAULT FALSE;
