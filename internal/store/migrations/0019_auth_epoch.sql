-- The authentication epoch: a counter that every change to what a request's
-- credentials resolve to moves forward in the same transaction (the triggers
-- of this migration's engine file). Nodes cache resolved credentials and read
-- only this row per request; a different value empties their cache, so a
-- sign-out, a revoked key or token, a deleted user, a suspended organization
-- or a plan without API access takes effect at once on every node.
CREATE TABLE auth_epoch (
    id INTEGER PRIMARY KEY,
    n  BIGINT NOT NULL
);
INSERT INTO auth_epoch (id, n) VALUES (1, 0);
