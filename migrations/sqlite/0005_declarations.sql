-- What the configuration declared when the store was last marked converged, file by file:
-- each file's digest, and which file declared each object (`key` is the identity folded to
-- lower case, `identity` as declared). A plan of a configuration that differs from the marked
-- one in a few files parses only those and reads only the rows their objects concern. These
-- are pchat's own records, rewritten at each mark for the files that changed, and trusted only
-- while the mark stands.
CREATE TABLE declared_files (
    file TEXT PRIMARY KEY,
    digest TEXT NOT NULL
);
CREATE TABLE declarations (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    identity TEXT NOT NULL,
    file TEXT NOT NULL,
    PRIMARY KEY (kind, key)
);
CREATE INDEX declarations_file ON declarations (file);
-- Hand SQL on them ends the mark, as on the tables a plan reads (migration 4); pchat's own
-- writes, made with the mark, keep it (`commit_write`, `commit_mark`).
CREATE TRIGGER unconverge_declared_files_insert AFTER INSERT ON declared_files
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_declared_files_update AFTER UPDATE ON declared_files
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_declared_files_delete AFTER DELETE ON declared_files
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_declarations_insert AFTER INSERT ON declarations
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_declarations_update AFTER UPDATE ON declarations
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_declarations_delete AFTER DELETE ON declarations
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
UPDATE meta SET schema_version = 5 WHERE id = 1;
