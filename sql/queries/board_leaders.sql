-- wodlab: the result at the top of each workout's board, per track (every session of the workout
-- together, as lab.leaderboard ranks them), for the leader check of wodlab.flags.
-- column result_id: string — the leading result's id
-- column wod_id: string — the workout's id
-- column track: string — the session's track
SELECT DISTINCT ON (ss.wod_definition_id, ss.track) ar.id AS result_id, ss.wod_definition_id AS wod_id, ss.track
FROM athlete_results ar
JOIN scheduled_sessions ss ON ss.id = ar.session_id
ORDER BY ss.wod_definition_id, ss.track, ar.rank_tier, ar.rank_value, ar.tiebreak_seconds NULLS LAST, ss.session_date, ar.id;
