-- wodlab: the result at the top of each workout's board, per track (every session of the workout
-- together, as lab.leaderboard ranks them), for the leader check of wodlab.flags.
-- Read from the kept boards (workout_standings, one row per athlete's best): the top of each track's
-- board is the head of its index range, so the query reads a few rows per board rather than sorting
-- every result (1 s at 287,000 results before). The order is the results' own: rank key, tie-break
-- times missing last, then the earliest session, then the result id; tests/test_standings.py checks
-- it against the same ranking of the results themselves.
-- column result_id: string — the leading result's id
-- column wod_id: string — the workout's id
-- column track: string — the session's track
SELECT top.result_id, b.wod_id, b.scope AS track
FROM workout_boards b
CROSS JOIN LATERAL (
    SELECT st.result_id FROM workout_standings st
    WHERE st.wod_id = b.wod_id AND st.scope = b.scope
    ORDER BY st.rank_tier, st.rank_value, st.tiebreak_seconds NULLS LAST, st.session_date, st.result_id
    LIMIT 1
) top
WHERE b.scope <> '*'
ORDER BY b.wod_id, b.scope;
