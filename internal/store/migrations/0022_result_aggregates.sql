-- The last computed value of each slow aggregate over an organization's
-- findings (the dashboard widgets), shared by every node and kept across
-- restarts: a node that has not computed one yet answers from here (with the
-- time it was computed) instead of making the first dashboard of the day wait
-- seconds for a scan of a million findings. version is the results version
-- and stamp it was computed for; when it is not current the value is served as
-- of computed_at while a recomputation runs. Derived data: losing a row only
-- costs one recomputation.
CREATE TABLE result_aggregates (
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    key             TEXT NOT NULL,
    version         TEXT NOT NULL,
    computed_at     BIGINT NOT NULL,
    took_us         BIGINT NOT NULL,
    value           TEXT NOT NULL,
    PRIMARY KEY (organization_id, key)
);
