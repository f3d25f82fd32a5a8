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

-- Deadline first (issue 19): every due check carries the moment by which
-- the rule it serves must be decided (a repost deadline plus its margin, a
-- zombie limit, a source account's next look; a routine look a day after it
-- is due). Of the checks due now, those with the least slack are leased
-- first, so a repost check never waits behind the morning's routine sweep.
-- Existing rows are routine until their next run plans them again.
ALTER TABLE due_checks ADD COLUMN decide_by_ms BIGINT NOT NULL DEFAULT 0;
UPDATE due_checks SET decide_by_ms = due_at_ms + 86400000;
DROP INDEX due_checks_due;
-- Leasing reads this index in deadline order and stops at the limit.
CREATE INDEX due_checks_pick ON due_checks (platform, decide_by_ms, id);

-- Leasing skips accounts with a check under a live lease
-- (`account_id NOT IN (… WHERE lease_until_ms >= now)`); only checks in
-- progress have a lease, so this index holds a handful of rows, not the
-- whole backlog.
CREATE INDEX due_checks_live_lease ON due_checks (lease_until_ms, account_id) WHERE lease_until_ms IS NOT NULL;
