-- What a successful observation proves, beyond the fact that it answered
-- (law 1: silence is proved, never assumed). Timeline reads only:
--   completeness   'reaches_back' (shows the newest non-pinned post),
--                  'nothing' (nothing beyond pinned posts, and the
--                  platform's own count agrees) or 'unresolved' (proves
--                  nothing: an old pinned post alone with more pages, an
--                  empty list nobody corroborates); NULL for rows written
--                  before this migration and for other kinds.
--   reach_from_ms  the oldest non-pinned post the read showed: nothing
--                  between it and observed_at_ms was missed by paging.
--   post_count     the account's post count the platform stated with it.
--   source_updated_at_ms  when a feed or relay says it last changed.
-- Portal reads keep the shape of the page (size, links, blocks; JSON) so
-- the next read can be compared with the homepage as it was.
ALTER TABLE observations ADD COLUMN completeness TEXT;
ALTER TABLE observations ADD COLUMN reach_from_ms BIGINT;
ALTER TABLE observations ADD COLUMN post_count BIGINT;
ALTER TABLE observations ADD COLUMN source_updated_at_ms BIGINT;
ALTER TABLE observations ADD COLUMN shape TEXT;
