-- Seed, RealtimeTracker.get_live_leaderboard: the live ranking of a session from its events;
-- at equal reps, the athlete who got there first is ahead.
-- Departure: a last tie-break on athlete_id, so the order is reproducible.
-- param session_id: uuid — the scheduled session
-- column athlete_id: string — the athlete's id
-- column total_reps: Float64 — sum of quantity_completed over COMPLETE events
-- column last_update: Int64 — seconds from the session's start to the athlete's last event
SELECT athlete_id,
       SUM(quantity_completed) AS total_reps,
       MAX(timestamp_offset) AS last_update
FROM realized_events
WHERE session_id = :session_id AND event_type = 'COMPLETE'
GROUP BY athlete_id
ORDER BY total_reps DESC, last_update ASC, athlete_id;
