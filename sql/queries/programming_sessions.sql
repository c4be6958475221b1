-- wodlab: the programme (lab.programming): every scheduled session of a period with its workout's
-- stored duration and difficulty, in calendar order.
-- param start: date, optional — first session date (inclusive)
-- param end: date, optional — last session date (inclusive)
-- param track: text, optional — RX, SCALED, INTERMEDIATE
-- column session_id: string — the session's id
-- column session_date: datetime64[ns] — the session's date
-- column track: string — the session's track
-- column wod_id: string — the workout's id
-- column title: string — the workout's title
-- column duration_seconds: Int64 — the workout's stored duration (wodcraft's estimate bounded by the cap)
-- column difficulty_score: Int64 — the workout's stored 0-100 difficulty
SELECT ss.id AS session_id, ss.session_date, ss.track, wd.id AS wod_id, wd.title,
       wd.duration_seconds, wd.difficulty_score
FROM scheduled_sessions ss
JOIN wod_definitions wd ON wd.id = ss.wod_definition_id
WHERE (CAST(:start AS DATE) IS NULL OR ss.session_date >= :start)
AND (CAST(:end AS DATE) IS NULL OR ss.session_date <= :end)
AND (CAST(:track AS TEXT) IS NULL OR ss.track = :track)
ORDER BY ss.session_date, ss.session_time NULLS LAST, wd.title, ss.id;
