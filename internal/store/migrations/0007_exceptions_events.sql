-- Exceptions and the event outbox.
--
-- A finding covered by an active exception carries its id and the status it
-- had before (open or reopened), so removing the exception restores it.
ALTER TABLE findings ADD COLUMN exception_id TEXT;
ALTER TABLE findings ADD COLUMN status_before TEXT NOT NULL DEFAULT '';
CREATE INDEX findings_exception ON findings (exception_id);
CREATE INDEX findings_org_check ON findings (organization_id, check_id);

CREATE TABLE exceptions (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    type            TEXT NOT NULL,
    status          TEXT NOT NULL,
    check_id        TEXT NOT NULL,
    host            TEXT NOT NULL DEFAULT '',
    port            INTEGER,
    protocol        TEXT NOT NULL DEFAULT '',
    reason          TEXT NOT NULL,
    expires_at      BIGINT,
    created_by      TEXT NOT NULL DEFAULT '',
    activated_by    TEXT NOT NULL DEFAULT '',
    activated_at    BIGINT,
    expired_at      BIGINT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX exceptions_org_created ON exceptions (organization_id, created_at);
CREATE INDEX exceptions_org_status ON exceptions (organization_id, status, check_id);
CREATE INDEX exceptions_status_expires ON exceptions (status, expires_at);

-- The event outbox: written in the transaction of the change that causes the
-- event; deliveries (webhooks, notifications, e-mail) consume it.
CREATE TABLE events (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    type            TEXT NOT NULL,
    resource_type   TEXT NOT NULL,
    resource_id     TEXT NOT NULL,
    payload         TEXT NOT NULL DEFAULT '{}',
    created_at      BIGINT NOT NULL,
    dispatched_at   BIGINT
);
CREATE INDEX events_org_created ON events (organization_id, created_at);
CREATE INDEX events_pending ON events (dispatched_at, created_at);
