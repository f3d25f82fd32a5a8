-- The daemon's schedule (SQLite): due checks with leases, and scheduled job
-- occurrences. Kept in step with migrations/postgres/0003_schedule.sql.
-- On SQLite a single node runs; the lease columns still work the same way.

-- One row per pending check of an account. `kind` is `poll` (the regular,
-- recurring check: its row is rescheduled after each run), `search` (an
-- impostor search) or `repost:<source account id>:<post id>` (a one-shot
-- check of a target account just after a key item's repost deadline).
-- A daemon leases due rows (lease_owner, lease_until_ms); an expired lease
-- means that daemon died and any other may take the row over. lease_token is
-- bumped by every lease, so a late completion by the old holder is refused.
CREATE TABLE due_checks (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id       BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    platform         TEXT    NOT NULL,
    kind             TEXT    NOT NULL,
    due_at_ms        BIGINT  NOT NULL,
    -- Why this due time was chosen (source, silent, quiet, repost deadline, sweep, ...).
    reason           TEXT    NOT NULL DEFAULT '',
    lease_owner      TEXT,
    lease_until_ms   BIGINT,
    lease_token      BIGINT  NOT NULL DEFAULT 0,
    -- Leases since the last successful run (a crash counts).
    attempts         BIGINT  NOT NULL DEFAULT 0,
    last_error       TEXT,
    last_done_at_ms  BIGINT,
    -- Outcome class of the last run (ok, captcha, ...), for "not checked by reason".
    last_outcome     TEXT,
    UNIQUE (account_id, kind)
);
CREATE INDEX due_checks_due ON due_checks (platform, due_at_ms);
CREATE INDEX due_checks_owner ON due_checks (lease_owner);

-- One row per completed check: written in the same transaction as the
-- completion, only by the lease holder, so each due check is recorded once.
CREATE TABLE check_runs (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id       BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind             TEXT    NOT NULL,
    due_at_ms        BIGINT  NOT NULL,
    owner            TEXT    NOT NULL,
    started_at_ms    BIGINT  NOT NULL,
    finished_at_ms   BIGINT  NOT NULL,
    outcome          TEXT    NOT NULL
);
CREATE INDEX check_runs_account ON check_runs (account_id, finished_at_ms);

-- One row per occurrence of a scheduled job (digest, reminders, report, ...):
-- the first daemon to insert it runs it; the others see the conflict. An
-- unfinished row whose lease expired may be taken over.
CREATE TABLE job_runs (
    job              TEXT    NOT NULL,
    occurrence_ms    BIGINT  NOT NULL,
    owner            TEXT    NOT NULL,
    started_at_ms    BIGINT  NOT NULL,
    lease_until_ms   BIGINT  NOT NULL,
    attempts         BIGINT  NOT NULL DEFAULT 1,
    finished_at_ms   BIGINT,
    -- ok | skipped: ... | error: ...
    outcome          TEXT,
    PRIMARY KEY (job, occurrence_ms)
);
