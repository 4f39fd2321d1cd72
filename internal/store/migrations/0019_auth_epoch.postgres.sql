-- Statement triggers: one increment per statement, however many rows. The
-- organization trigger names every column the store reads into a principal
-- (store orgColumns), so that results_version, bumped by every ingest batch,
-- neither empties caches nor makes ingest transactions queue on this row.
-- Subscriptions and plans count too: a plan's api_access decides whether an
-- organization's keys work at all.
CREATE FUNCTION bump_auth_epoch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE auth_epoch SET n = n + 1 WHERE id = 1;
    RETURN NULL;
END $$;
CREATE TRIGGER users_auth_epoch AFTER UPDATE OR DELETE ON users FOR EACH STATEMENT EXECUTE FUNCTION bump_auth_epoch();
CREATE TRIGGER organizations_auth_epoch AFTER UPDATE OF id, parent_id, path, kind, name, description, email, phone, website, address, city, state, zip, country, status, created_at, updated_at OR DELETE ON organizations FOR EACH STATEMENT EXECUTE FUNCTION bump_auth_epoch();
CREATE TRIGGER sessions_auth_epoch AFTER UPDATE OR DELETE ON sessions FOR EACH STATEMENT EXECUTE FUNCTION bump_auth_epoch();
CREATE TRIGGER access_tokens_auth_epoch AFTER UPDATE OR DELETE ON access_tokens FOR EACH STATEMENT EXECUTE FUNCTION bump_auth_epoch();
CREATE TRIGGER api_keys_auth_epoch AFTER UPDATE OF id, organization_id, token_hash, name, prefix, created_by, revoked_at OR DELETE ON api_keys FOR EACH STATEMENT EXECUTE FUNCTION bump_auth_epoch();
CREATE TRIGGER subscriptions_auth_epoch AFTER INSERT OR UPDATE OR DELETE ON subscriptions FOR EACH STATEMENT EXECUTE FUNCTION bump_auth_epoch();
CREATE TRIGGER plans_auth_epoch AFTER INSERT OR UPDATE OR DELETE ON plans FOR EACH STATEMENT EXECUTE FUNCTION bump_auth_epoch();
