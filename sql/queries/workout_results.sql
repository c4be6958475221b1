-- wodlab: every result on one workout (all its sessions), with the rank key and class percentile.
-- param wod: workout — the workout's title or id (resolved to one workout, wodlab.store.names)
-- param track: text, optional — RX, SCALED, INTERMEDIATE; every track when NULL
-- column session_date: datetime64[ns] — the session's date
-- column session_id: string — the session's id
-- column track: string — the session's track
-- column athlete_id: string — the athlete's id
-- column athlete: string — display name
-- column gender: string — M or F
-- column score: string — the score in canonical form
-- column score_type: string — TIME, REPS, ROUNDS, LOAD, CALORIES, DISTANCE
-- column score_value: Float64 — main value
-- column score_secondary: Float64 — secondary value
-- column result_status: string — finished, capped, dnf, dns
-- column is_rx: boolean — done as prescribed
-- column rank_tier: Int64 — the rank key's tier (lower is better)
-- column rank_value: Float64 — the rank key's value (lower is better)
-- column class_percentile: Float64 — 100 best, 0 last, among the results of the same session
SELECT ss.session_date, ss.id AS session_id, ss.track, ar.athlete_id, a.display_name AS athlete, a.gender,
       ar.score_text AS score, ar.score_type, ar.score_value, ar.score_secondary, ar.result_status, ar.is_rx,
       ar.rank_tier, ar.rank_value,
       100 * (1 - PERCENT_RANK() OVER (
           PARTITION BY ar.session_id ORDER BY ar.rank_tier, ar.rank_value, ar.tiebreak_seconds NULLS LAST)) AS class_percentile
FROM athlete_results ar
JOIN scheduled_sessions ss ON ss.id = ar.session_id
JOIN wod_definitions wd ON wd.id = ss.wod_definition_id
LEFT JOIN athletes a ON a.id = ar.athlete_id
WHERE wd.id = CAST(:wod AS UUID)
AND (CAST(:track AS TEXT) IS NULL OR ss.track = :track)
ORDER BY ss.session_date, ss.track, ar.rank_tier, ar.rank_value, ar.tiebreak_seconds NULLS LAST, ar.athlete_id;
