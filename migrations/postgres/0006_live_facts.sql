-- What a real server's snapshot says beside its objects (`pchat live load` rewrites both
-- tables whole; a plan reads them with the live state). Keep in step with ../sqlite.
-- live_unknown: a field the snapshot could not read, never compared; `identity` '' means every
-- object of the kind (a principal's `members`), else one object (a pool's active servers).
CREATE TABLE live_unknown (
    kind TEXT NOT NULL,
    identity TEXT NOT NULL,
    field TEXT NOT NULL,
    why TEXT NOT NULL,
    PRIMARY KEY (kind, identity, field)
);
-- Rooms the server reports chat content for: removing one destroys history.
CREATE TABLE live_chat_content (
    room_id BIGINT PRIMARY KEY REFERENCES rooms (id) ON DELETE CASCADE
);
CREATE TRIGGER unconverge AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON live_unknown
    FOR EACH STATEMENT EXECUTE FUNCTION pchat_unconverge();
CREATE TRIGGER unconverge AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON live_chat_content
    FOR EACH STATEMENT EXECUTE FUNCTION pchat_unconverge();
UPDATE meta SET schema_version = 6 WHERE id = 1;
