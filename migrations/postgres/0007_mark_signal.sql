-- What the convergence mark needs to answer exactly (issue: no shortcut may say "no changes"
-- when the full plan has some). Keep in step with ../sqlite.
-- declared_previous: the previous names each file declared when the store was marked, so a
-- plan that parses only the changed files still sees a new object take a name another file
-- renames from, or two files claim one previous name (the full path refuses both).
CREATE TABLE declared_previous (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    file TEXT NOT NULL,
    PRIMARY KEY (kind, key, file)
);
CREATE INDEX declared_previous_file ON declared_previous (file);
CREATE TRIGGER unconverge AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON declared_previous
    FOR EACH STATEMENT EXECUTE FUNCTION pchat_unconverge();
-- mark_signal: what proves no write landed since the mark even where triggers were bypassed
-- (`session_replication_role = replica`, `DISABLE TRIGGER ALL`): the marking transaction's id,
-- the snapshot it began with and the row count of each table a plan reads (`store::signal`).
ALTER TABLE meta ADD COLUMN mark_signal TEXT;
-- store_id: which store this is, so a saved plan applied to another store is refused as such.
ALTER TABLE meta ADD COLUMN store_id TEXT;
UPDATE meta SET store_id = md5(random()::text || clock_timestamp()::text) WHERE id = 1;
-- Records made before this version lack previous names: they are made anew at the next mark.
-- This is pchat's own write (the mark is cleared here), not hand SQL for the triggers to count.
SET LOCAL pchat.writer = 'on';
DELETE FROM declared_files;
DELETE FROM declarations;
UPDATE meta SET converged = NULL, schema_version = 7 WHERE id = 1;
