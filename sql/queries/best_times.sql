-- Seed, "Top 10 des meilleurs temps sur 'Fran'", with the title and the limit as parameters.
-- Departures: each athlete appears once, with their best Rx time (the seed lists results: one
-- athlete who did Fran five times could fill the top 10 alone); DNF results are left out (wodlab
-- stores them as TIME with no value, which the seed's filter would list last); ties on time are
-- broken by the tie-break time, then recorded_at, then athlete_id. Read from workout_standings
-- (migration 017): an athlete's best result on the workout by the rank key is their best Rx time
-- whenever they have one (Rx finishers rank first, by time), so the fastest are an index range
-- (idx_standings_box), not a sort of every result; their display columns are fetched for those rows only.
-- param title: text — the workout's title, e.g. 'Fran'
-- param limit: int — how many rows (seed: 10)
-- column athlete_id: string — the athlete's id
-- column time_seconds: Float64 — finishing time in seconds
-- column is_rx: boolean — done as prescribed
-- column recorded_at: datetime64[ns, UTC] — when the result was recorded
WITH fastest AS (
    SELECT st.athlete_id, st.result_id, st.session_date, st.rank_value, st.tiebreak_seconds, st.recorded_at
    FROM workout_standings st
    WHERE st.wod_id IN (SELECT wd.id FROM wod_definitions wd WHERE wd.title = :title)
    AND st.scope = '*'
    AND st.rank_tier = 0                   -- finished, Rx (wodlab.ranking); rank_value is then the seconds
    ORDER BY st.rank_value, st.tiebreak_seconds, st.recorded_at, st.athlete_id
    LIMIT :limit
)
SELECT f.athlete_id, ar.score_value AS time_seconds, ar.is_rx, ar.recorded_at
FROM fastest f
JOIN athlete_results ar ON ar.id = f.result_id AND ar.session_date = f.session_date
WHERE ar.score_type = 'TIME'               -- a workout scored otherwise has no times
ORDER BY f.rank_value, f.tiebreak_seconds, f.recorded_at, f.athlete_id;
