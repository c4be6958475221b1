-- wodlab: every result of one athlete, oldest first, with the rank key and where it placed in its class.
-- param athlete_id: athlete — the athlete's id: their id or the box's external id
-- column session_date: datetime64[ns] — the session's date
-- column session_id: string — the session's id
-- column wod_id: string — the workout's id
-- column title: string — the workout's title
-- column track: string — the session's track
-- column score: string — the score in canonical form
-- column score_type: string — TIME, REPS, ROUNDS, LOAD, CALORIES, DISTANCE
-- column score_value: Float64 — main value
-- column score_secondary: Float64 — secondary value
-- column score_unit: string — s, rounds, reps, kg, lb...
-- column result_status: string — finished, capped, dnf, dns
-- column is_rx: boolean — done as prescribed
-- column rank_tier: Int64 — the rank key's tier (lower is better)
-- column rank_value: Float64 — the rank key's value (lower is better)
-- column tiebreak_seconds: Float64 — the tie-break, when written
-- column class_percentile: Float64 — 100 best, 0 last, among the results of the same session
WITH placed AS (
    SELECT ar.*, 100 * (1 - PERCENT_RANK() OVER (
               PARTITION BY ar.session_id ORDER BY ar.rank_tier, ar.rank_value, ar.tiebreak_seconds NULLS LAST)) AS class_percentile
    FROM athlete_results ar
    WHERE ar.session_id IN (SELECT session_id FROM athlete_results WHERE athlete_id = :athlete_id)
)
SELECT ss.session_date, ss.id AS session_id, wd.id AS wod_id, wd.title, ss.track, p.score_text AS score, p.score_type,
       p.score_value, p.score_secondary, p.score_unit, p.result_status, p.is_rx, p.rank_tier, p.rank_value,
       p.tiebreak_seconds, p.class_percentile
FROM placed p
JOIN scheduled_sessions ss ON ss.id = p.session_id
JOIN wod_definitions wd ON wd.id = ss.wod_definition_id
WHERE p.athlete_id = :athlete_id
ORDER BY ss.session_date, ss.session_time, wd.title;
