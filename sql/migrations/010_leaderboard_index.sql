-- 010: the leaderboard reads each result's rank key by session (sql/queries/leaderboard.sql): with
-- the key in INCLUDE, that is an index-only scan of narrow rows instead of a heap fetch of whole
-- results; the display columns are then fetched for the rows shown only.
CREATE INDEX idx_results_session_rank ON athlete_results (session_id)
    INCLUDE (id, athlete_id, rank_tier, rank_value, tiebreak_seconds, recorded_at);
