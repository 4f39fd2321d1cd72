-- Ingest writes tens of thousands of findings and occurrences a second; a
-- foreign key costs PostgreSQL a lookup trigger per inserted row (measured: it
-- triples the cost of an occurrence insert). The store writes these rows only
-- in the transaction that holds their run, finding and organization, so the
-- row checks are dropped and the cascades they gave become statement-level
-- triggers: one set-based DELETE per statement, however many rows it removes.
-- (SQLite keeps its foreign keys: there a check is a cheap index probe.)
ALTER TABLE finding_occurrences DROP CONSTRAINT IF EXISTS finding_occurrences_run_id_fkey;
ALTER TABLE finding_occurrences DROP CONSTRAINT IF EXISTS finding_occurrences_finding_id_fkey;
ALTER TABLE findings DROP CONSTRAINT IF EXISTS findings_organization_id_fkey;

-- cascade_delete(child table, child column) deletes the child rows whose
-- column holds the id of a deleted row of the trigger's table.
CREATE FUNCTION cascade_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('DELETE FROM %I WHERE %I IN (SELECT id FROM gone)', TG_ARGV[0], TG_ARGV[1]);
    RETURN NULL;
END $$;
CREATE TRIGGER scan_runs_cascade_occurrences AFTER DELETE ON scan_runs
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION cascade_delete('finding_occurrences', 'run_id');
CREATE TRIGGER findings_cascade_occurrences AFTER DELETE ON findings
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION cascade_delete('finding_occurrences', 'finding_id');
CREATE TRIGGER organizations_cascade_findings AFTER DELETE ON organizations
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION cascade_delete('findings', 'organization_id');
