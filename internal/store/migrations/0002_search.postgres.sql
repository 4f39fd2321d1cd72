-- Trigram indexes for case-insensitive "contains" filters (q[email]=…): the
-- planner uses them for ILIKE '%…%' directly.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX users_email_trgm ON users USING gin (email gin_trgm_ops);
