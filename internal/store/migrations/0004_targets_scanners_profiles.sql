-- Scan inventory: targets, scanners and scan profiles.

CREATE TABLE targets (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    hosts           TEXT NOT NULL,
    exclude_hosts   TEXT NOT NULL DEFAULT '',
    host_count      BIGINT NOT NULL,
    port_list_id    TEXT,
    product         TEXT NOT NULL,
    tags            TEXT NOT NULL DEFAULT '[]',
    created_by      TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX targets_org_created ON targets (organization_id, created_at);
CREATE INDEX targets_port_list ON targets (port_list_id);

CREATE TABLE scanners (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    app_type        TEXT NOT NULL,
    status          TEXT NOT NULL,
    host            TEXT NOT NULL DEFAULT '',
    port            INTEGER NOT NULL DEFAULT 0,
    path            TEXT NOT NULL DEFAULT '',
    version         TEXT NOT NULL DEFAULT '',
    token_hash      TEXT UNIQUE,
    last_seen_at    BIGINT,
    verified_at     BIGINT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX scanners_org_created ON scanners (organization_id, created_at);

-- Every organization has a built-in scanner from the start (new organizations
-- get theirs from the app layer).
INSERT INTO scanners (id, organization_id, name, description, app_type, status, created_at, updated_at)
SELECT 'b' || SUBSTR(id, 2), id, 'Built-in scanner', 'The in-process Perimeter engine', 'builtin', 'active', created_at, created_at
FROM organizations;

CREATE TABLE scan_profiles (
    id              TEXT PRIMARY KEY,
    organization_id TEXT REFERENCES organizations (id) ON DELETE CASCADE,
    product         TEXT NOT NULL,
    name            TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    engine          TEXT NOT NULL,
    builtin         BOOLEAN NOT NULL DEFAULT FALSE,
    fixed           BOOLEAN NOT NULL DEFAULT FALSE,
    active          BOOLEAN NOT NULL DEFAULT TRUE,
    created_at      BIGINT NOT NULL
);
CREATE INDEX scan_profiles_org ON scan_profiles (organization_id);

INSERT INTO scan_profiles (id, organization_id, product, name, description, engine, builtin, fixed, active, created_at) VALUES
    ('01900000-0000-7000-8001-000000000001', NULL, 'pci', 'PCI ASV', 'PCI DSS external (ASV) scan: all TCP ports and the common UDP services, service detection, every check family and CVE matching. Fixed by the ASV program: cannot be changed.', 'PCI ASV', TRUE, TRUE, TRUE, 1735689600000000),
    ('01900000-0000-7000-8001-000000000002', NULL, 'vrms', 'Discovery', 'Inventory: host discovery, common TCP ports and service detection; no vulnerability checks.', 'Discovery', TRUE, FALSE, TRUE, 1735689600000000),
    ('01900000-0000-7000-8001-000000000003', NULL, 'vrms', 'Full and fast', 'Common TCP ports and common UDP services, service detection, every check family and CVE matching, with safe timing.', 'Full and fast', TRUE, FALSE, TRUE, 1735689600000000),
    ('01900000-0000-7000-8001-000000000004', NULL, 'vrms', 'Full and deep', 'All TCP ports and common UDP services with patient timing and more retries, service detection, every check family and CVE matching.', 'Full and deep', TRUE, FALSE, TRUE, 1735689600000000),
    ('01900000-0000-7000-8001-000000000005', NULL, 'penetration', 'Aggressive', 'All TCP ports as fast as the machine allows, service detection, every check family and CVE matching.', 'Aggressive', TRUE, FALSE, TRUE, 1735689600000000);
