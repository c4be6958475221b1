-- wodlab: realized events as a table (lab.events): all of them, or a slice by date range, workout,
-- track, athlete or session. The metadata documents are left out (read them per session with
-- session_events).
-- param start: date, optional — first session date (inclusive)
-- param end: date, optional — last session date (inclusive)
-- param wod: workout, optional — the workout's title or id (resolved to one workout, wodlab.store.names)
-- param tracks: text[], optional — RX, SCALED, INTERMEDIATE: one or several; every track when NULL
-- param athlete_id: athlete, optional — one athlete: their id or the box's external id
-- param session_id: session, optional — one session
-- column event_id: string — the event's id
-- column session_id: string — the session's id
-- column session_date: datetime64[ns] — the session's date
-- column athlete_id: string — the athlete's id
-- column timestamp_offset: Int64 — seconds from the session's start
-- column movement: string — catalog id of the movement
-- column quantity_completed: Float64 — how much was done
-- column quantity_unit: string — reps, kg, m, cal...
-- column event_type: string — COMPLETE, START, REST, FINISH, NOTE
-- column recorded_at: datetime64[ns, UTC] — when the event was recorded
SELECT re.id AS event_id, re.session_id, re.session_date, re.athlete_id, re.timestamp_offset, re.movement,
       re.quantity_completed, re.quantity_unit, re.event_type, re.recorded_at
FROM realized_events re
JOIN scheduled_sessions ss ON ss.id = re.session_id
-- the row's own copy of the session date: a date-bounded slice reads only its month partitions
WHERE wodlab_in_slice(re.session_date, ss.wod_definition_id, ss.track, re.athlete_id, re.session_id,
                      CAST(:start AS DATE), CAST(:end AS DATE), CAST(:wod AS UUID), CAST(:tracks AS TEXT[]),
                      CAST(:athlete_id AS UUID), CAST(:session_id AS UUID))
ORDER BY re.session_date, re.session_id, re.athlete_id, re.timestamp_offset, re.id;
