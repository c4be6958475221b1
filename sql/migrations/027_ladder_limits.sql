-- 027: an open ladder's reps by the cap checked as an AMRAP's work is. An open ladder ("3-6-9 ...
-- for time, capped") is never finished: its scores are capped results, their reps by the cap. Its
-- workout_limits.most_work is the most reps the fastest athlete reaches walking its rungs
-- (wodlab.workouts.walks.Walk.most_reps, written when the workout is stored); a capped
-- result past it is a logging error, flagged "impossible" like a time faster than anyone's. The
-- rule's other two comparisons are migration 019's, unchanged.
CREATE OR REPLACE FUNCTION wodlab_impossible_flags(ids UUID[]) RETURNS VOID
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE 'DELETE FROM result_flags WHERE flag = ''impossible'' AND ($1 IS NULL OR result_id = ANY ($1))' USING ids;
    EXECUTE $sql$
        INSERT INTO result_flags AS rf (result_id, flag, reason, severity)
        SELECT ar.id, 'impossible', found.reason, round(found.severity::numeric, 3)
        FROM athlete_results ar
        JOIN scheduled_sessions ss ON ss.id = ar.session_id
        JOIN workout_limits wl ON wl.wod_id = ss.wod_definition_id
        CROSS JOIN LATERAL (
            SELECT wodlab_clock(ar.score_value) || ' is faster than anyone does this work (at least '
                   || wodlab_clock(wl.fastest_seconds::numeric) || ')' AS reason,
                   wl.fastest_seconds / GREATEST(ar.score_value, 1) AS severity
            WHERE ar.result_status = 'finished' AND ar.score_type = 'TIME' AND ar.score_value < wl.fastest_seconds
            UNION ALL
            SELECT round(work)::text || ' units of work is more than anyone does in this clock ('
                   || round(wl.most_work)::text || ' at most)', work / wl.most_work
            FROM (SELECT ar.score_value * wl.reps_per_round + COALESCE(ar.score_secondary, 0) AS work) w
            WHERE ar.result_status = 'finished' AND ar.score_type = 'ROUNDS' AND wl.most_work IS NOT NULL
            AND work > wl.most_work
            UNION ALL
            SELECT round(ar.score_value)::text || ' reps by the cap is more than anyone does on this ladder ('
                   || round(wl.most_work)::text || ' at most)', ar.score_value / wl.most_work
            WHERE ar.result_status = 'capped' AND ar.score_type = 'REPS' AND wl.most_work IS NOT NULL
            AND ar.score_value > wl.most_work
        ) found
        WHERE ar.result_status IN ('finished', 'capped') AND ar.score_value IS NOT NULL
        AND ($1 IS NULL OR ar.id = ANY ($1))
        ON CONFLICT (result_id) DO UPDATE
            SET flag = EXCLUDED.flag, reason = EXCLUDED.reason, severity = EXCLUDED.severity, checked_at = NOW()
    $sql$ USING ids;
END $$;
