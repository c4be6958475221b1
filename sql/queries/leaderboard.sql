-- wodlab: the seed's "Top 10" generalised to any workout, score type and track.
-- Order: finishers before capped and DNF athletes; times ascending; reps, rounds+reps, loads,
-- calories and distances descending (the main value, then the secondary one).
-- param wod: text — the workout's title, or its id as text
-- param track: text, optional — RX, SCALED, INTERMEDIATE; every track when NULL
-- param limit: int, optional — at most this many rows
-- column rank: Int64 — 1 for the best; equal scores share a rank
-- column athlete_id: string — the athlete's id
-- column score_type: string — TIME, REPS, ROUNDS, LOAD, CALORIES...
-- column score_value: Float64 — main value
-- column score_secondary: Float64 — secondary value (reps past the last round...)
-- column score_unit: string — s, reps, kg, lb, cal, m...
-- column is_rx: boolean — done as prescribed
-- column is_dnf: boolean — did not finish
-- column track: string — the session's track
-- column session_date: datetime64[ns] — the session's date
WITH scored AS (
    SELECT ar.athlete_id, ar.score_type, ar.score_value, ar.score_secondary, ar.score_unit,
           ar.is_rx, ar.is_dnf, ss.track, ss.session_date, ar.recorded_at,
           ar.is_dnf::int AS dnf_order,
           CASE WHEN ar.score_type = 'TIME' THEN 0 ELSE 1 END AS finish_order,
           CASE WHEN ar.score_type = 'TIME' THEN ar.score_value ELSE -ar.score_value END AS main_order,
           -COALESCE(ar.score_secondary, 0) AS secondary_order
    FROM athlete_results ar
    JOIN scheduled_sessions ss ON ar.session_id = ss.id
    JOIN wod_definitions wd ON ss.wod_definition_id = wd.id
    WHERE (wd.title = :wod OR wd.id::text = :wod)
    AND (CAST(:track AS TEXT) IS NULL OR ss.track = :track)
)
SELECT RANK() OVER (ORDER BY dnf_order, finish_order, main_order, secondary_order) AS rank,
       athlete_id, score_type, score_value, score_secondary, score_unit, is_rx, is_dnf, track, session_date
FROM scored
ORDER BY dnf_order, finish_order, main_order, secondary_order, recorded_at, athlete_id
LIMIT :limit;
