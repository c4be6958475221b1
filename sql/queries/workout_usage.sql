-- wodlab: how much each stored workout is used, to choose which of two duplicates to keep.
-- column wod_id: string — the workout's id
-- column title: string — the workout's title
-- column sessions: Int64 — scheduled sessions of it
-- column results: Int64 — results recorded in those sessions
SELECT w.id AS wod_id, w.title, count(DISTINCT ss.id) AS sessions, count(ar.id) AS results
FROM wod_definitions w
LEFT JOIN scheduled_sessions ss ON ss.wod_definition_id = w.id
LEFT JOIN athlete_results ar ON ar.session_id = ss.id
GROUP BY w.id, w.title
ORDER BY w.title, w.id;
