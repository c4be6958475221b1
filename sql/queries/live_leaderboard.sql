-- Seed, RealtimeTracker.get_live_leaderboard: the live ranking of a session from its events;
-- at equal reps, the athlete who got there first is ahead.
-- Departure: a last tie-break on athlete_id, so the order is reproducible.
-- rows: few
-- param session_id: session — the scheduled session
-- column athlete_id: string — the athlete's id
-- column total_reps: Float64 — sum of quantity_completed over COMPLETE events
-- column last_update: Int64 — seconds from the session's start to the athlete's last event
-- Departure: the seed sums the session's events at each read; their running totals are kept by
-- triggers in session_live_totals (migration 015), so the board is an index range
-- (idx_live_totals_board) however many events the session has.
SELECT athlete_id, total_reps, last_update
FROM session_live_totals
WHERE session_id = :session_id
ORDER BY total_reps DESC, last_update ASC, athlete_id;
