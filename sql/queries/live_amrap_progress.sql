-- Seed, "Progression live d'une session AMRAP": reps completed so far per athlete.
-- Departure: ties on total_reps are broken by athlete_id, so the order is reproducible.
-- param session_id: uuid — the scheduled session
-- column athlete_id: string — the athlete's id
-- column total_reps: Float64 — sum of quantity_completed over COMPLETE events
-- column last_activity_time: Int64 — seconds from the session's start to the athlete's last event
SELECT re.athlete_id,
       SUM(re.quantity_completed) AS total_reps,
       MAX(re.timestamp_offset) AS last_activity_time
FROM realized_events re
WHERE re.session_id = :session_id
AND re.event_type = 'COMPLETE'
GROUP BY re.athlete_id
ORDER BY total_reps DESC, re.athlete_id;
