-- Findings lifecycle, rule coverage and the notice outbox (SQLite).
-- Kept in step with migrations/postgres/0002_findings_notices.sql.

-- One row per finding identity (fingerprint = rule:account:subject). The row
-- holds the latest state; every change of state is a finding_events row.
CREATE TABLE findings (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    fingerprint          TEXT    NOT NULL UNIQUE,
    rule                 TEXT    NOT NULL,
    account_id           BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    subject              TEXT    NOT NULL,
    -- warning | open | resolved | dismissed
    state                TEXT    NOT NULL,
    state_since_ms       BIGINT  NOT NULL,
    -- The verdict of the latest evaluation: pass | warning | violation | not_checked.
    last_verdict         TEXT    NOT NULL,
    -- Why the latest evaluation could not check (NULL when it could).
    not_checked_reason   TEXT,
    summary_zh           TEXT    NOT NULL,
    citation_document    TEXT    NOT NULL,
    citation_number      TEXT,
    citation_article     TEXT    NOT NULL,
    -- JSON arrays/objects as the rules produced them (the latest warning or violation).
    evidence_json        TEXT    NOT NULL,
    measured_json        TEXT    NOT NULL,
    first_seen_at_ms     BIGINT  NOT NULL,
    -- The latest evaluation that found the problem (warning or violation).
    last_seen_at_ms      BIGINT  NOT NULL,
    last_evaluated_at_ms BIGINT  NOT NULL,
    resolved_at_ms       BIGINT,
    dismissed_reason     TEXT,
    dismissed_by         TEXT
);
CREATE INDEX findings_state ON findings (state, rule);
CREATE INDEX findings_account ON findings (account_id);

-- Every change of a finding's state; notices are written for these, in the
-- same transaction.
CREATE TABLE finding_events (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    finding_id     BIGINT  NOT NULL REFERENCES findings (id) ON DELETE CASCADE,
    at_ms          BIGINT  NOT NULL,
    -- warned | opened | escalated | reopened | resolved | cleared | dismissed | undismissed
    kind           TEXT    NOT NULL,
    from_state     TEXT,
    to_state       TEXT    NOT NULL,
    verdict        TEXT    NOT NULL,
    summary_zh     TEXT    NOT NULL,
    evidence_json  TEXT    NOT NULL,
    measured_json  TEXT    NOT NULL,
    actor          TEXT,
    note           TEXT
);
CREATE INDEX finding_events_finding ON finding_events (finding_id, at_ms);
CREATE INDEX finding_events_time ON finding_events (at_ms);

-- How much of each day each rule could actually check, per account (for the
-- coverage column of reports and the "not checked because ..." lines).
CREATE TABLE rule_coverage (
    account_id        BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    rule              TEXT    NOT NULL,
    -- Civil day in Asia/Shanghai, YYYY-MM-DD.
    day               TEXT    NOT NULL,
    checked           BIGINT  NOT NULL DEFAULT 0,
    not_checked       BIGINT  NOT NULL DEFAULT 0,
    last_reason       TEXT,
    last_at_ms        BIGINT  NOT NULL,
    PRIMARY KEY (account_id, rule, day)
);

-- The durable outbox. A row is written in the transaction that causes it and
-- sent by whichever daemon leases it first; `message_id` is fixed at insert so
-- a resend after a crash carries the same Message-ID.
CREATE TABLE notices (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    finding_id         BIGINT  REFERENCES findings (id) ON DELETE SET NULL,
    event_id           BIGINT  REFERENCES finding_events (id) ON DELETE SET NULL,
    -- finding | digest | reminder | operator | report | test
    kind               TEXT    NOT NULL,
    -- email | wecom | dingtalk
    channel            TEXT    NOT NULL,
    -- JSON array of addresses (email) or the webhook's configured name.
    recipients         TEXT    NOT NULL,
    urgent             INTEGER NOT NULL DEFAULT 0,
    -- Everything needed to render the message, as JSON (rendered at send
    -- time with the office's templates).
    payload_json       TEXT    NOT NULL,
    message_id         TEXT    NOT NULL UNIQUE,
    -- pending | batched | sending | sent | failed | cancelled
    state              TEXT    NOT NULL,
    created_at_ms      BIGINT  NOT NULL,
    due_at_ms          BIGINT  NOT NULL,
    attempts           BIGINT  NOT NULL DEFAULT 0,
    last_attempt_at_ms BIGINT,
    last_error         TEXT,
    sent_at_ms         BIGINT,
    server_reply       TEXT,
    lease_owner        TEXT,
    lease_until_ms     BIGINT,
    -- The digest notice that carried this one (state batched).
    batch_id           BIGINT  REFERENCES notices (id) ON DELETE SET NULL
);
CREATE INDEX notices_due ON notices (state, due_at_ms);
CREATE INDEX notices_finding ON notices (finding_id);
