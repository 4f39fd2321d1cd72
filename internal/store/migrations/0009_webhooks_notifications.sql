-- Webhooks and their deliveries, in-app notifications, notification
-- preferences and e-mail messages: what the event outbox (0007) fans out to.

CREATE TABLE webhooks (
    id                 TEXT PRIMARY KEY,
    organization_id    TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name               TEXT NOT NULL,
    url                TEXT NOT NULL,
    events             TEXT NOT NULL DEFAULT '[]',
    secret_sealed      TEXT NOT NULL,
    active             BOOLEAN NOT NULL DEFAULT TRUE,
    failing_since      BIGINT,
    deactivated_reason TEXT NOT NULL DEFAULT '',
    created_by         TEXT NOT NULL DEFAULT '',
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);
CREATE INDEX webhooks_org_created ON webhooks (organization_id, created_at);

-- One row per (webhook, event): the dispatcher may run twice for an event
-- without sending it twice. The id is the X-CG-Hook-Delivery header, and
-- request_body the exact bytes every attempt sends.
CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    webhook_id      TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id        TEXT NOT NULL,
    event_type      TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    request_body    TEXT NOT NULL,
    response_status INTEGER NOT NULL DEFAULT 0,
    duration_us     BIGINT NOT NULL DEFAULT 0,
    error           TEXT NOT NULL DEFAULT '',
    next_attempt_at BIGINT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    finished_at     BIGINT,
    UNIQUE (webhook_id, event_id)
);
CREATE INDEX webhook_deliveries_hook_created ON webhook_deliveries (webhook_id, created_at);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);

-- Every request of a delivery and what came back (response body cut at 64 KiB).
CREATE TABLE webhook_attempts (
    delivery_id        TEXT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt            INTEGER NOT NULL,
    organization_id    TEXT NOT NULL,
    request_headers    TEXT NOT NULL DEFAULT '{}',
    response_status    INTEGER NOT NULL DEFAULT 0,
    response_headers   TEXT NOT NULL DEFAULT '{}',
    response_body      TEXT NOT NULL DEFAULT '',
    response_truncated BOOLEAN NOT NULL DEFAULT FALSE,
    duration_us        BIGINT NOT NULL DEFAULT 0,
    error              TEXT NOT NULL DEFAULT '',
    started_at         BIGINT NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
);

CREATE TABLE notifications (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    event_id        TEXT NOT NULL,
    type            TEXT NOT NULL,
    title           TEXT NOT NULL,
    body            TEXT NOT NULL DEFAULT '',
    resource_type   TEXT NOT NULL DEFAULT '',
    resource_id     TEXT NOT NULL DEFAULT '',
    data            TEXT NOT NULL DEFAULT '{}',
    read_at         BIGINT,
    seen_at         BIGINT,
    created_at      BIGINT NOT NULL,
    UNIQUE (user_id, event_id)
);
CREATE INDEX notifications_user_created ON notifications (user_id, organization_id, created_at);

-- A user's choice for one event and channel; absent rows mean the default.
CREATE TABLE notification_preferences (
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    event      TEXT NOT NULL,
    channel    TEXT NOT NULL,
    enabled    BOOLEAN NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, event, channel)
);

-- An e-mail to send (one per user and event), with how it went.
CREATE TABLE email_messages (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    event_id        TEXT NOT NULL,
    to_address      TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    error           TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    sent_at         BIGINT,
    UNIQUE (user_id, event_id)
);
