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
-- writes (`pchat.writer`) keep it.
CREATE TRIGGER unconverge AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON declared_files
    FOR EACH STATEMENT EXECUTE FUNCTION pchat_unconverge();
CREATE TRIGGER unconverge AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON declarations
    FOR EACH STATEMENT EXECUTE FUNCTION pchat_unconverge();
UPDATE meta SET schema_version = 5 WHERE id = 1;
