-- 029: a statement's results picked by joining their ids, not by listing them in "= ANY (ids)".
--
-- The upkeep of flags and boards receives the ids a statement wrote as an array. Written as
-- "ar.id = ANY (ids)", the planner estimates the condition element by element, for every month
-- partition of athlete_results: with a competition board's 150,000 ids that planning alone took
-- 5-6 s (measured: EXPLAIN of "SELECT count(*) FROM athlete_results WHERE id = ANY (150,000 ids)"
-- 5.8 s, the same rows joined to unnest(ids) 0.02 s of planning), and a board of 150,000 scores
-- into a box's database spent 6.2 s of its 21 s checking impossible scores. Joined to
-- unnest(ids), the ids are one relation whose size the planner knows: it probes the id index for
-- a few and hashes many. The rules themselves are unchanged (migrations 019, 027 and 017).

-- Migration 027's rule, word for word; only how the results are picked changed. ids NULL: every result.
CREATE OR REPLACE FUNCTION wodlab_impossible_flags(ids UUID[]) RETURNS VOID
LANGUAGE plpgsql AS $$
DECLARE
    picked TEXT := CASE WHEN ids IS NULL THEN ''
                        ELSE 'JOIN (SELECT DISTINCT id FROM unnest($1) AS given (id)) AS picked ON picked.id = ar.id' END;
BEGIN
    IF ids IS NULL THEN
        DELETE FROM result_flags WHERE flag = 'impossible';
    ELSE
        DELETE FROM result_flags rf USING unnest(ids) AS picked (id)
        WHERE rf.flag = 'impossible' AND rf.result_id = picked.id;
    END IF;
    EXECUTE format($sql$
        INSERT INTO result_flags AS rf (result_id, flag, reason, severity)
        SELECT ar.id, 'impossible', found.reason, round(found.severity::numeric, 3)
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
        ON CONFLICT (result_id) DO UPDATE
            SET flag = EXCLUDED.flag, reason = EXCLUDED.reason, severity = EXCLUDED.severity, checked_at = NOW()
    $sql$, picked) USING ids;
END $$;

-- Migration 019's trigger function: results whose score changed lose every flag, then are checked again.
CREATE OR REPLACE FUNCTION wodlab_flags_after_results_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ids UUID[];
BEGIN
    SELECT array_agg(n.id) INTO ids
    FROM old_results o JOIN new_results n ON n.id = o.id
    WHERE (o.score_type, o.score_value, o.score_secondary, o.result_status, o.session_id)
          IS DISTINCT FROM (n.score_type, n.score_value, n.score_secondary, n.result_status, n.session_id);
    IF ids IS NOT NULL THEN
        DELETE FROM result_flags rf USING unnest(ids) AS picked (id) WHERE rf.result_id = picked.id;
        PERFORM wodlab_impossible_flags(ids);
    END IF;
    RETURN NULL;
END $$;

-- Migration 017's: the boards of athletes whose gender changed, or who were added or deleted.
CREATE OR REPLACE FUNCTION wodlab_standings_touch_athletes(ids UUID[]) RETURNS VOID
LANGUAGE plpgsql AS $$
DECLARE
    touched_wods UUID[];
    touched_scopes TEXT[];
    touched_athletes UUID[];
BEGIN
    IF ids IS NULL THEN
        RETURN;
    END IF;
    SELECT array_agg(ss.wod_definition_id), array_agg(scope.name), array_agg(r.athlete_id)
    INTO touched_wods, touched_scopes, touched_athletes
    FROM (SELECT DISTINCT ar.session_id, ar.athlete_id
          FROM athlete_results ar JOIN unnest(ids) AS picked (id) ON picked.id = ar.athlete_id) r
    JOIN scheduled_sessions ss ON ss.id = r.session_id
    CROSS JOIN LATERAL (VALUES (ss.track), ('*')) AS scope (name);
    PERFORM wodlab_standings_touch(touched_wods, touched_scopes, touched_athletes);
END $$;
