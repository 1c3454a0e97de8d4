-- What the configuration asked for each object at the apply that last changed it (a digest of
-- the declared object): a later plan tells a configuration change from out-of-band drift.
ALTER TABLE ownership ADD COLUMN digest TEXT;
-- `lifecycle.allowDestroy` as the last apply recorded it: a removed room's consent.
ALTER TABLE ownership ADD COLUMN allow_destroy BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE meta SET schema_version = 2 WHERE id = 1;
