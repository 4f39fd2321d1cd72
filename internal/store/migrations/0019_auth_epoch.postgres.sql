-- Deferred row triggers: the counter moves when the transaction commits, as
-- its last write. Taking that row's lock last means a transaction never
-- holds it while it waits for another lock, so two transactions cannot
-- deadlock on it (statement triggers, which take it after each statement,
-- did under concurrent subscribes); and the new value becomes visible exactly
-- when the change does. The organization trigger names every column the
-- store reads into a principal (store orgColumns), so that results_version,
-- bumped by every ingest batch, neither empties caches nor queues ingest on
-- this row. Subscriptions and plans count too: a plan's api_access decides
-- whether an organization's keys work at all.
CREATE FUNCTION bump_auth_epoch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE auth_epoch SET n = n + 1 WHERE id = 1;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER users_auth_epoch AFTER UPDATE OR DELETE ON users DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_auth_epoch();
CREATE CONSTRAINT TRIGGER organizations_auth_epoch AFTER UPDATE OF id, parent_id, path, kind, name, description, email, phone, website, address, city, state, zip, country, status, created_at, updated_at OR DELETE ON organizations DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_auth_epoch();
CREATE CONSTRAINT TRIGGER sessions_auth_epoch AFTER UPDATE OR DELETE ON sessions DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_auth_epoch();
CREATE CONSTRAINT TRIGGER access_tokens_auth_epoch AFTER UPDATE OR DELETE ON access_tokens DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_auth_epoch();
CREATE CONSTRAINT TRIGGER api_keys_auth_epoch AFTER UPDATE OF id, organization_id, token_hash, name, prefix, created_by, revoked_at OR DELETE ON api_keys DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_auth_epoch();
CREATE CONSTRAINT TRIGGER subscriptions_auth_epoch AFTER INSERT OR UPDATE OR DELETE ON subscriptions DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_auth_epoch();
CREATE CONSTRAINT TRIGGER plans_auth_epoch AFTER INSERT OR UPDATE OR DELETE ON plans DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_auth_epoch();
