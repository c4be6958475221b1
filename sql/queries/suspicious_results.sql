-- wodlab: the results flagged by the last check (lab.suspicious_results), worst first: impossible
-- ones, then the farthest from their athlete's level, then board leaders well above their level.
-- column result_id: string — the result's id
-- column flag: string — impossible, outlier or leader
-- column reason: string — why, in numbers
-- column severity: Float64 — how far past the bound (a ratio), or the robust residual |z|: larger is worse
-- column athlete_id: string — the athlete's id
-- column athlete: string — display name
-- column wod_id: string — the workout's id
-- column title: string — the workout's title
-- column session_date: datetime64[ns] — the session's date
-- column track: string — the session's track
-- column score: string — the score as stored (canonical form)
SELECT rf.result_id, rf.flag, rf.reason, rf.severity, ar.athlete_id, a.display_name AS athlete, wd.id AS wod_id, wd.title,
       ss.session_date, ss.track, ar.score_text AS score
FROM result_flags rf
JOIN athlete_results ar ON ar.id = rf.result_id
JOIN scheduled_sessions ss ON ss.id = ar.session_id
JOIN wod_definitions wd ON wd.id = ss.wod_definition_id
LEFT JOIN athletes a ON a.id = ar.athlete_id
ORDER BY CASE rf.flag WHEN 'impossible' THEN 0 WHEN 'outlier' THEN 1 ELSE 2 END, rf.severity DESC, ss.session_date, a.display_name, rf.result_id;
