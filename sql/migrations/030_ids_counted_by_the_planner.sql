-- 030: a statement's results picked for the impossible-score check by their ids as they come.
--
-- Migration 029 joined the ids through "SELECT DISTINCT id FROM unnest(ids)". The planner cannot
-- count the distinct values of an array and guesses 200: for a competition board of 150,000 scores
-- it looked each id up in every month partition's primary key, one by one (150,000 x 26 index
-- probes: 5.1 s of a 14 s board load, seen with auto_explain). unnest(ids) alone is counted exactly
-- (the array is known when the statement is planned), and the planner hashes the ids. The DISTINCT
-- guarded against an id given twice, which would make ON CONFLICT touch a row twice; that guard is
-- now DISTINCT ON (ar.id) over the rows found, which are few (the impossible ones). The rule itself
-- is migration 027's, word for word.

CREATE OR REPLACE FUNCTION wodlab_impossible_flags(ids UUID[]) RETURNS VOID
LANGUAGE plpgsql AS $$
DECLARE
    picked TEXT := CASE WHEN ids IS NULL THEN ''
                        ELSE 'JOIN unnest($1) AS picked (id) ON picked.id = ar.id' END;
BEGIN
    IF ids IS NULL THEN
        DELETE FROM result_flags WHERE flag = 'impossible';
    ELSE
        DELETE FROM result_flags rf USING unnest(ids) AS picked (id)
        WHERE rf.flag = 'impossible' AND rf.result_id = picked.id;
    END IF;
    EXECUTE format($sql$
        INSERT INTO result_flags AS rf (result_id, flag, reason, severity)
        SELECT DISTINCT ON (ar.id) ar.id, 'impossible', found.reason, round(found.severity::numeric, 3)
        FROM athlete_results ar
        %s
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
        ORDER BY ar.id
        ON CONFLICT (result_id) DO UPDATE
            SET flag = EXCLUDED.flag, reason = EXCLUDED.reason, severity = EXCLUDED.severity, checked_at = NOW()
    $sql$, picked) USING ids;
END $$;
