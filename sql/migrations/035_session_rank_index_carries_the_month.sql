-- 035: the covering index of a session's rank keys carries the results' partition key too.
--
-- leaderboard_from_results (a board without flagged results, or of one session) joined each of the
-- workout's sessions to its results by session_id alone: no month could be pruned, and PostgreSQL
-- chose to scan every month's results and keep the workout's (a box's whole board without flagged
-- results read all 282,000 results to rank 15,000: 354 ms). Joined on the session's date as well, each
-- session's results are looked up in its own month (47 ms); with session_date in this index they are
-- still read from the index alone (migration 010's intent: 42 ms, a top ten 25 ms against 46 ms).

DROP INDEX idx_results_session_rank;
CREATE INDEX idx_results_session_rank ON athlete_results (session_id, session_date)
    INCLUDE (id, athlete_id, rank_tier, rank_value, tiebreak_seconds, recorded_at);
