-- What the convergence mark needs to answer exactly (issue: no shortcut may say "no changes"
-- when the full plan has some). Keep in step with ../postgres.
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
CREATE TRIGGER unconverge_declared_previous_insert AFTER INSERT ON declared_previous
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_declared_previous_update AFTER UPDATE ON declared_previous
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_declared_previous_delete AFTER DELETE ON declared_previous
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
-- mark_signal: what proves no write landed since the mark even where triggers were bypassed
-- (`.dbconfig enable_trigger off`, a dropped trigger): here the database file's modification
-- time, which pchat sets when it closes the store it marked (`store::signal`).
ALTER TABLE meta ADD COLUMN mark_signal TEXT;
-- store_id: which store this is, so a saved plan applied to another store is refused as such.
ALTER TABLE meta ADD COLUMN store_id TEXT;
UPDATE meta SET store_id = lower(hex(randomblob(16))) WHERE id = 1;
-- Records made before this version lack previous names: they are made anew at the next mark.
DELETE FROM declared_files;
DELETE FROM declarations;
UPDATE meta SET converged = NULL, schema_version = 7 WHERE id = 1;
