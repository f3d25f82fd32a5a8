-- Every finding ends (issue 16), PostgreSQL. Kept in step with migrations/sqlite/0009_finding_ends.sql.
--
-- A finding's kind (state / event / third party) is the rule's
-- (RuleId::kind in src/rules/mod.rs), not a column: it cannot disagree with
-- the code that acts on it. New states are plain TEXT values of
-- findings.state: 'recorded' (an event finding: final), 'rectifying' (the
-- unit declared it fixed; the next successful check decides), 'closed' (a
-- third-party finding the office marked).

-- The unit's declaration that a state finding is fixed (整改说明), and what
-- the next successful check made of it: 'confirmed' | 'rejected'.
ALTER TABLE findings ADD COLUMN rectify_note TEXT;
ALTER TABLE findings ADD COLUMN rectify_link TEXT;
ALTER TABLE findings ADD COLUMN rectify_by TEXT;
ALTER TABLE findings ADD COLUMN rectify_at_ms BIGINT;
ALTER TABLE findings ADD COLUMN rectify_outcome TEXT;
ALTER TABLE findings ADD COLUMN rectify_outcome_at_ms BIGINT;
-- The office's mark on a third-party finding: 'reported' (已举报) |
-- 'not_impostor' (已核实非假冒) | 'registered' (已纳入台账).
ALTER TABLE findings ADD COLUMN mark TEXT;
ALTER TABLE findings ADD COLUMN mark_note TEXT;
ALTER TABLE findings ADD COLUMN marked_by TEXT;
ALTER TABLE findings ADD COLUMN marked_at_ms BIGINT;
-- A link a person gave with an action (the rectification's proof).
ALTER TABLE finding_events ADD COLUMN link TEXT;

-- Event findings already open (repost_delay, opening_notice) are recorded
-- now: otherwise they would be chased as 逾期未整改 for ever. The event
-- keeps when and what; the finding's evidence is unchanged.
INSERT INTO finding_events (finding_id, at_ms, kind, from_state, to_state, verdict, summary_zh, evidence_json,
                            measured_json, actor, note)
SELECT id, state_since_ms, 'recorded', 'open', 'recorded', last_verdict, summary_zh, evidence_json, measured_json,
       NULL, '事件类问题改为记录在案（升级）'
FROM findings WHERE state = 'open' AND rule IN ('repost_delay', 'opening_notice');
UPDATE findings SET state = 'recorded' WHERE state = 'open' AND rule IN ('repost_delay', 'opening_notice');
