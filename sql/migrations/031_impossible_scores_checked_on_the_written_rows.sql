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
-- sessions and scores as arrays, and the check joins them only with scheduled_sessions and
-- workout_limits (a key lookup each, whatever the size of athlete_results). The rule itself is
-- migration 027's, word for word, written once below (wodlab_impossible_check); the full check
-- (wodlab_impossible_flags(NULL), `lab.suspicious_results(refresh=True)`) and a workout whose limits
-- changed gather their results' arrays from athlete_results and call the same function.

-- The rule, once: each given result that no athlete could have scored loses its old "impossible"
-- flag and gets a new one with its reason. The arrays are parallel: one element per result.
CREATE FUNCTION wodlab_impossible_check(ids UUID[], sessions UUID[], score_types TEXT[], statuses TEXT[],
                                        score_values NUMERIC[], secondaries NUMERIC[]) RETURNS VOID
LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(ids) IS NULL OR cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    DELETE FROM result_flags rf USING unnest(ids) AS picked (id)
    WHERE rf.flag = 'impossible' AND rf.result_id = picked.id;
    INSERT INTO result_flags AS rf (result_id, flag, reason, severity)
    SELECT DISTINCT ON (r.id) r.id, 'impossible', found.reason, round(found.severity::numeric, 3)
    FROM unnest(ids, sessions, score_types, statuses, score_values, secondaries)
         AS r (id, session_id, score_type, result_status, score_value, score_secondary)
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
    found_ids UUID[];
    sessions UUID[];
    score_types TEXT[];
    statuses TEXT[];
    score_values NUMERIC[];
    secondaries NUMERIC[];
BEGIN
    IF ids IS NULL THEN
        DELETE FROM result_flags WHERE flag = 'impossible';
    END IF;
    EXECUTE format($sql$
        SELECT array_agg(ar.id), array_agg(ar.session_id), array_agg(ar.score_type::text),
               array_agg(ar.result_status::text), array_agg(ar.score_value), array_agg(ar.score_secondary)
        FROM athlete_results ar %s
    $sql$, picked) INTO found_ids, sessions, score_types, statuses, score_values, secondaries USING ids;
    IF ids IS NOT NULL THEN  -- the given ids no longer stored lose their flag too
        DELETE FROM result_flags rf USING unnest(ids) AS given (id)
        WHERE rf.flag = 'impossible' AND rf.result_id = given.id;
    END IF;
    PERFORM wodlab_impossible_check(found_ids, sessions, score_types, statuses, score_values, secondaries);
END $$;

-- Results added: each checked, from the statement's own rows.
CREATE OR REPLACE FUNCTION wodlab_flags_after_results_added() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ids UUID[];
    sessions UUID[];
    score_types TEXT[];
    statuses TEXT[];
    score_values NUMERIC[];
    secondaries NUMERIC[];
BEGIN
    SELECT array_agg(id), array_agg(session_id), array_agg(score_type::text), array_agg(result_status::text),
           array_agg(score_value), array_agg(score_secondary)
    INTO ids, sessions, score_types, statuses, score_values, secondaries
    FROM added_results;
    PERFORM wodlab_impossible_check(ids, sessions, score_types, statuses, score_values, secondaries);
    RETURN NULL;
END $$;

-- Results whose score changed: every flag they had judged the old score (migration 019); checked again,
-- from the statement's new rows.
CREATE OR REPLACE FUNCTION wodlab_flags_after_results_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ids UUID[];
    sessions UUID[];
    score_types TEXT[];
    statuses TEXT[];
    score_values NUMERIC[];
    secondaries NUMERIC[];
BEGIN
    SELECT array_agg(n.id), array_agg(n.session_id), array_agg(n.score_type::text), array_agg(n.result_status::text),
           array_agg(n.score_value), array_agg(n.score_secondary)
    INTO ids, sessions, score_types, statuses, score_values, secondaries
    FROM old_results o JOIN new_results n ON n.id = o.id
    WHERE (o.score_type, o.score_value, o.score_secondary, o.result_status, o.session_id)
          IS DISTINCT FROM (n.score_type, n.score_value, n.score_secondary, n.result_status, n.session_id);
    IF ids IS NOT NULL THEN
        DELETE FROM result_flags rf USING unnest(ids) AS picked (id) WHERE rf.result_id = picked.id;
        PERFORM wodlab_impossible_check(ids, sessions, score_types, statuses, score_values, secondaries);
    END IF;
    RETURN NULL;
END $$;

-- A workout's limits changed (stored, or recompiled by another wodcraft): its results checked again
-- (migration 022: a workout without results checks nothing), their rows found through their sessions.
CREATE OR REPLACE FUNCTION wodlab_flags_after_limits_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ids UUID[];
    sessions UUID[];
    score_types TEXT[];
    statuses TEXT[];
    score_values NUMERIC[];
    secondaries NUMERIC[];
BEGIN
    SELECT array_agg(ar.id), array_agg(ar.session_id), array_agg(ar.score_type::text), array_agg(ar.result_status::text),
           array_agg(ar.score_value), array_agg(ar.score_secondary)
    INTO ids, sessions, score_types, statuses, score_values, secondaries
    FROM scheduled_sessions ss
    JOIN athlete_results ar ON ar.session_id = ss.id
    WHERE ss.wod_definition_id IN (SELECT wod_id FROM changed_limits);
    PERFORM wodlab_impossible_check(ids, sessions, score_types, statuses, score_values, secondaries);
    RETURN NULL;
END $$;
