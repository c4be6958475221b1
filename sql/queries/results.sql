-- wodlab: results as a table (lab.results): the whole athlete_results table, or a slice by date
-- range, workout, track, athlete or session, with the workout and session they belong to.
-- param start: date, optional — first session date (inclusive)
-- param end: date, optional — last session date (inclusive)
-- param wod: workout, optional — the workout's title or id (resolved to one workout, wodlab.store.names)
-- param tracks: text[], optional — RX, SCALED, INTERMEDIATE: one or several; every track when NULL
-- param athlete_id: athlete, optional — one athlete: their id or the box's external id
-- param session_id: session, optional — one session
-- column result_id: string — the result's id
-- column session_id: string — the session's id
-- column session_date: datetime64[ns] — the session's date
-- column track: string — the session's track
-- column wod_id: string — the workout's id
-- column title: string — the workout's title
-- column athlete_id: string — the athlete's id
-- column score: string — the score in canonical form
-- column score_type: string — TIME, REPS, ROUNDS, LOAD, CALORIES, DISTANCE, POINTS
-- column score_value: Float64 — main value
-- column score_secondary: Float64 — secondary value (reps past the last round...)
-- column score_unit: string — s, rounds, reps, kg, lb...
-- column result_status: string — finished, capped, dnf, dns, wd, none
-- column division: string — rx, rx+, scaled, or empty when unmarked
-- column is_rx: boolean — done as prescribed
-- column is_dnf: boolean — no score
-- column tiebreak_seconds: Float64 — the tie-break time, when written
-- column rank_tier: Int64 — the rank key's tier (wodlab.ranking)
-- column rank_value: Float64 — the rank key's value
-- column recorded_at: datetime64[ns, UTC] — when the result was recorded
SELECT ar.id AS result_id, ar.session_id, ar.session_date, ss.track, ss.wod_definition_id AS wod_id, wd.title,
       ar.athlete_id, ar.score_text AS score, ar.score_type, ar.score_value, ar.score_secondary, ar.score_unit,
       ar.result_status, ar.division, ar.is_rx, ar.is_dnf, ar.tiebreak_seconds, ar.rank_tier, ar.rank_value,
       ar.recorded_at
FROM athlete_results ar
JOIN scheduled_sessions ss ON ss.id = ar.session_id
JOIN wod_definitions wd ON wd.id = ss.wod_definition_id
-- the row's own copy of the session date: a date-bounded slice reads only its month partitions
WHERE wodlab_in_slice(ar.session_date, ss.wod_definition_id, ss.track, ar.athlete_id, ar.session_id,
                      CAST(:start AS DATE), CAST(:end AS DATE), CAST(:wod AS UUID), CAST(:tracks AS TEXT[]),
                      CAST(:athlete_id AS UUID), CAST(:session_id AS UUID))
ORDER BY ar.session_date, ar.session_id, ar.athlete_id;
