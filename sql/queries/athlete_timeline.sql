-- Seed, "Timeline complète d'un athlète" in one session.
-- Departure: ties on timestamp_offset are broken by the event id, so the order is reproducible.
-- rows: few
-- param session_id: session — the scheduled session
-- param athlete_id: athlete — the athlete's id: their id or the box's external id
-- column timestamp_offset: Int64 — seconds from the session's start
-- column movement: string — catalog id of the movement
-- column quantity_completed: Float64 — how much was done
-- column quantity_unit: string — reps, kg, m, cal...
SELECT re.timestamp_offset,
       re.movement,
       re.quantity_completed,
       re.quantity_unit
FROM realized_events re
WHERE re.session_id = :session_id
AND re.athlete_id = :athlete_id
ORDER BY re.timestamp_offset, re.id;
