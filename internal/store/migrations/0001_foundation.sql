-- Foundation: tenancy, users, credentials, audit. Portable SQL for SQLite and
-- PostgreSQL: TEXT ids (UUIDv7), BIGINT unix-microsecond times, TEXT JSON.

CREATE TABLE organizations (
    id          TEXT PRIMARY KEY,
    parent_id   TEXT REFERENCES organizations (id) ON DELETE RESTRICT,
    path        TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    email       TEXT NOT NULL DEFAULT '',
    phone       TEXT NOT NULL DEFAULT '',
    website     TEXT NOT NULL DEFAULT '',
    address     TEXT NOT NULL DEFAULT '',
    city        TEXT NOT NULL DEFAULT '',
    state       TEXT NOT NULL DEFAULT '',
    zip         TEXT NOT NULL DEFAULT '',
    country     TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL DEFAULT 'active',
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX organizations_parent ON organizations (parent_id);
CREATE UNIQUE INDEX organizations_one_platform ON organizations (kind) WHERE kind = 'platform';

CREATE TABLE products (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT ''
);

CREATE TABLE plans (
    id          TEXT PRIMARY KEY,
    product     TEXT NOT NULL REFERENCES products (id),
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    features    TEXT NOT NULL DEFAULT '{}',
    is_default  BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    UNIQUE (product, name)
);
CREATE UNIQUE INDEX plans_one_default ON plans (product) WHERE is_default;

CREATE TABLE subscriptions (
    id               TEXT PRIMARY KEY,
    organization_id  TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    plan_id          TEXT NOT NULL REFERENCES plans (id),
    product          TEXT NOT NULL,
    billing_interval TEXT NOT NULL,
    status           TEXT NOT NULL,
    start_date       BIGINT NOT NULL,
    end_date         BIGINT,
    features         TEXT NOT NULL DEFAULT '{}',
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX subscriptions_org ON subscriptions (organization_id, created_at);
CREATE UNIQUE INDEX subscriptions_one_active ON subscriptions (organization_id, product) WHERE status = 'active';

CREATE TABLE users (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    email           TEXT NOT NULL UNIQUE,
    first_name      TEXT NOT NULL,
    last_name       TEXT NOT NULL,
    role            TEXT NOT NULL,
    phone           TEXT NOT NULL DEFAULT '',
    timezone        TEXT NOT NULL DEFAULT '',
    locale          TEXT NOT NULL DEFAULT '',
    product         TEXT NOT NULL DEFAULT '',
    partner         BOOLEAN NOT NULL DEFAULT FALSE,
    password_hash   TEXT NOT NULL DEFAULT '',
    confirmed_at    BIGINT,
    last_sign_in_at BIGINT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX users_org_created ON users (organization_id, created_at, id);

CREATE TABLE api_keys (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    token_hash      TEXT NOT NULL UNIQUE,
    prefix          TEXT NOT NULL,
    created_by      TEXT,
    created_at      BIGINT NOT NULL,
    last_used_at    BIGINT,
    revoked_at      BIGINT
);
CREATE INDEX api_keys_org ON api_keys (organization_id);

CREATE TABLE sessions (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash      TEXT NOT NULL UNIQUE,
    impersonator_id TEXT,
    ip              TEXT NOT NULL DEFAULT '',
    user_agent      TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    revoked_at      BIGINT
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE access_tokens (
    user_id      TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT
);

-- Single-use, expiring tokens: confirmation, password reset, invitation, SSO link.
CREATE TABLE one_time_tokens (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX one_time_tokens_user ON one_time_tokens (user_id, purpose);
CREATE INDEX one_time_tokens_expires ON one_time_tokens (expires_at);

-- Failed sign-ins per username, known or not, so lockout never reveals which
-- usernames exist.
CREATE TABLE sign_in_attempts (
    username      TEXT PRIMARY KEY,
    failures      INTEGER NOT NULL,
    window_start  BIGINT NOT NULL,
    locked_until  BIGINT,
    updated_at    BIGINT NOT NULL
);

-- Append-only. No foreign keys: the record outlives what it describes.
CREATE TABLE audit_events (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL,
    actor_id        TEXT NOT NULL DEFAULT '',
    actor_email     TEXT NOT NULL DEFAULT '',
    impersonator_id TEXT NOT NULL DEFAULT '',
    action          TEXT NOT NULL,
    resource_type   TEXT NOT NULL DEFAULT '',
    resource_id     TEXT NOT NULL DEFAULT '',
    changes         TEXT NOT NULL DEFAULT '{}',
    ip              TEXT NOT NULL DEFAULT '',
    user_agent      TEXT NOT NULL DEFAULT '',
    request_id      TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL
);
CREATE INDEX audit_events_org_created ON audit_events (organization_id, created_at);
CREATE INDEX audit_events_resource ON audit_events (resource_type, resource_id);

INSERT INTO products (id, name, description) VALUES
    ('pci', 'PCI ASV', 'External vulnerability scanning for PCI DSS (ASV) compliance'),
    ('vrms', 'VRMS', 'Vulnerability and risk management scanning'),
    ('penetration', 'Penetration', 'Penetration testing scans');

-- One default plan per product. Generous limits: this is self-hosted, and the
-- operator tunes plans for the customers they sell to.
INSERT INTO plans (id, product, name, description, features, is_default, created_at, updated_at) VALUES
    ('01900000-0000-7000-8000-000000000001', 'pci', 'PCI Standard', 'Default PCI ASV plan', '{"max_ips":65536,"rescans":"unlimited"}', TRUE, 1735689600000000, 1735689600000000),
    ('01900000-0000-7000-8000-000000000002', 'vrms', 'VRMS Standard', 'Default VRMS plan', '{"max_ips":65536,"rescans":"unlimited"}', TRUE, 1735689600000000, 1735689600000000),
    ('01900000-0000-7000-8000-000000000003', 'penetration', 'Penetration Standard', 'Default penetration testing plan', '{"max_ips":65536,"rescans":"unlimited"}', TRUE, 1735689600000000, 1735689600000000);
