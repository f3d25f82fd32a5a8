-- The report's observation coverage, PostgreSQL. Kept in step with
-- migrations/sqlite/0015_observation_coverage_index.sql (see there for why).
CREATE INDEX observations_account_outcome_time ON observations (account_id, outcome, observed_at_ms);
