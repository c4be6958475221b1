-- wodlab: sessions that have live events, with their workout's format.
-- column session_id: string — the session's id
-- column session_date: datetime64[ns] — the session's date
-- column wod_id: string — the workout's id
-- column title: string — the workout's title
-- column form: string — the first block's type: amrap, for_time...
-- column track: string — the session's track
-- column athletes: Int64 — athletes with events
-- column events: Int64 — events recorded
SELECT ss.id AS session_id, ss.session_date, wd.id AS wod_id, wd.title, wodlab_workout_form(wd.ast_json) AS form,
       ss.track, count(DISTINCT re.athlete_id) AS athletes, count(*) AS events
FROM realized_events re
JOIN scheduled_sessions ss ON ss.id = re.session_id
JOIN wod_definitions wd ON wd.id = ss.wod_definition_id
GROUP BY ss.id, ss.session_date, wd.id, wd.title, form, ss.track
ORDER BY ss.session_date, wd.title, ss.track;
