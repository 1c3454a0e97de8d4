-- Convergence. `converged` holds the fingerprint (pchat version, plan options, configuration
-- files) of the configuration whose plan against this store an apply found empty, or NULL;
-- `dirty` is 1 when a table a plan reads was written since pchat's last commit. These
-- triggers, on every such table, set `dirty` and clear `converged` on the first write of a
-- transaction, so hand SQL is seen as well as pchat's own writes; pchat's commit resets
-- `dirty`. A plan whose fingerprint is the recorded one answers "no changes" without parsing
-- the files or reading the rows; an apply marks the store converged only when `dirty` shows
-- that the state it planned from is still the store's. Messages are left out: they change no
-- empty plan.
ALTER TABLE meta ADD COLUMN converged TEXT;
ALTER TABLE meta ADD COLUMN dirty INTEGER NOT NULL DEFAULT 0;
CREATE TRIGGER unconverge_pools_insert AFTER INSERT ON pools
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_pools_update AFTER UPDATE ON pools
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_pools_delete AFTER DELETE ON pools
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_pool_servers_insert AFTER INSERT ON pool_servers
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_pool_servers_update AFTER UPDATE ON pool_servers
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_pool_servers_delete AFTER DELETE ON pool_servers
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_active_servers_insert AFTER INSERT ON active_servers
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_active_servers_update AFTER UPDATE ON active_servers
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_active_servers_delete AFTER DELETE ON active_servers
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_states_insert AFTER INSERT ON states
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_states_update AFTER UPDATE ON states
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_states_delete AFTER DELETE ON states
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_principals_insert AFTER INSERT ON principals
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_principals_update AFTER UPDATE ON principals
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_principals_delete AFTER DELETE ON principals
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_principal_members_insert AFTER INSERT ON principal_members
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_principal_members_update AFTER UPDATE ON principal_members
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_principal_members_delete AFTER DELETE ON principal_members
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_categories_insert AFTER INSERT ON categories
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_categories_update AFTER UPDATE ON categories
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_categories_delete AFTER DELETE ON categories
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_category_principals_insert AFTER INSERT ON category_principals
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_category_principals_update AFTER UPDATE ON category_principals
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_category_principals_delete AFTER DELETE ON category_principals
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_addins_insert AFTER INSERT ON addins
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_addins_update AFTER UPDATE ON addins
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_addins_delete AFTER DELETE ON addins
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_rooms_insert AFTER INSERT ON rooms
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_rooms_update AFTER UPDATE ON rooms
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_rooms_delete AFTER DELETE ON rooms
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_room_principals_insert AFTER INSERT ON room_principals
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_room_principals_update AFTER UPDATE ON room_principals
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_room_principals_delete AFTER DELETE ON room_principals
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_policies_insert AFTER INSERT ON policies
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_policies_update AFTER UPDATE ON policies
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_policies_delete AFTER DELETE ON policies
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_policy_grants_insert AFTER INSERT ON policy_grants
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_policy_grants_update AFTER UPDATE ON policy_grants
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_policy_grants_delete AFTER DELETE ON policy_grants
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_compliance_configurations_insert AFTER INSERT ON compliance_configurations
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_compliance_configurations_update AFTER UPDATE ON compliance_configurations
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_compliance_configurations_delete AFTER DELETE ON compliance_configurations
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_configurations_insert AFTER INSERT ON configurations
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_configurations_update AFTER UPDATE ON configurations
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_configurations_delete AFTER DELETE ON configurations
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_endpoints_insert AFTER INSERT ON endpoints
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_endpoints_update AFTER UPDATE ON endpoints
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_endpoints_delete AFTER DELETE ON endpoints
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_ownership_insert AFTER INSERT ON ownership
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_ownership_update AFTER UPDATE ON ownership
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
CREATE TRIGGER unconverge_ownership_delete AFTER DELETE ON ownership
    WHEN (SELECT dirty FROM meta WHERE id = 1) = 0
    BEGIN UPDATE meta SET dirty = 1, converged = NULL WHERE id = 1; END;
UPDATE meta SET schema_version = 4 WHERE id = 1;
