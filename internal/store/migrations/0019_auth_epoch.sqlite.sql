-- Row triggers (SQLite has no statement triggers). The organization trigger
-- names every column the store reads into a principal (store orgColumns), so
-- that results_version, bumped by every ingest batch, does not empty caches.
-- Subscriptions and plans count too: a plan's api_access decides whether an
-- organization's keys work at all.
CREATE TRIGGER auth_epoch_users_u AFTER UPDATE ON users BEGIN UPDATE auth_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER auth_epoch_users_d AFTER DELETE ON users BEGIN UPDATE auth_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER auth_epoch_orgs_u AFTER UPDATE OF id, parent_id, path, kind, name, description, email, phone, website, address, city, state, zip, country, status, created_at, updated_at ON organizations BEGIN UPDATE auth_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER auth_epoch_orgs_d AFTER DELETE ON organizations BEGIN UPDATE auth_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER auth_epoch_sessions_u AFTER UPDATE ON sessions BEGIN UPDATE auth_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER auth_epoch_sessions_d AFTER DELETE ON sessions BEGIN UPDATE auth_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER auth_epoch_tokens_u AFTER UPDATE ON access_tokens BEGIN UPDATE auth_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER auth_epoch_tokens_d AFTER DELETE ON access_tokens BEGIN UPDATE auth_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER auth_epoch_keys_u AFTER UPDATE OF id, organization_id, token_hash, name, prefix, created_by, revoked_at ON api_keys BEGIN UPDATE auth_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER auth_epoch_keys_d AFTER DELETE ON api_keys BEGIN UPDATE auth_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER auth_epoch_subs_i AFTER INSERT ON subscriptions BEGIN UPDATE auth_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER auth_epoch_subs_u AFTER UPDATE ON subscriptions BEGIN UPDATE auth_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER auth_epoch_subs_d AFTER DELETE ON subscriptions BEGIN UPDATE auth_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER auth_epoch_plans_i AFTER INSERT ON plans BEGIN UPDATE auth_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER auth_epoch_plans_u AFTER UPDATE ON plans BEGIN UPDATE auth_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER auth_epoch_plans_d AFTER DELETE ON plans BEGIN UPDATE auth_epoch SET n = n + 1 WHERE id = 1; END;
