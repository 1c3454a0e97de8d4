-- Names are unique without regard to case, as on the service (its SQL store compares them so):
-- `HelpDesk` and `helpdesk` are one category. pchat folds every letter before it writes; these
-- indexes hold hand-written SQL to the same rule (for ASCII letters at least on SQLite).
CREATE UNIQUE INDEX categories_name_nocase ON categories (lower(pool), lower(name));
CREATE UNIQUE INDEX addins_name_nocase ON addins (lower(pool), lower(name));
CREATE UNIQUE INDEX rooms_name_nocase ON rooms (lower(pool), lower(name));
CREATE UNIQUE INDEX policies_identity_nocase ON policies (lower(identity));
CREATE UNIQUE INDEX compliance_identity_nocase ON compliance_configurations (lower(identity));
CREATE UNIQUE INDEX configurations_identity_nocase ON configurations (lower(identity));
-- Principals compare without regard to case too (SIP addresses, distinguished names): their
-- keys are folded. A key is copied first so the members that name it never point nowhere.
INSERT INTO principals (principal_key, principal_type, sip_address, distinguished_name,
    display_name, site, enabled)
    SELECT lower(principal_key), principal_type, sip_address, distinguished_name, display_name,
        site, enabled
    FROM principals WHERE principal_key <> lower(principal_key);
UPDATE principal_members SET principal_key = lower(principal_key);
DELETE FROM principals WHERE principal_key <> lower(principal_key);
UPDATE policy_grants SET user_key = lower(user_key);
UPDATE endpoints SET sip_key = lower(sip_key);
UPDATE ownership SET identity = lower(identity)
    WHERE kind IN ('principals', 'policyGrants', 'endpoints');
-- Where a recorded change came from: an apply of a plan, or a live snapshot loaded.
ALTER TABLE applies ADD COLUMN source TEXT NOT NULL DEFAULT 'apply';
UPDATE meta SET schema_version = 3 WHERE id = 1;
