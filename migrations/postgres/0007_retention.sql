-- Retention (issue 18), PostgreSQL. Kept in step with migrations/sqlite/0007_retention.sql
-- (see there for why a pruned body is an empty value rather than NULL).
ALTER TABLE evidence ADD COLUMN pruned_at_ms BIGINT;
CREATE INDEX evidence_unpruned ON evidence (fetched_at_ms) WHERE pruned_at_ms IS NULL;

CREATE TABLE finding_evidence (
    sha256           TEXT   PRIMARY KEY,
    last_cited_at_ms BIGINT NOT NULL
);

INSERT INTO finding_evidence (sha256, last_cited_at_ms)
SELECT e.value ->> 'sha256', MAX(t.at_ms)
FROM (SELECT evidence_json, last_evaluated_at_ms AS at_ms FROM findings
      UNION ALL
      SELECT evidence_json, at_ms FROM finding_events) AS t,
     jsonb_array_elements(t.evidence_json::jsonb) AS e(value)
WHERE e.value ->> 'sha256' IS NOT NULL
GROUP BY 1;
