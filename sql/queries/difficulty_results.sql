-- wodlab: every result with what the difficulty fit needs (athlete, level, workout), in id order.
-- column result_id: string — the result's id
-- column athlete_id: string — the athlete's id
-- column gender: string — M or F
-- column score_type: string — TIME, REPS, ROUNDS, LOAD, CALORIES, DISTANCE
-- column score_value: Float64 — main value
-- column score_secondary: Float64 — secondary value (reps past the last round...)
-- column score_unit: string — s, rounds, reps, kg, lb...
-- column result_status: string — finished, capped, dnf, dns
-- column is_rx: boolean — done as prescribed
-- column track: string — the session's track
-- column wod_id: string — the workout's id
-- column team_size: Int64 — athletes per team in the session (1 when individual)
-- column session_date: datetime64[ns] — the day it was done (the fit follows each athlete's progression)
SELECT ar.id AS result_id, ar.athlete_id, a.gender, ar.score_type, ar.score_value, ar.score_secondary, ar.score_unit,
       ar.result_status, ar.is_rx, ss.track, ss.wod_definition_id AS wod_id, ss.team_size,
       ar.session_date
FROM athlete_results ar
JOIN scheduled_sessions ss ON ss.id = ar.session_id
LEFT JOIN athletes a ON a.id = ar.athlete_id
ORDER BY ar.id;
