-- Plans deleted while ended subscriptions still refer to them are archived
-- (hidden, not subscribable) rather than removed, so subscription history keeps
-- its plan. A user's current organization (PUT /v2/organizations/change) is one
-- they may act in: their own (organization_id, the "home" organization) or one
-- it manages; NULL means the home organization.
ALTER TABLE plans ADD COLUMN archived_at BIGINT;
ALTER TABLE users ADD COLUMN current_organization_id TEXT REFERENCES organizations (id) ON DELETE SET NULL;
