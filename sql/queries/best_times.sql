-- Seed, "Top 10 des meilleurs temps sur 'Fran'", with the title and the limit as parameters.
-- Departures: each athlete appears once, with their best Rx time (the seed lists results: one
-- athlete who did Fran five times could fill the top 10 alone); DNF results are left out (wodlab
-- stores them as TIME with no value, which the seed's filter would list last); ties on time are
-- broken by recorded_at then athlete_id. Read from workout_standings (migration 012): an athlete's
-- best result on the workout by the rank key is their best Rx time whenever they have one (Rx
-- finishers rank first, by time), so the top rows are an index range, not a sort of every result.
-- param title: text — the workout's title, e.g. 'Fran'
-- param limit: int — how many rows (seed: 10)
-- column athlete_id: string — the athlete's id
-- column time_seconds: Float64 — finishing time in seconds
-- column is_rx: boolean — done as prescribed
-- column recorded_at: datetime64[ns, UTC] — when the result was recorded
SELECT st.athlete_id, ar.score_value AS time_seconds, ar.is_rx, ar.recorded_at
FROM wod_definitions wd
JOIN workout_standings st ON st.wod_id = wd.id AND st.scope = '*'
JOIN athlete_results ar ON ar.id = st.result_id AND ar.session_date = st.session_date
WHERE wd.title = :title
AND st.rank_tier = 0                       -- finished, Rx (wodlab.ranking)
AND ar.score_type = 'TIME'
AND ar.is_rx = true
AND NOT ar.is_dnf
ORDER BY st.box_rank, st.recorded_at, st.athlete_id
LIMIT :limit;
