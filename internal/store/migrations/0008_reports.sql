-- Reports: one per finished run, and saved cross-scan report definitions;
-- their generated files (one per type and format, replaced on regeneration);
-- and the white-label settings reports are branded with.

CREATE TABLE reports (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    run_id          TEXT NOT NULL UNIQUE REFERENCES scan_runs (id) ON DELETE CASCADE,
    scan_id         TEXT NOT NULL,
    target_id       TEXT NOT NULL,
    product         TEXT NOT NULL,
    name            TEXT NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE INDEX reports_org_created ON reports (organization_id, created_at);
CREATE INDEX reports_scan ON reports (scan_id);

CREATE TABLE advanced_reports (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    filters         TEXT NOT NULL DEFAULT '{}',
    sections        TEXT NOT NULL DEFAULT '[]',
    format          TEXT NOT NULL,
    created_by      TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX advanced_reports_org_created ON advanced_reports (organization_id, created_at);

-- A generated file of a report or of an advanced report. blob_key names the
-- complete file in the blob store; it changes only when a new generation is
-- complete, so a download never sees a partial file. token identifies the
-- generation job that may write the row (a retried or duplicate job whose
-- token no longer matches does nothing).
CREATE TABLE report_files (
    id                 TEXT PRIMARY KEY,
    organization_id    TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    report_id          TEXT REFERENCES reports (id) ON DELETE CASCADE,
    advanced_report_id TEXT REFERENCES advanced_reports (id) ON DELETE CASCADE,
    type               TEXT NOT NULL,
    format             TEXT NOT NULL,
    status             TEXT NOT NULL,
    error              TEXT NOT NULL DEFAULT '',
    token              TEXT NOT NULL,
    attempt            INTEGER NOT NULL DEFAULT 0,
    blob_key           TEXT NOT NULL DEFAULT '',
    size               BIGINT NOT NULL DEFAULT 0,
    sha256             TEXT NOT NULL DEFAULT '',
    requested_by       TEXT NOT NULL DEFAULT '',
    requested_at       BIGINT NOT NULL,
    heartbeat_at       BIGINT,
    generated_at       BIGINT,
    UNIQUE (report_id, type, format),
    UNIQUE (advanced_report_id, type, format)
);
CREATE INDEX report_files_status_heartbeat ON report_files (status, heartbeat_at);

-- Blobs whose rows are gone (a report deleted with its scan) are removed by a
-- periodic sweep; rows here are blobs awaiting deletion.
CREATE TABLE blob_garbage (
    blob_key        TEXT PRIMARY KEY,
    created_at      BIGINT NOT NULL
);

CREATE TABLE whitelabel_settings (
    organization_id TEXT PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    company_name    TEXT NOT NULL DEFAULT '',
    logo            TEXT NOT NULL DEFAULT '',
    logo_type       TEXT NOT NULL DEFAULT '',
    primary_color   TEXT NOT NULL DEFAULT '',
    secondary_color TEXT NOT NULL DEFAULT '',
    support_email   TEXT NOT NULL DEFAULT '',
    support_url     TEXT NOT NULL DEFAULT '',
    custom_domain   TEXT NOT NULL DEFAULT '',
    email_from      TEXT NOT NULL DEFAULT '',
    footer_text     TEXT NOT NULL DEFAULT '',
    updated_by      TEXT NOT NULL DEFAULT '',
    updated_at      BIGINT NOT NULL
);
CREATE UNIQUE INDEX whitelabel_custom_domain ON whitelabel_settings (custom_domain) WHERE custom_domain <> '';
