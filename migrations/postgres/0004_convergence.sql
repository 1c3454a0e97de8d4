-- Convergence. `converged` holds the fingerprint (pchat version, plan options, configuration
-- files) of the configuration whose plan against this store an apply found empty, or NULL.
-- `dirty` counts the statements written by hand (not by pchat, whose write transactions set
-- `pchat.writer`) to a table a plan reads since pchat's last commit, which resets it. These
-- statement triggers, on every such table, bump it and clear `converged`, so hand SQL is seen;
-- pchat's commit sets the mark only when `dirty` is still what the apply saw when it began, so
-- a hand write that commits meanwhile is seen too. A plan whose fingerprint is the recorded one
-- answers "no changes" without parsing the files or reading the rows. Messages are left out:
-- they change no empty plan.
ALTER TABLE meta ADD COLUMN converged TEXT;
ALTER TABLE meta ADD COLUMN dirty BIGINT NOT NULL DEFAULT 0;
CREATE FUNCTION pchat_unconverge() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- pchat's own writes (`SET LOCAL pchat.writer`) leave it alone: its commit sets the mark.
    IF current_setting('pchat.writer', true) IS DISTINCT FROM 'on' THEN
        UPDATE meta SET dirty = dirty + 1, converged = NULL WHERE id = 1;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER unconverge AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pools
    FOR EACH STATEMENT EXECUTE FUNCTION pchat_unconverge();
CREATE TRIGGER unconverge AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pool_servers
    FOR EACH STATEMENT EXECUTE FUNCTION pchat_unconverge();
CREATE TRIGGER unconverge AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON active_servers
    FOR EACH STATEMENT EXECUTE FUNCTION pchat_unconverge();
CREATE TRIGGER unconverge AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON states
    FOR EACH STATEMENT EXECUTE FUNCTION pchat_unconverge();
CREATE TRIGGER unconverge AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON principals
    FOR EACH STATEMENT EXECUTE FUNCTION pchat_unconverge();
CREATE TRIGGER unconverge AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON principal_members
    FOR EACH STATEMENT EXECUTE FUNCTION pchat_unconverge();
CREATE TRIGGER unconverge AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON categories
    FOR EACH STATEMENT EXECUTE FUNCTION pchat_unconverge();
CREATE TRIGGER unconverge AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON category_principals
    FOR EACH STATEMENT EXECUTE FUNCTION pchat_unconverge();
CREATE TRIGGER unconverge AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON addins
    FOR EACH STATEMENT EXECUTE FUNCTION pchat_unconverge();
CREATE TRIGGER unconverge AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON rooms
    FOR EACH STATEMENT EXECUTE FUNCTION pchat_unconverge();
CREATE TRIGGER unconverge AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON room_principals
    FOR EACH STATEMENT EXECUTE FUNCTION pchat_unconverge();
CREATE TRIGGER unconverge AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON policies
    FOR EACH STATEMENT EXECUTE FUNCTION pchat_unconverge();
CREATE TRIGGER unconverge AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON policy_grants
    FOR EACH STATEMENT EXECUTE FUNCTION pchat_unconverge();
CREATE TRIGGER unconverge AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON compliance_configurations
    FOR EACH STATEMENT EXECUTE FUNCTION pchat_unconverge();
CREATE TRIGGER unconverge AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON configurations
    FOR EACH STATEMENT EXECUTE FUNCTION pchat_unconverge();
CREATE TRIGGER unconverge AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON endpoints
    FOR EACH STATEMENT EXECUTE FUNCTION pchat_unconverge();
CREATE TRIGGER unconverge AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ownership
    FOR EACH STATEMENT EXECUTE FUNCTION pchat_unconverge();
UPDATE meta SET schema_version = 4 WHERE id = 1;
