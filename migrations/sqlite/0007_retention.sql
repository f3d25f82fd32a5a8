-- Retention (issue 18), SQLite. Kept in step with migrations/postgres/0007_retention.sql.
--
-- A raw body no finding cites is dropped after [retention] raw_capture_days;
-- one a finding cites is kept for [retention] finding_evidence_years after
-- its last citation. Only the body goes: the evidence row (URL, time, size,
-- SHA-256) and every observation and capture row stay, so the record that a
-- look happened and what it saw (its hash) is never lost.
--
-- Bodies move to their own table: pruning deletes rows there, which SQLite
-- gives back as free pages (and `PRAGMA incremental_vacuum` to the disk).
-- Emptying a column in place would not: SQLite does not merge the pages an
-- UPDATE leaves nearly empty. The copy needs free disk space about the size
-- of the evidence, once, at the upgrade (README: back up first).
CREATE TABLE evidence_bodies (
    sha256    TEXT PRIMARY KEY REFERENCES evidence (sha256),
    body_gzip BLOB NOT NULL
);
INSERT INTO evidence_bodies (sha256, body_gzip) SELECT sha256, body_gzip FROM evidence;
ALTER TABLE evidence DROP COLUMN body_gzip;
-- When retention dropped the body (NULL: the body is in evidence_bodies).
ALTER TABLE evidence ADD COLUMN pruned_at_ms BIGINT;
CREATE INDEX evidence_pruned ON evidence (pruned_at_ms);

-- Every SHA-256 any finding or finding event has cited, and when last
-- (written with the finding, in its transaction). Not a foreign key: a rule
-- may cite a capture by hash only.
CREATE TABLE finding_evidence (
    sha256           TEXT   PRIMARY KEY,
    last_cited_at_ms BIGINT NOT NULL
);

-- What findings written before this migration cite.
INSERT INTO finding_evidence (sha256, last_cited_at_ms)
SELECT json_extract(j.value, '$.sha256'), MAX(t.at_ms)
FROM (SELECT evidence_json, last_evaluated_at_ms AS at_ms FROM findings
      UNION ALL
      SELECT evidence_json, at_ms FROM finding_events) AS t,
     json_each(t.evidence_json) AS j
WHERE json_type(t.evidence_json) = 'array' AND json_extract(j.value, '$.sha256') IS NOT NULL
GROUP BY 1;
