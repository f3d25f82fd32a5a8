-- xunjian initial schema (SQLite). Kept in step with migrations/postgres/0001_initial.sql.
-- Times are UTC epoch milliseconds (BIGINT); civil dates are 'YYYY-MM-DD' text.
-- Flags are INTEGER 0/1 so the same statements work on both backends.

CREATE TABLE accounts (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    platform            TEXT    NOT NULL,
    platform_id         TEXT    NOT NULL,
    profile_url         TEXT,
    display_name        TEXT    NOT NULL,
    owner_unit          TEXT,
    supervising_unit    TEXT,
    region              TEXT,
    contact_name        TEXT,
    contact_email       TEXT,
    contact_phone       TEXT,
    status              TEXT    NOT NULL DEFAULT 'active',
    opened_on           TEXT,
    closing_on          TEXT,
    superior_portal_url TEXT,
    is_source           INTEGER NOT NULL DEFAULT 0,
    tags                TEXT    NOT NULL DEFAULT '',
    notes               TEXT,
    created_at_ms       BIGINT  NOT NULL,
    updated_at_ms       BIGINT  NOT NULL,
    -- Set when the office removed the account from supervision
    -- (`accounts import --retire-missing`); retired accounts are not polled.
    retired_at_ms       BIGINT,
    UNIQUE (platform, platform_id)
);
CREATE INDEX accounts_region ON accounts (region);
CREATE INDEX accounts_status ON accounts (status);

-- Every change to a registry record, for the office's audit trail.
CREATE TABLE account_changes (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id    BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    changed_at_ms BIGINT  NOT NULL,
    field         TEXT    NOT NULL,
    old_value     TEXT,
    new_value     TEXT,
    source        TEXT    NOT NULL
);
CREATE INDEX account_changes_account ON account_changes (account_id, changed_at_ms);

-- One row per registry import that wrote something.
CREATE TABLE registry_imports (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    file_name      TEXT    NOT NULL,
    file_sha256    TEXT    NOT NULL,
    imported_at_ms BIGINT  NOT NULL,
    added          BIGINT  NOT NULL,
    changed        BIGINT  NOT NULL,
    unchanged      BIGINT  NOT NULL,
    missing        BIGINT  NOT NULL,
    retired        BIGINT  NOT NULL
);

-- Raw responses, deduplicated by the SHA-256 of the uncompressed body.
CREATE TABLE evidence (
    sha256        TEXT    PRIMARY KEY,
    url           TEXT    NOT NULL,
    content_type  TEXT,
    http_status   BIGINT,
    fetched_at_ms BIGINT  NOT NULL,
    size_bytes    BIGINT  NOT NULL,
    body_gzip     BLOB    NOT NULL
);

-- Every fetch attempt, successful or not.
CREATE TABLE observations (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id      BIGINT  REFERENCES accounts (id) ON DELETE CASCADE,
    platform        TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    target          TEXT    NOT NULL,
    source          TEXT    NOT NULL DEFAULT '',
    observed_at_ms  BIGINT  NOT NULL,
    duration_ms     BIGINT  NOT NULL,
    outcome         TEXT    NOT NULL,
    http_status     BIGINT,
    detail          TEXT
);
CREATE INDEX observations_account ON observations (account_id, kind, observed_at_ms);
CREATE INDEX observations_time ON observations (observed_at_ms);

-- The raw responses behind one observation (a timeline read may take
-- several pages and detail fetches). URL and time are per fetch; the body is
-- shared through `evidence` when it is byte-identical.
CREATE TABLE observation_captures (
    observation_id BIGINT  NOT NULL REFERENCES observations (id) ON DELETE CASCADE,
    seq            BIGINT  NOT NULL,
    sha256         TEXT    NOT NULL REFERENCES evidence (sha256),
    url            TEXT    NOT NULL,
    http_status    BIGINT,
    fetched_at_ms  BIGINT  NOT NULL,
    -- Which endpoint answered (e.g. "m.weibo.cn getIndex timeline").
    source         TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (observation_id, seq)
);
CREATE INDEX observation_captures_sha256 ON observation_captures (sha256);

CREATE TABLE posts (
    id                         INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id                 BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    platform_post_id           TEXT    NOT NULL,
    alt_id                     TEXT,
    url                        TEXT,
    published_at_ms            BIGINT  NOT NULL,
    published_at_exact         INTEGER NOT NULL,
    first_seen_at_ms           BIGINT  NOT NULL,
    last_seen_at_ms            BIGINT  NOT NULL,
    text                       TEXT    NOT NULL,
    is_original                INTEGER NOT NULL,
    is_pinned                  INTEGER NOT NULL,
    repost_of_post_id          TEXT,
    repost_of_alt_id           TEXT,
    repost_of_author_id        TEXT,
    repost_of_author_name      TEXT,
    repost_of_published_at_ms  BIGINT,
    repost_of_available        INTEGER,
    comment_state              TEXT    NOT NULL,
    reposts_count              BIGINT,
    comments_count             BIGINT,
    likes_count                BIGINT,
    last_observation_id        BIGINT  REFERENCES observations (id),
    UNIQUE (account_id, platform_post_id)
);
CREATE INDEX posts_account_published ON posts (account_id, published_at_ms);
CREATE INDEX posts_repost_of ON posts (repost_of_post_id);

-- Which posts an observation saw, with the state that can change between
-- sightings (pinned, comments): the closing-notice and comment rules need
-- the history, not just the latest state.
CREATE TABLE post_sightings (
    observation_id BIGINT  NOT NULL REFERENCES observations (id) ON DELETE CASCADE,
    post_id        BIGINT  NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    is_pinned      INTEGER NOT NULL,
    comment_state  TEXT    NOT NULL,
    PRIMARY KEY (observation_id, post_id)
);
CREATE INDEX post_sightings_post ON post_sightings (post_id);

CREATE TABLE profile_snapshots (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id      BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    observation_id  BIGINT  NOT NULL REFERENCES observations (id) ON DELETE CASCADE,
    observed_at_ms  BIGINT  NOT NULL,
    display_name    TEXT    NOT NULL,
    description     TEXT,
    verified        INTEGER,
    verified_type   TEXT,
    verified_entity TEXT,
    followers       BIGINT,
    post_count      BIGINT,
    private_message TEXT    NOT NULL,
    comment_policy  TEXT    NOT NULL
);
CREATE INDEX profile_snapshots_account ON profile_snapshots (account_id, observed_at_ms);

-- Accounts found by a name search (impostor detection).
CREATE TABLE search_hits (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    observation_id  BIGINT  NOT NULL REFERENCES observations (id) ON DELETE CASCADE,
    platform        TEXT    NOT NULL,
    query           TEXT    NOT NULL,
    rank            BIGINT  NOT NULL,
    platform_id     TEXT    NOT NULL,
    display_name    TEXT    NOT NULL,
    profile_url     TEXT,
    verified        INTEGER,
    verified_type   TEXT,
    verified_entity TEXT,
    followers       BIGINT,
    description     TEXT
);
CREATE INDEX search_hits_lookup ON search_hits (platform, platform_id);
CREATE INDEX search_hits_observation ON search_hits (observation_id);
