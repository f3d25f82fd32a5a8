-- The office console (issue 17), SQLite. Kept in step with migrations/postgres/0010_console.sql.
--
-- People who log in to the console. role: 'admin' | 'staff' | 'unit' |
-- 'readonly'. A unit operator ('unit') sees only the accounts in its scope
-- (user_scopes); the other roles see everything. password_hash is an
-- argon2id PHC string; the password itself is never stored.
CREATE TABLE users (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    username             TEXT    NOT NULL UNIQUE,
    display_name         TEXT    NOT NULL,
    role                 TEXT    NOT NULL,
    password_hash        TEXT    NOT NULL,
    -- 1 when an administrator set the password (`users add` without one,
    -- `users passwd`): the console asks for a new one at the next login.
    must_change_password INTEGER NOT NULL DEFAULT 0,
    disabled             INTEGER NOT NULL DEFAULT 0,
    created_at_ms        BIGINT  NOT NULL,
    updated_at_ms        BIGINT  NOT NULL
);

-- A unit operator's scope: whole units by 主办单位 (accounts.owner_unit,
-- exact), or single accounts. Exactly one of unit / account_id is set.
CREATE TABLE user_scopes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    unit       TEXT,
    account_id BIGINT REFERENCES accounts (id) ON DELETE CASCADE
);
CREATE INDEX user_scopes_user ON user_scopes (user_id);

-- Console sessions. The cookie carries a random token; only its SHA-256
-- is stored, so a copy of the database opens no session. The CSRF token
-- is the session's, checked on every POST.
CREATE TABLE sessions (
    token_sha256    TEXT   PRIMARY KEY,
    user_id         BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token      TEXT   NOT NULL,
    remote_addr     TEXT   NOT NULL DEFAULT '',
    created_at_ms   BIGINT NOT NULL,
    last_seen_at_ms BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Failed logins, per user name and address, for throttling (in the
-- database so every daemon of a cluster counts the same failures).
CREATE TABLE login_failures (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    username    TEXT   NOT NULL,
    remote_addr TEXT   NOT NULL,
    at_ms       BIGINT NOT NULL
);
CREATE INDEX login_failures_key ON login_failures (username, remote_addr, at_ms);

-- Every change made through the console or the `users` command: who, when,
-- from where, what. user_id is kept as a plain number (no foreign key) so
-- the trail outlives the user row.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms       BIGINT NOT NULL,
    user_id     BIGINT,
    username    TEXT   NOT NULL,
    remote_addr TEXT   NOT NULL DEFAULT '',
    action      TEXT   NOT NULL,
    target      TEXT   NOT NULL DEFAULT '',
    detail      TEXT   NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log (at_ms);
