-- Scans, their runs (histories), and results: the host inventory, per-run hosts
-- and services, organization-wide deduplicated findings and their per-run
-- occurrences. Result rows have deterministic ids derived from their natural
-- keys, so a retried batch rewrites the same rows instead of adding new ones.

-- Bumped in the same transaction as every change to an organization's results,
-- so caches of aggregates over them know exactly when they are out of date.
ALTER TABLE organizations ADD COLUMN results_version BIGINT NOT NULL DEFAULT 0;

CREATE TABLE scans (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    target_id       TEXT NOT NULL REFERENCES targets (id),
    scanner_id      TEXT NOT NULL REFERENCES scanners (id),
    scan_profile_id TEXT NOT NULL REFERENCES scan_profiles (id),
    schedule_id     TEXT REFERENCES schedules (id),
    product         TEXT NOT NULL,
    status          TEXT NOT NULL,
    progress        DOUBLE PRECISION NOT NULL DEFAULT 0,
    next_run_at     BIGINT,
    last_run_id     TEXT,
    created_by      TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX scans_org_created ON scans (organization_id, created_at);
CREATE INDEX scans_target ON scans (target_id);
CREATE INDEX scans_schedule ON scans (schedule_id);
CREATE INDEX scans_next_run ON scans (next_run_at);

CREATE TABLE scan_runs (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    scan_id         TEXT NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
    target_id       TEXT NOT NULL,
    status          TEXT NOT NULL,
    trigger_kind    TEXT NOT NULL,
    attempt         INTEGER NOT NULL DEFAULT 1,
    progress        DOUBLE PRECISION NOT NULL DEFAULT 0,
    hosts           TEXT NOT NULL,
    exclude_hosts   TEXT NOT NULL DEFAULT '',
    ports           TEXT NOT NULL,
    engine_profile  TEXT NOT NULL,
    settings        TEXT NOT NULL DEFAULT '{}',
    stats           TEXT NOT NULL DEFAULT '{}',
    hosts_total     INTEGER NOT NULL DEFAULT 0,
    hosts_up        INTEGER NOT NULL DEFAULT 0,
    findings_count  INTEGER NOT NULL DEFAULT 0,
    critical_count  INTEGER NOT NULL DEFAULT 0,
    high_count      INTEGER NOT NULL DEFAULT 0,
    medium_count    INTEGER NOT NULL DEFAULT 0,
    low_count       INTEGER NOT NULL DEFAULT 0,
    info_count      INTEGER NOT NULL DEFAULT 0,
    pci_compliant   BOOLEAN,
    error           TEXT NOT NULL DEFAULT '',
    log             TEXT NOT NULL DEFAULT '[]',
    report_id       TEXT,
    queued_at       BIGINT NOT NULL,
    started_at      BIGINT,
    heartbeat_at    BIGINT,
    finished_at     BIGINT,
    created_by      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX scan_runs_scan ON scan_runs (scan_id, queued_at);
CREATE INDEX scan_runs_org_status ON scan_runs (organization_id, status);
CREATE INDEX scan_runs_status_heartbeat ON scan_runs (status, heartbeat_at);
CREATE INDEX scan_runs_org_finished ON scan_runs (organization_id, finished_at);

-- The asset inventory: one row per IP per organization, merged across runs.
CREATE TABLE hosts (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    ip              TEXT NOT NULL,
    hostnames       TEXT NOT NULL DEFAULT '[]',
    os              TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL,
    open_ports      INTEGER NOT NULL DEFAULT 0,
    services        TEXT NOT NULL DEFAULT '',
    first_seen      BIGINT NOT NULL,
    last_seen       BIGINT NOT NULL,
    last_run_id     TEXT NOT NULL,
    last_scan_id    TEXT NOT NULL,
    last_target_id  TEXT NOT NULL,
    UNIQUE (organization_id, ip)
);
CREATE INDEX hosts_org_last_seen ON hosts (organization_id, last_seen);

-- Hosts as one run saw them.
CREATE TABLE run_hosts (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL,
    run_id          TEXT NOT NULL REFERENCES scan_runs (id) ON DELETE CASCADE,
    host_id         TEXT NOT NULL,
    ip              TEXT NOT NULL,
    hostnames       TEXT NOT NULL DEFAULT '[]',
    status          TEXT NOT NULL,
    reason          TEXT NOT NULL DEFAULT '',
    os              TEXT NOT NULL DEFAULT '',
    rtt_us          BIGINT NOT NULL DEFAULT 0,
    open_ports      INTEGER NOT NULL DEFAULT 0,
    critical_count  INTEGER NOT NULL DEFAULT 0,
    high_count      INTEGER NOT NULL DEFAULT 0,
    medium_count    INTEGER NOT NULL DEFAULT 0,
    low_count       INTEGER NOT NULL DEFAULT 0,
    info_count      INTEGER NOT NULL DEFAULT 0,
    scanned_at      BIGINT NOT NULL
);
CREATE INDEX run_hosts_run ON run_hosts (run_id, ip);
CREATE INDEX run_hosts_host ON run_hosts (host_id);

-- Services (open ports) as one run saw them.
CREATE TABLE services (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL,
    run_id          TEXT NOT NULL REFERENCES scan_runs (id) ON DELETE CASCADE,
    host_id         TEXT NOT NULL,
    port            INTEGER NOT NULL,
    protocol        TEXT NOT NULL,
    state           TEXT NOT NULL,
    service         TEXT NOT NULL DEFAULT '',
    product         TEXT NOT NULL DEFAULT '',
    version         TEXT NOT NULL DEFAULT '',
    cpe             TEXT NOT NULL DEFAULT '[]',
    banner          TEXT NOT NULL DEFAULT '',
    tls             BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX services_run_host ON services (run_id, host_id, port);
CREATE INDEX services_host ON services (host_id, run_id);

-- Organization-wide findings, deduplicated by (host, port/protocol, check):
-- the id is derived from exactly that key (scan.FindingID), so the primary key
-- is the deduplication constraint and no second unique index is needed.
CREATE TABLE findings (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    host_id         TEXT NOT NULL,
    ip              TEXT NOT NULL,
    hostname        TEXT NOT NULL DEFAULT '',
    port            INTEGER NOT NULL,
    protocol        TEXT NOT NULL,
    service         TEXT NOT NULL DEFAULT '',
    check_id        TEXT NOT NULL,
    title           TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    solution        TEXT NOT NULL DEFAULT '',
    refs            TEXT NOT NULL DEFAULT '[]',
    cves            TEXT NOT NULL DEFAULT '',
    cvss_score      DOUBLE PRECISION NOT NULL,
    cvss_vector     TEXT NOT NULL DEFAULT '',
    severity        TEXT NOT NULL,
    severity_rank   INTEGER NOT NULL,
    confidence      INTEGER NOT NULL,
    evidence        TEXT NOT NULL DEFAULT '',
    cpe             TEXT NOT NULL DEFAULT '',
    pci_fail        BOOLEAN NOT NULL,
    pci_auto_fail   BOOLEAN NOT NULL,
    dos_only        BOOLEAN NOT NULL,
    kev             BOOLEAN NOT NULL DEFAULT FALSE,
    epss            DOUBLE PRECISION NOT NULL DEFAULT 0,
    status          TEXT NOT NULL,
    first_seen      BIGINT NOT NULL,
    last_seen       BIGINT NOT NULL,
    fixed_at        BIGINT,
    last_run_id     TEXT NOT NULL,
    scan_id         TEXT NOT NULL,
    target_id       TEXT NOT NULL,
    product         TEXT NOT NULL
);
CREATE INDEX findings_org_ip ON findings (organization_id, ip);
CREATE INDEX findings_org_status ON findings (organization_id, status, severity_rank);
CREATE INDEX findings_org_first_seen ON findings (organization_id, first_seen);
CREATE INDEX findings_scan ON findings (scan_id);
CREATE INDEX findings_target ON findings (target_id);

