-- Which runs saw which finding (the finding's per-run history), keyed by
-- (run, finding).
CREATE TABLE finding_occurrences (
    run_id          TEXT NOT NULL REFERENCES scan_runs (id) ON DELETE CASCADE,
    finding_id      TEXT NOT NULL REFERENCES findings (id) ON DELETE CASCADE,
    organization_id TEXT NOT NULL,
    host_id         TEXT NOT NULL,
    severity_rank   INTEGER NOT NULL,
    cvss_score      DOUBLE PRECISION NOT NULL,
    seen_at         BIGINT NOT NULL,
    PRIMARY KEY (run_id, finding_id)
);
CREATE INDEX finding_occurrences_finding ON finding_occurrences (finding_id, seen_at);
