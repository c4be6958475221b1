-- 013: upkeep of results. Two indexes on athlete_results that nothing reads any more, dropped: every row a load
-- writes paid for them (about a fifth of the time of a bulk load at 287k results).
--
-- idx_results_session_score (001, for top-N boards by score_value) and idx_results_rank (002, the
-- rank key by session) served leaderboards ranked from the results. The boards now come from
-- workout_standings (012); a board ranked live (one session, flagged results left out) reads the
-- rank keys from the covering idx_results_session_rank (010), which also serves every lookup of a
-- session's results. tests/test_indexes.py and tests/test_standings.py assert those plans.
DROP INDEX idx_results_session_score;
DROP INDEX idx_results_rank;

-- TRUNCATE fires no DELETE trigger: what migration 011's results_flags_delete and 008's
-- events_timeline_delete do for a DELETE, done for a TRUNCATE (the foreign key that 011 removed
-- used to refuse a TRUNCATE of results that left flags behind).
CREATE FUNCTION wodlab_flags_after_results_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM result_flags;
    RETURN NULL;
END $$;
CREATE TRIGGER results_flags_truncate AFTER TRUNCATE ON athlete_results
    FOR EACH STATEMENT EXECUTE FUNCTION wodlab_flags_after_results_truncated();

CREATE FUNCTION wodlab_timelines_after_events_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE athlete_results SET realized_events = NULL WHERE realized_events IS NOT NULL;
    RETURN NULL;
END $$;
CREATE TRIGGER events_timeline_truncate AFTER TRUNCATE ON realized_events
    FOR EACH STATEMENT EXECUTE FUNCTION wodlab_timelines_after_events_truncated();
