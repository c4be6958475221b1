-- Seed, "Progression live d'une session AMRAP": reps completed so far per athlete.
-- Departure: ties on total_reps are broken by athlete_id, so the order is reproducible.
-- param session_id: session — the scheduled session
-- column athlete_id: string — the athlete's id
-- column total_reps: Float64 — sum of quantity_completed over COMPLETE events
-- column last_activity_time: Int64 — seconds from the session's start to the athlete's last event
-- Departure: read from the running totals that triggers keep (session_live_totals, migration 015)
-- rather than summed from the events at each read.
SELECT athlete_id, total_reps, last_update AS last_activity_time
FROM session_live_totals
WHERE session_id = :session_id
ORDER BY total_reps DESC, athlete_id;
