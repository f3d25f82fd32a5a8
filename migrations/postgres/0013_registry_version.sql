-- The registry's version number, PostgreSQL. Kept in step with
-- migrations/sqlite/0013_registry_version.sql (see there for why).
CREATE TABLE registry_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT  NOT NULL
);
INSERT INTO registry_version (id, version) VALUES (1, 1);

-- One bump per statement: an import of 10,000 rows is one new version.
CREATE FUNCTION xunjian_bump_registry_version() RETURNS trigger AS $$
BEGIN
    UPDATE registry_version SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER accounts_bump_version
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON accounts
    FOR EACH STATEMENT EXECUTE FUNCTION xunjian_bump_registry_version();

DROP INDEX due_checks_due;
CREATE INDEX due_checks_pick ON due_checks (platform, due_at_ms, id);
CREATE INDEX due_checks_live_lease ON due_checks (lease_until_ms, account_id) WHERE lease_until_ms IS NOT NULL;
