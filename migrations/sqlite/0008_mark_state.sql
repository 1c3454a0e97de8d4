-- mark_state: the digest of the store's whole state (objects, facts, ownership records) as the
-- marking transaction left it, so `drift`, which always reads the store, can tell that what it
-- read is what the mark found converged without parsing the configuration again. Keep in step
-- with the other dialect's file.
ALTER TABLE meta ADD COLUMN mark_state TEXT;
UPDATE meta SET schema_version = 8 WHERE id = 1;
