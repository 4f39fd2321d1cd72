-- A finding is covered by an exception rarely, and every reader of
-- exception_id asks for a value (= ?, IN (…), IS NOT NULL): the index needs
-- only covered findings, so ingesting new findings (exception_id NULL) no
-- longer writes to it.
DROP INDEX findings_exception;
CREATE INDEX findings_exception ON findings (exception_id) WHERE exception_id IS NOT NULL;
