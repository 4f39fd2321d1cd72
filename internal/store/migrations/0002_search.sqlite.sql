-- Trigram indexes for case-insensitive "contains" filters (q[email]=…) on large
-- tables. FTS5 external-content tables mirror the searched columns by rowid and
-- are kept in step by triggers. (The store never VACUUMs: that could renumber
-- rowids of tables with TEXT primary keys and desynchronise the mirror.)
CREATE VIRTUAL TABLE users_search USING fts5(email, content='users', content_rowid='rowid', tokenize='trigram case_sensitive 0');
INSERT INTO users_search(users_search) VALUES ('rebuild');
CREATE TRIGGER users_search_ai AFTER INSERT ON users BEGIN INSERT INTO users_search(rowid, email) VALUES (new.rowid, new.email); END;
CREATE TRIGGER users_search_ad AFTER DELETE ON users BEGIN INSERT INTO users_search(users_search, rowid, email) VALUES ('delete', old.rowid, old.email); END;
CREATE TRIGGER users_search_au AFTER UPDATE OF email ON users BEGIN INSERT INTO users_search(users_search, rowid, email) VALUES ('delete', old.rowid, old.email); INSERT INTO users_search(rowid, email) VALUES (new.rowid, new.email); END;
