-- Seed, "Progression d'un athlète sur un mouvement" (the seed's example: deadlift).
-- Departure: when movement is NULL every result of the athlete is returned; ties on the date are
-- broken by title then score, so the order is reproducible.
-- param athlete_id: athlete — the athlete's id: their id or the box's external id
-- param movement: movement, optional — a movement, e.g. 'deadlift' or 'soulevé de terre'
-- column workout_date: datetime64[ns] — the session's date
-- column title: string — the workout's title
-- column score_value: Float64 — main score (seconds, reps, kg...)
-- column score_type: string — TIME, REPS, ROUNDS, LOAD, CALORIES...
-- column personal_record: boolean — wodlab: this result is the athlete's best on the workout (workout_standings)
-- column record_score: string — wodlab: the athlete's best score on the workout, as written, e.g. '3:12'
SELECT DATE(ss.session_date) AS workout_date,
       wd.title,
       ar.score_value,
       ar.score_type,
       COALESCE(pr.result_id = ar.id, FALSE) AS personal_record,
       pr.score_text AS record_score
FROM athlete_results ar
JOIN scheduled_sessions ss ON ar.session_id = ss.id
JOIN wod_definitions wd ON ss.wod_definition_id = wd.id
-- the athlete's record on each workout: two key lookups a row (standings, then that result), never
-- a scan of every result. LIMIT 1 (there is one row) keeps PostgreSQL from flattening the LATERAL
-- into a join it then plans as a hash of all results.
LEFT JOIN LATERAL (
    SELECT st.result_id, best.score_text
    FROM workout_standings st
    JOIN athlete_results best ON best.id = st.result_id AND best.session_date = st.session_date
    WHERE st.wod_id = wd.id AND st.scope = '*' AND st.athlete_id = ar.athlete_id
    LIMIT 1
) pr ON TRUE
WHERE ar.athlete_id = :athlete_id
AND (CAST(:movement AS TEXT) IS NULL OR wd.movements_list @> ARRAY[CAST(:movement AS TEXT)])
ORDER BY ss.session_date DESC, wd.title, ar.score_value;
