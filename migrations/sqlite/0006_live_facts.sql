-- What a real server's snapshot says beside its objects (`pchat live load` rewrites both
-- tables whole; a plan reads them with the live state). Keep in step with ../postgres.
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
    room_id INTEGER PRIMARY KEY REFERENCES rooms (id) ON DELETE CASCADE
);
CREATE TRIGGER unconverge_live_unknown_insert AFTER INSERT ON live_unknown
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_live_unknown_update AFTER UPDATE ON live_unknown
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_live_unknown_delete AFTER DELETE ON live_unknown
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_live_chat_content_insert AFTER INSERT ON live_chat_content
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_live_chat_content_update AFTER UPDATE ON live_chat_content
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_live_chat_content_delete AFTER DELETE ON live_chat_content
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
UPDATE meta SET schema_version = 6 WHERE id = 1;
