-- pchat store, schema version 1 (SQLite). Keep in step with ../postgres/0001_init.sql.
-- Ids are assigned by pchat under the writer lock (max + 1), so bulk inserts need no RETURNING.
-- List tables are WITHOUT ROWID: clustered by owner, so reading a room's lists is one range scan.

CREATE TABLE meta (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    schema_version INTEGER NOT NULL,
    revision INTEGER NOT NULL
);
INSERT INTO meta (id, schema_version, revision) VALUES (1, 1, 0);

CREATE TABLE pools (
    fqdn TEXT PRIMARY KEY,
    site TEXT
);
CREATE TABLE pool_servers (
    pool TEXT NOT NULL REFERENCES pools (fqdn) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    server TEXT NOT NULL,
    PRIMARY KEY (pool, position)
) WITHOUT ROWID;
CREATE TABLE active_servers (
    pool TEXT NOT NULL REFERENCES pools (fqdn) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    server TEXT NOT NULL,
    PRIMARY KEY (pool, position)
) WITHOUT ROWID;
CREATE TABLE states (
    pool TEXT PRIMARY KEY REFERENCES pools (fqdn) ON DELETE CASCADE,
    pool_state TEXT NOT NULL
);

CREATE TABLE principals (
    principal_key TEXT PRIMARY KEY,
    principal_type TEXT NOT NULL,
    sip_address TEXT,
    distinguished_name TEXT,
    display_name TEXT,
    site TEXT,
    enabled BOOLEAN NOT NULL
);
CREATE TABLE principal_members (
    principal_key TEXT NOT NULL REFERENCES principals (principal_key) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    member TEXT NOT NULL,
    PRIMARY KEY (principal_key, position)
) WITHOUT ROWID;

CREATE TABLE categories (
    id INTEGER PRIMARY KEY,
    pool TEXT NOT NULL REFERENCES pools (fqdn),
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    invitations BOOLEAN NOT NULL,
    file_upload BOOLEAN NOT NULL,
    chat_history BOOLEAN NOT NULL,
    UNIQUE (pool, name)
);
-- role: allowed, denied, creator
CREATE TABLE category_principals (
    category_id INTEGER NOT NULL REFERENCES categories (id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    position INTEGER NOT NULL,
    principal TEXT NOT NULL,
    PRIMARY KEY (category_id, role, position)
) WITHOUT ROWID;

CREATE TABLE addins (
    id INTEGER PRIMARY KEY,
    pool TEXT NOT NULL REFERENCES pools (fqdn),
    name TEXT NOT NULL,
    url TEXT NOT NULL,
    UNIQUE (pool, name)
);

CREATE TABLE rooms (
    id INTEGER PRIMARY KEY,
    pool TEXT NOT NULL REFERENCES pools (fqdn),
    name TEXT NOT NULL,
    category_id INTEGER NOT NULL REFERENCES categories (id),
    description TEXT NOT NULL,
    room_type TEXT NOT NULL,
    privacy TEXT NOT NULL,
    addin_id INTEGER REFERENCES addins (id),
    invitations TEXT NOT NULL,
    disabled BOOLEAN NOT NULL,
    UNIQUE (pool, name)
);
CREATE INDEX rooms_category ON rooms (category_id);
CREATE INDEX rooms_addin ON rooms (addin_id);
-- role: member, manager, presenter
CREATE TABLE room_principals (
    room_id INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    position INTEGER NOT NULL,
    principal TEXT NOT NULL,
    PRIMARY KEY (room_id, role, position)
) WITHOUT ROWID;

CREATE TABLE policies (
    identity TEXT PRIMARY KEY,
    enable_persistent_chat BOOLEAN NOT NULL,
    description TEXT NOT NULL
);
INSERT INTO policies (identity, enable_persistent_chat, description) VALUES ('global', FALSE, '');
CREATE TABLE policy_grants (
    user_key TEXT PRIMARY KEY,
    identity TEXT NOT NULL,
    policy TEXT NOT NULL REFERENCES policies (identity)
);

CREATE TABLE compliance_configurations (
    identity TEXT PRIMARY KEY,
    adapter_type TEXT NOT NULL,
    adapter_name TEXT NOT NULL,
    adapter_output_directory TEXT NOT NULL,
    run_interval_seconds INTEGER NOT NULL,
    one_chat_room_per_output_file BOOLEAN NOT NULL,
    add_chat_room_details BOOLEAN NOT NULL,
    add_user_details BOOLEAN NOT NULL,
    create_file_attachments_manifest BOOLEAN NOT NULL,
    custom_configuration TEXT NOT NULL
);
INSERT INTO compliance_configurations VALUES ('global', '', '', '', 900, FALSE, FALSE, FALSE, FALSE, '');

CREATE TABLE configurations (
    identity TEXT PRIMARY KEY,
    default_chat_history INTEGER NOT NULL,
    participant_update_limit INTEGER NOT NULL,
    max_file_size_kb INTEGER NOT NULL,
    room_management_url TEXT
);
INSERT INTO configurations VALUES ('global', 30, 75, 20000, NULL);

CREATE TABLE endpoints (
    sip_key TEXT PRIMARY KEY,
    sip_address TEXT NOT NULL,
    pool TEXT NOT NULL REFERENCES pools (fqdn),
    display_name TEXT,
    is_default BOOLEAN NOT NULL
);

CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    room_id INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    sender TEXT NOT NULL,
    posted_at INTEGER NOT NULL, -- microseconds since 1970-01-01 UTC
    body TEXT NOT NULL
);
CREATE INDEX messages_room_time ON messages (room_id, posted_at);

-- Objects the declarative apply manages (created by it, or taken over by `pchat adopt`), and
-- whether their configuration protects them from removal (remembered for when it is gone).
CREATE TABLE ownership (
    kind TEXT NOT NULL,
    identity TEXT NOT NULL,
    protected BOOLEAN NOT NULL DEFAULT FALSE,
    since_revision INTEGER NOT NULL,
    PRIMARY KEY (kind, identity)
);

CREATE TABLE applies (
    id INTEGER PRIMARY KEY,
    applied_at INTEGER NOT NULL, -- microseconds since 1970-01-01 UTC
    actor TEXT NOT NULL,
    git_commit TEXT,
    config_digest TEXT NOT NULL,
    revision INTEGER NOT NULL,
    operation_count INTEGER NOT NULL,
    operations TEXT NOT NULL
);
