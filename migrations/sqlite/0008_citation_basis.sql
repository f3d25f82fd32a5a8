-- Citation basis (issue 16). Kept in step between migrations/sqlite and
-- migrations/postgres.
--
-- A finding's citation is either a document in force for the office
-- (in_force), another office's document borrowed for its requirement only,
-- shown as 参照《…》…的要求 (reference), or the office's own text from the
-- configuration (office). Findings stored before this migration cited what
-- their profile shipped: they read as in force, as they were sent.
ALTER TABLE findings ADD COLUMN citation_basis TEXT NOT NULL DEFAULT 'in_force';
