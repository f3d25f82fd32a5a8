-- What a government portal homepage showed (PostgreSQL). Kept in step with
-- migrations/sqlite/0005_portal_items.sql.
--
-- A portal observation has no account (one homepage serves many accounts);
-- its `target` is the page URL. The opening-notice rule reads the items of
-- the superior portal named in the registry.
CREATE TABLE portal_items (
    observation_id BIGINT  NOT NULL REFERENCES observations (id) ON DELETE CASCADE,
    position       BIGINT  NOT NULL,
    title          TEXT    NOT NULL,
    url            TEXT    NOT NULL,
    prominent      BIGINT  NOT NULL,
    block          TEXT,
    -- YYYY-MM-DD printed next to the link, when any.
    item_date      TEXT,
    PRIMARY KEY (observation_id, position)
);
CREATE INDEX observations_target ON observations (kind, target, observed_at_ms);
