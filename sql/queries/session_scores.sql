-- wodlab: the whiteboard scores of one session, with who wrote them (for reconcile).
-- param session_id: session — the scheduled session
-- column athlete_id: string — the athlete's id
-- column athlete: string — display name
-- column gender: string — M or F
-- column score: string — the score in canonical form
-- column score_type: string — TIME, REPS, ROUNDS, LOAD, CALORIES, DISTANCE
-- column score_value: Float64 — main value
-- column score_secondary: Float64 — secondary value (reps past the last round...)
-- column result_status: string — finished, capped, dnf, dns
SELECT ar.athlete_id, a.display_name AS athlete, a.gender, ar.score_text AS score, ar.score_type,
       ar.score_value, ar.score_secondary, ar.result_status
FROM athlete_results ar
LEFT JOIN athletes a ON a.id = ar.athlete_id
WHERE ar.session_id = :session_id
ORDER BY a.display_name, ar.athlete_id;
