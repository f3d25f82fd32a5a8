-- Per-user API tokens for /api/v1 (issue 17), SQLite. Kept in step with
-- migrations/postgres/0014_api_tokens.sql.
--
-- A token acts as its user: same role, same unit scope, and the user's
-- disabling stops it. Only the SHA-256 of the token is stored (it is shown
-- once, when made), so a copy of the database opens nothing. `prefix` is
-- the token's first characters, to tell tokens apart in lists. A revoked
-- token stays (revoked_at_ms set) so the list shows what existed.
CREATE TABLE api_tokens (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id         BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name            TEXT   NOT NULL,
    token_sha256    TEXT   NOT NULL UNIQUE,
    prefix          TEXT   NOT NULL,
    created_at_ms   BIGINT NOT NULL,
    last_used_at_ms BIGINT,
    revoked_at_ms   BIGINT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);
