-- 031: the impossible-score check reads the rows a statement wrote, not athlete_results again.
--
-- Migrations 029 and 030 handed the check the ids a statement wrote, and the check found those
-- results again in athlete_results: a join of the ids with every month partition, whose plan
-- rests on the partitions' statistics. During a load those statistics are stale by design (the
-- statement is what changes the table; within a long transaction autovacuum even records the rows
-- of the running transaction as absent), and each way of writing the join had a size where the
-- planner could guess wrong: as DISTINCT ids (029) a board of 150,000 scores probed every month's
-- key per id (5.1 s); as the ids alone (030) the plan was left to the partitions' row counts. The
-- trigger already holds the written rows (its transition table): it now hands the check their ids,
-- sessions and scores as one array, and the check joins them only with scheduled_sessions and
-- workout_limits (a key lookup each, whatever the size of athlete_results). The rule itself is
-- migration 027's, word for word, written once below (wodlab_impossible_check); the full check
-- (wodlab_impossible_flags(NULL), `lab.suspicious_results(refresh=True)`) and a workout whose limits
-- changed gather their results' arrays from athlete_results and call the same function.

-- What the rule reads of a result. A trigger's transition table is visible to the trigger function
-- alone: the rows are handed on as an array of these.
CREATE TYPE wodlab_scored_result AS (id UUID, session_id UUID, score_type TEXT, result_status TEXT,
                                     score_value NUMERIC, score_secondary NUMERIC);

-- The rule, once: each given result that no athlete could have scored loses its old "impossible"
-- flag and gets a new one with its reason.
CREATE FUNCTION wodlab_impossible_check(scored wodlab_scored_result[]) RETURNS VOID
LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(scored) IS NULL OR cardinality(scored) = 0 THEN
        RETURN;
    END IF;
    DELETE FROM result_flags rf USING unnest(scored) AS r
    WHERE rf.flag = 'impossible' AND rf.result_id = r.id;
    INSERT INTO result_flags AS rf (result_id, flag, reason, severity)
    SELECT DISTINCT ON (r.id) r.id, 'impossible', found.reason, round(found.severity::numeric, 3)
    FROM unnest(scored) AS r
    JOIN scheduled_sessions ss ON ss.id = r.session_id
    JOIN workout_limits wl ON wl.wod_id = ss.wod_definition_id
    CROSS JOIN LATERAL (
        SELECT wodlab_clock(r.score_value) || ' is faster than anyone does this work (at least '
               || wodlab_clock(wl.fastest_seconds::numeric) || ')' AS reason,
               wl.fastest_seconds / GREATEST(r.score_value, 1) AS severity
        WHERE r.result_status = 'finished' AND r.score_type = 'TIME' AND r.score_value < wl.fastest_seconds
        UNION ALL
        SELECT round(work)::text || ' units of work is more than anyone does in this clock ('
               || round(wl.most_work)::text || ' at most)', work / wl.most_work
        FROM (SELECT r.score_value * wl.reps_per_round + COALESCE(r.score_secondary, 0) AS work) w
        WHERE r.result_status = 'finished' AND r.score_type = 'ROUNDS' AND wl.most_work IS NOT NULL
        AND work > wl.most_work
        UNION ALL
        SELECT round(r.score_value)::text || ' reps by the cap is more than anyone does on this ladder ('
               || round(wl.most_work)::text || ' at most)', r.score_value / wl.most_work
        WHERE r.result_status = 'capped' AND r.score_type = 'REPS' AND wl.most_work IS NOT NULL
        AND r.score_value > wl.most_work
    ) found
    WHERE r.result_status IN ('finished', 'capped') AND r.score_value IS NOT NULL
    ORDER BY r.id  -- an id given twice is flagged once (ON CONFLICT may touch a row once per statement)
    ON CONFLICT (result_id) DO UPDATE
        SET flag = EXCLUDED.flag, reason = EXCLUDED.reason, severity = EXCLUDED.severity, checked_at = NOW();
END $$;

-- Stored results checked again: every result (ids NULL: the full check) or the given ones.
CREATE OR REPLACE FUNCTION wodlab_impossible_flags(ids UUID[]) RETURNS VOID
LANGUAGE plpgsql AS $$
DECLARE
    picked TEXT := CASE WHEN ids IS NULL THEN ''
                        ELSE 'JOIN (SELECT DISTINCT id FROM unnest($1) AS given (id)) AS picked ON picked.id = ar.id' END;
    scored wodlab_scored_result[];
BEGIN
    IF ids IS NULL THEN
        DELETE FROM result_flags WHERE flag = 'impossible';
    ELSE  -- the given ids no longer stored lose their flag too
        DELETE FROM result_flags rf USING unnest(ids) AS given (id)
        WHERE rf.flag = 'impossible' AND rf.result_id = given.id;
    END IF;
    EXECUTE format($sql$
        SELECT array_agg(ROW(ar.id, ar.session_id, ar.score_type, ar.result_status, ar.score_value,
                             ar.score_secondary)::wodlab_scored_result)
        FROM athlete_results ar %s
    $sql$, picked) INTO scored USING ids;
    PERFORM wodlab_impossible_check(scored);
END $$;

-- Results added: each checked, from the statement's own rows.
CREATE OR REPLACE FUNCTION wodlab_flags_after_results_added() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    scored wodlab_scored_result[];
BEGIN
    SELECT array_agg(ROW(id, session_id, score_type, result_status, score_value, score_secondary)::wodlab_scored_result)
    INTO scored FROM added_results;
    PERFORM wodlab_impossible_check(scored);
    RETURN NULL;
END $$;

-- Results whose score changed: every flag they had judged the old score (migration 019); checked again,
-- from the statement's new rows.
CREATE OR REPLACE FUNCTION wodlab_flags_after_results_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    scored wodlab_scored_result[];
BEGIN
    SELECT array_agg(ROW(n.id, n.session_id, n.score_type, n.result_status, n.score_value,
                         n.score_secondary)::wodlab_scored_result)
    INTO scored
    FROM old_results o JOIN new_results n ON n.id = o.id
    WHERE (o.score_type, o.score_value, o.score_secondary, o.result_status, o.session_id)
          IS DISTINCT FROM (n.score_type, n.score_value, n.score_secondary, n.result_status, n.session_id);
    IF scored IS NOT NULL THEN
        DELETE FROM result_flags rf USING unnest(scored) AS r WHERE rf.result_id = r.id;
        PERFORM wodlab_impossible_check(scored);
    END IF;
    RETURN NULL;
END $$;

-- A workout's limits changed (stored, or recompiled by another wodcraft): its results checked again
-- (migration 022: a workout without results checks nothing), their rows found through their sessions.
CREATE OR REPLACE FUNCTION wodlab_flags_after_limits_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    scored wodlab_scored_result[];
BEGIN
    SELECT array_agg(ROW(ar.id, ar.session_id, ar.score_type, ar.result_status, ar.score_value,
                         ar.score_secondary)::wodlab_scored_result)
    INTO scored
    FROM scheduled_sessions ss
    JOIN athlete_results ar ON ar.session_id = ss.id
    WHERE ss.wod_definition_id IN (SELECT wod_id FROM changed_limits);
    PERFORM wodlab_impossible_check(scored);
    RETURN NULL;
END $$;
