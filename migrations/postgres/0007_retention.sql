-- Retention (issue 18), PostgreSQL. Kept in step with migrations/sqlite/0007_retention.sql
-- (see there for why bodies move to their own table).
CREATE TABLE evidence_bodies (
    sha256    TEXT  PRIMARY KEY REFERENCES evidence (sha256),
    body_gzip BYTEA NOT NULL
);
INSERT INTO evidence_bodies (sha256, body_gzip) SELECT sha256, body_gzip FROM evidence;
ALTER TABLE evidence DROP COLUMN body_gzip;
ALTER TABLE evidence ADD COLUMN pruned_at_ms BIGINT;
CREATE INDEX evidence_pruned ON evidence (pruned_at_ms);

CREATE TABLE finding_evidence (
    sha256           TEXT   PRIMARY KEY,
    last_cited_at_ms BIGINT NOT NULL
);

INSERT INTO finding_evidence (sha256, last_cited_at_ms)
SELECT e.value ->> 'sha256', MAX(t.at_ms)
FROM (SELECT evidence_json, last_evaluated_at_ms AS at_ms FROM findings
      UNION ALL
      SELECT evidence_json, at_ms FROM finding_events) AS t,
     jsonb_array_elements(CASE WHEN jsonb_typeof(t.evidence_json::jsonb) = 'array'
                               THEN t.evidence_json::jsonb ELSE '[]'::jsonb END) AS e(value)
WHERE e.value ->> 'sha256' IS NOT NULL
GROUP BY 1;
