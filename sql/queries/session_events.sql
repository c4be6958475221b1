-- wodlab: every realized event of one session, per athlete in time order (a live replay's input).
-- param session_id: session — the scheduled session
-- column athlete_id: string — the athlete's id
-- column athlete: string — display name
-- column timestamp_offset: Int64 — seconds from the session's start
-- column movement: string — catalog id
-- column quantity_completed: Float64 — how much was done
-- column quantity_unit: string — reps, cal, m...
-- column event_type: string — COMPLETE, START, REST...
SELECT re.athlete_id, a.display_name AS athlete, re.timestamp_offset, re.movement, re.quantity_completed,
       re.quantity_unit, re.event_type
FROM realized_events re
LEFT JOIN athletes a ON a.id = re.athlete_id
WHERE re.session_id = :session_id
ORDER BY a.display_name, re.athlete_id, re.timestamp_offset, re.id;
