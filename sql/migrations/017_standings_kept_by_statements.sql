-- 017: workout_standings kept current by the statements that change results, instead of a
-- materialised view refreshed whole (migration 012).
--
-- The seed asks to "matérialiser les vues pour analytics fréquentes": the boards are still stored,
-- read by the leaderboards as index ranges. What changes is how they are kept. REFRESH recomputed
-- every board of every workout after each load: 17-25 s at a million results for a day of 4,000
-- scores. Here a statement-level trigger sees exactly the rows a statement wrote (its transition
-- tables: a COPY of a million rows, an UPDATE of one) and recomputes the best result of exactly
-- the (workout, scope, athlete) it touched. A change costs what it adds.
--
-- What is stored, and what is not:
-- - one row per workout, scope and athlete: the athlete's best result by the rank key
--   (wodlab.ranking), its key, the athlete's gender, and the key under the crossfit policy
--   (crossfit_tier). The scope is a track ('RX', 'SCALED', 'INTERMEDIATE') or '*' (every session
--   of the workout: the athlete's personal record);
-- - ranks and percentiles are NOT stored. A better score moves every athlete below it one place
--   down, so stored ranks made every load rewrite whole boards. The boards are ordered by the key
--   in an index (one per policy): the top of a board is an index range, its rank counted as it is
--   read (RANK() over that order), and the percentile takes the board's size from
--   workout_boards, kept with the standings (sql/queries/leaderboard.sql).
--
-- Concurrency. Two loads touching the same workout take its advisory lock in turn (workouts in id
-- order); the second one recomputes after the first has committed, from a snapshot that sees it
-- (READ COMMITTED: each statement of the upkeep takes a new snapshot once the lock is held). The
-- full rebuild (wodlab_standings_rebuild, `wodlab refresh`) takes the lock of every workout: it
-- waits for the loads in flight and they wait for it.
-- tests/test_incremental_standings.py compares the kept boards with a rebuild from scratch after
-- random loads, corrections and deletes, and after concurrent loads.

DROP MATERIALIZED VIEW workout_standings;

-- The rank tier under a ranking policy (wodlab.ranking): under "crossfit" every no-score (tier 8
-- and up) shares the last place; "box" keeps the stored tier (DNF before DNS, WD and none).
CREATE FUNCTION wodlab_policy_tier(policy TEXT, rank_tier SMALLINT) RETURNS SMALLINT
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN policy = 'crossfit' THEN LEAST(rank_tier, 8)::smallint ELSE rank_tier END
$$;

CREATE TABLE workout_standings (
    wod_id UUID NOT NULL,
    scope VARCHAR(20) NOT NULL,            -- a track, or '*' for every session of the workout
    athlete_id UUID NOT NULL,
    track VARCHAR(20),                     -- the track of the session of the best result
    result_id UUID NOT NULL,
    session_date DATE NOT NULL,            -- with result_id, the best result's key in athlete_results
    rank_tier SMALLINT,
    rank_value DECIMAL(14,3),
    tiebreak_seconds DECIMAL(10,3),
    recorded_at TIMESTAMPTZ,
    gender CHAR(1),                        -- the athlete's, for the boards of one gender
    crossfit_tier SMALLINT GENERATED ALWAYS AS (wodlab_policy_tier('crossfit', rank_tier)) STORED,
    PRIMARY KEY (wod_id, scope, athlete_id)
);
-- Each policy's board in its order: rank, then who recorded first (the leaderboard's order).
CREATE INDEX idx_standings_box
    ON workout_standings (wod_id, scope, rank_tier, rank_value, tiebreak_seconds, recorded_at, athlete_id);
CREATE INDEX idx_standings_crossfit
    ON workout_standings (wod_id, scope, crossfit_tier, rank_value, tiebreak_seconds, recorded_at, athlete_id);

-- How many athletes each board holds, for percentiles (kept with the standings).
CREATE TABLE workout_boards (
    wod_id UUID NOT NULL,
    scope VARCHAR(20) NOT NULL,
    athletes INT NOT NULL,
    men INT NOT NULL,
    women INT NOT NULL,
    PRIMARY KEY (wod_id, scope)
);

-- The boards' locks: every upkeep takes the shared lock of the standings and the lock of each
-- workout it touches (in id order, so two loads never wait for each other in a circle); the full
-- rebuild takes the standings' lock alone, exclusively.
CREATE FUNCTION wodlab_standings_lock(for_wods UUID[]) RETURNS VOID
LANGUAGE plpgsql AS $$
DECLARE
    wod UUID;
BEGIN
    PERFORM pg_advisory_xact_lock_shared(hashtext('wodlab.workout_standings'), 0);
    FOR wod IN SELECT DISTINCT w FROM unnest(for_wods) AS w ORDER BY w LOOP
        PERFORM pg_advisory_xact_lock(hashtext('wodlab.workout_standings'), hashtext(wod::text));
    END LOOP;
END $$;

-- Apply wodlab_fresh_standings to the stored rows of the given (workout, scope, athlete), or of
-- whole boards when for_athletes is NULL: rows no longer backed by a result go, new and changed rows
-- are written, equal rows are left alone (no write, no index churn).
CREATE FUNCTION wodlab_standings_merge(for_wods UUID[], for_scopes TEXT[], for_athletes UUID[]) RETURNS VOID
LANGUAGE plpgsql AS $$
BEGIN

    IF for_athletes IS NULL THEN  -- whole boards: what is stored and not fresh
        EXECUTE 'DELETE FROM workout_standings st
                 USING (SELECT DISTINCT w, s FROM unnest($1, $2) AS b (w, s)) b
                 WHERE st.wod_id = b.w AND st.scope = b.s
                 AND NOT EXISTS (SELECT 1 FROM wodlab_fresh_standings f
                                 WHERE f.wod_id = st.wod_id AND f.scope = st.scope AND f.athlete_id = st.athlete_id)'
        USING for_wods, for_scopes;
    ELSE  -- what was asked for and is no longer backed by a result (a load of new results: nothing)
        EXECUTE 'DELETE FROM workout_standings st
                 USING (SELECT w, s, a FROM unnest($1, $2, $3) AS t (w, s, a)
                        EXCEPT SELECT wod_id, scope, athlete_id FROM wodlab_fresh_standings) gone
                 WHERE st.wod_id = gone.w AND st.scope = gone.s AND st.athlete_id = gone.a'
        USING for_wods, for_scopes, for_athletes;
    END IF;

    INSERT INTO workout_standings AS st (wod_id, scope, athlete_id, track, result_id, session_date, rank_tier, rank_value,
                                         tiebreak_seconds, recorded_at, gender)
    SELECT f.wod_id, f.scope, f.athlete_id, f.track, f.result_id, f.session_date, f.rank_tier, f.rank_value,
           f.tiebreak_seconds, f.recorded_at, f.gender
    FROM wodlab_fresh_standings f
    -- each fresh row's stored one looked up by its key (LIMIT keeps it a lookup, not a join of the
    -- whole table)
    LEFT JOIN LATERAL (
        SELECT * FROM workout_standings st
        WHERE st.wod_id = f.wod_id AND st.scope = f.scope AND st.athlete_id = f.athlete_id
        LIMIT 1
    ) stored ON TRUE
    WHERE (stored.track, stored.result_id, stored.session_date, stored.rank_tier, stored.rank_value,
           stored.tiebreak_seconds, stored.recorded_at, stored.gender)
          IS DISTINCT FROM
          (f.track, f.result_id, f.session_date, f.rank_tier, f.rank_value, f.tiebreak_seconds, f.recorded_at, f.gender)
    ORDER BY f.wod_id, f.scope, f.athlete_id
    ON CONFLICT (wod_id, scope, athlete_id) DO UPDATE
        SET track = EXCLUDED.track, result_id = EXCLUDED.result_id, session_date = EXCLUDED.session_date,
            rank_tier = EXCLUDED.rank_tier, rank_value = EXCLUDED.rank_value,
            tiebreak_seconds = EXCLUDED.tiebreak_seconds, recorded_at = EXCLUDED.recorded_at, gender = EXCLUDED.gender;

END $$;

-- The same result as wodlab_standings_merge, written as a bulk load: the rows asked for deleted, the
-- board indexes dropped, the fresh rows inserted in key order, the indexes built again exactly as
-- they were defined (pg_get_indexdef: their definitions stay in one place, above).
CREATE FUNCTION wodlab_standings_bulk_write(for_wods UUID[], for_scopes TEXT[], for_athletes UUID[]) RETURNS VOID
LANGUAGE plpgsql AS $$
DECLARE
    definitions TEXT[];
    names TEXT[];
    name TEXT;
    definition TEXT;
BEGIN
    LOCK TABLE workout_standings IN ACCESS EXCLUSIVE MODE;
    IF for_athletes IS NULL THEN
        EXECUTE 'DELETE FROM workout_standings st USING (SELECT DISTINCT w, s FROM unnest($1, $2) AS b (w, s)) b
                 WHERE st.wod_id = b.w AND st.scope = b.s'
        USING for_wods, for_scopes;
    ELSE
        EXECUTE 'DELETE FROM workout_standings st USING (SELECT DISTINCT w, s, a FROM unnest($1, $2, $3) AS t (w, s, a)) t
                 WHERE st.wod_id = t.w AND st.scope = t.s AND st.athlete_id = t.a'
        USING for_wods, for_scopes, for_athletes;
    END IF;
    SELECT array_agg(pg_get_indexdef(i.indexrelid)), array_agg(c.relname::text)
    INTO definitions, names
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
    WHERE i.indrelid = 'workout_standings'::regclass AND NOT i.indisprimary;
    FOREACH name IN ARRAY COALESCE(names, '{}') LOOP
        EXECUTE format('DROP INDEX %I', name);
    END LOOP;
    INSERT INTO workout_standings (wod_id, scope, athlete_id, track, result_id, session_date, rank_tier, rank_value,
                                   tiebreak_seconds, recorded_at, gender)
    SELECT wod_id, scope, athlete_id, track, result_id, session_date, rank_tier, rank_value, tiebreak_seconds,
           recorded_at, gender
    FROM wodlab_fresh_standings
    ORDER BY wod_id, scope, athlete_id;
    FOREACH definition IN ARRAY COALESCE(definitions, '{}') LOOP
        EXECUTE definition;
    END LOOP;
END $$;

-- Write the fresh bests of the given (workout, scope, athlete), or of whole boards when for_athletes
-- is NULL: rows no longer backed by a result go, new and changed rows are written, equal rows are
-- left alone (no write, no index churn); then the boards' sizes are counted again. Each statement
-- is planned for the arrays it is given (EXECUTE ... USING): their sizes and whether for_athletes
-- is NULL change the best plan from a day's load to a rebuild.
CREATE FUNCTION wodlab_standings_write(for_wods UUID[], for_scopes TEXT[], for_athletes UUID[]) RETURNS VOID
LANGUAGE plpgsql AS $$
DECLARE
    fresh_rows BIGINT;
BEGIN
    IF cardinality(for_wods) IS NULL OR cardinality(for_wods) = 0 THEN
        RETURN;
    END IF;
    -- The fresh rows go through a temporary table, emptied by DELETE: a TRUNCATE gives the table a new
    -- file each time, and a transaction of many one-row statements (an INSERT per result, as
    -- pandas.to_sql sends them) paid for a file per statement.
    CREATE TEMP TABLE IF NOT EXISTS wodlab_fresh_standings (LIKE workout_standings) ON COMMIT DELETE ROWS;
    DELETE FROM wodlab_fresh_standings;
    -- The best result of each (workout, scope, athlete) asked for, from the results themselves: the
    -- one place the rule "an athlete's best on a board" is written. The best is the lowest rank key
    -- (tier, value, tie-break with missing ones last), then the earliest session, then the result id
    -- (two sessions of one day: a stable choice). The candidates are the results of the boards'
    -- sessions (an index range per session), kept to the athletes asked for by a hash join: the
    -- planner cannot count the pairs of two arrays, and left to itself it looked each pair up in
    -- every month's index (2.5 s for a day of 4,000 results instead of 0.05 s). Many athletes asked
    -- for (a big load): their boards are computed whole, which is the same answer, faster.
    IF cardinality(for_athletes) > 100000 THEN
        for_athletes := NULL;
    END IF;
    EXECUTE format($sql$
        WITH board_results AS MATERIALIZED (
            SELECT s.wod_id, s.scope, ar.athlete_id, s.track, ar.id AS result_id, s.session_date, ar.rank_tier,
                   ar.rank_value, ar.tiebreak_seconds, ar.recorded_at
            FROM (SELECT b.wod_id, b.scope, ss.id AS session_id, ss.track, ss.session_date
                  FROM (SELECT DISTINCT w AS wod_id, sc AS scope FROM unnest($1, $2) AS b (w, sc)) b
                  JOIN scheduled_sessions ss
                    ON ss.wod_definition_id = b.wod_id AND (b.scope = '*' OR ss.track = b.scope)) s
            JOIN athlete_results ar ON ar.session_id = s.session_id
        )
        INSERT INTO wodlab_fresh_standings (wod_id, scope, athlete_id, track, result_id, session_date, rank_tier,
                                            rank_value, tiebreak_seconds, recorded_at, gender)
        SELECT DISTINCT ON (c.wod_id, c.scope, c.athlete_id)
               c.wod_id, c.scope, c.athlete_id, c.track, c.result_id, c.session_date, c.rank_tier, c.rank_value,
               c.tiebreak_seconds, c.recorded_at, a.gender
        FROM board_results c
        %s
        LEFT JOIN athletes a ON a.id = c.athlete_id
        ORDER BY c.wod_id, c.scope, c.athlete_id, c.rank_tier, c.rank_value, c.tiebreak_seconds NULLS LAST,
                 c.session_date, c.result_id
    $sql$, CASE WHEN for_athletes IS NULL THEN '' ELSE
        'JOIN (SELECT DISTINCT w, sc, a FROM unnest($1, $2, $3) AS t (w, sc, a)) t
           ON t.w = c.wod_id AND t.sc = c.scope AND t.a = c.athlete_id' END)
    USING for_wods, for_scopes, for_athletes;
    GET DIAGNOSTICS fresh_rows = ROW_COUNT;
    IF fresh_rows >= 1000 THEN  -- statistics for the merge's plan; a few rows plan well without them
        ANALYZE wodlab_fresh_standings;
    END IF;
    -- Many rows into a table that holds fewer (a first load, a rebuild of an emptied table): write
    -- them as a bulk load does, the board indexes built once after the rows instead of row by row
    -- (about 3x faster at a million rows). Readers wait for this transaction meanwhile.
    IF fresh_rows >= 50000
       AND (SELECT count(*) FROM (SELECT 1 FROM workout_standings LIMIT 2 * fresh_rows) stored) < 2 * fresh_rows THEN
        PERFORM wodlab_standings_bulk_write(for_wods, for_scopes, for_athletes);
    ELSE
        PERFORM wodlab_standings_merge(for_wods, for_scopes, for_athletes);
    END IF;

    -- each board counted through its index (a few thousand entries each), never the whole table
    WITH counted AS (
        SELECT b.wod_id, b.scope, n.athletes, n.men, n.women
        FROM (SELECT DISTINCT w AS wod_id, s AS scope FROM unnest(for_wods, for_scopes) AS b (w, s)) b
        CROSS JOIN LATERAL (
            SELECT count(*)::int AS athletes, (count(*) FILTER (WHERE st.gender = 'M'))::int AS men,
                   (count(*) FILTER (WHERE st.gender = 'F'))::int AS women
            FROM workout_standings st WHERE st.wod_id = b.wod_id AND st.scope = b.scope
        ) n
    ), emptied AS (
        DELETE FROM workout_boards wb USING counted c
        WHERE wb.wod_id = c.wod_id AND wb.scope = c.scope AND c.athletes = 0
    )
    INSERT INTO workout_boards AS wb (wod_id, scope, athletes, men, women)
    SELECT wod_id, scope, athletes, men, women FROM counted WHERE athletes > 0
    ORDER BY wod_id, scope
    ON CONFLICT (wod_id, scope) DO UPDATE
        SET athletes = EXCLUDED.athletes, men = EXCLUDED.men, women = EXCLUDED.women
        WHERE (wb.athletes, wb.men, wb.women) IS DISTINCT FROM (EXCLUDED.athletes, EXCLUDED.men, EXCLUDED.women);
END $$;

-- The upkeep of the given (workout, scope, athlete): lock the workouts, then write.
CREATE FUNCTION wodlab_standings_touch(for_wods UUID[], for_scopes TEXT[], for_athletes UUID[]) RETURNS VOID
LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(for_wods) IS NULL OR cardinality(for_wods) = 0 THEN
        RETURN;
    END IF;
    PERFORM wodlab_standings_lock(for_wods);
    PERFORM wodlab_standings_write(for_wods, for_scopes, for_athletes);
END $$;

-- Every board computed again from the results (`wodlab refresh`): after the exclusive lock, every
-- load in flight has committed and none starts its upkeep until this one commits. Written as a
-- difference, as REFRESH ... CONCURRENTLY did: readers keep their boards meanwhile.
CREATE FUNCTION wodlab_standings_rebuild() RETURNS VOID
LANGUAGE plpgsql AS $$
DECLARE
    boards_wods UUID[];
    boards_scopes TEXT[];
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('wodlab.workout_standings'), 0);
    SELECT array_agg(w), array_agg(s) INTO boards_wods, boards_scopes FROM (
        SELECT ss.wod_definition_id AS w, scope.name AS s
        FROM scheduled_sessions ss CROSS JOIN LATERAL (VALUES (ss.track), ('*')) AS scope (name)
        UNION
        SELECT wod_id, scope FROM workout_standings
    ) b;
    DELETE FROM workout_standings st
    WHERE NOT EXISTS (SELECT 1 FROM unnest(boards_wods, boards_scopes) AS b (w, s) WHERE b.w = st.wod_id AND b.s = st.scope);
    DELETE FROM workout_boards wb
    WHERE NOT EXISTS (SELECT 1 FROM unnest(boards_wods, boards_scopes) AS b (w, s) WHERE b.w = wb.wod_id AND b.s = wb.scope);
    PERFORM wodlab_standings_write(boards_wods, boards_scopes, NULL);
END $$;

-- The (workout, scope, athlete) of results given as (session, athlete) pairs: the session's track and '*'.
CREATE FUNCTION wodlab_standings_touch_results(sessions UUID[], athletes UUID[]) RETURNS VOID
LANGUAGE plpgsql AS $$
DECLARE
    touched_wods UUID[];
    touched_scopes TEXT[];
    touched_athletes UUID[];
BEGIN
    SELECT array_agg(ss.wod_definition_id), array_agg(scope.name), array_agg(p.athlete_id)
    INTO touched_wods, touched_scopes, touched_athletes
    FROM (SELECT DISTINCT s, a FROM unnest(sessions, athletes) AS p (s, a)) AS p (session_id, athlete_id)
    JOIN scheduled_sessions ss ON ss.id = p.session_id
    CROSS JOIN LATERAL (VALUES (ss.track), ('*')) AS scope (name);
    PERFORM wodlab_standings_touch(touched_wods, touched_scopes, touched_athletes);
END $$;

-- Results added or deleted: their (session, athlete) pairs.
CREATE FUNCTION wodlab_standings_after_results_added() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    sessions UUID[];
    athletes UUID[];
BEGIN
    SELECT array_agg(session_id), array_agg(athlete_id) INTO sessions, athletes FROM added_results;
    PERFORM wodlab_standings_touch_results(sessions, athletes);
    RETURN NULL;
END $$;
CREATE FUNCTION wodlab_standings_after_results_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    sessions UUID[];
    athletes UUID[];
BEGIN
    SELECT array_agg(session_id), array_agg(athlete_id) INTO sessions, athletes FROM gone_results;
    PERFORM wodlab_standings_touch_results(sessions, athletes);
    RETURN NULL;
END $$;
-- Results changed: the pairs before and after, of the rows whose place on a board may have changed
-- (an UPDATE of their timelines alone, migration 008, changes no board: nothing to do).
CREATE FUNCTION wodlab_standings_after_results_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    sessions UUID[];
    athletes UUID[];
BEGIN
    WITH moved AS (
        SELECT o.session_id AS old_session, o.athlete_id AS old_athlete, n.session_id AS new_session,
               n.athlete_id AS new_athlete
        FROM old_results o
        FULL JOIN new_results n ON n.id = o.id
        WHERE (o.session_id, o.athlete_id, o.session_date, o.rank_tier, o.rank_value, o.tiebreak_seconds, o.recorded_at)
              IS DISTINCT FROM
              (n.session_id, n.athlete_id, n.session_date, n.rank_tier, n.rank_value, n.tiebreak_seconds, n.recorded_at)
    ), pairs AS (
        SELECT old_session AS session_id, old_athlete AS athlete_id FROM moved WHERE old_session IS NOT NULL
        UNION
        SELECT new_session, new_athlete FROM moved WHERE new_session IS NOT NULL
    )
    SELECT array_agg(session_id), array_agg(athlete_id) INTO sessions, athletes FROM pairs;
    PERFORM wodlab_standings_touch_results(sessions, athletes);
    RETURN NULL;
END $$;
CREATE FUNCTION wodlab_standings_after_results_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('wodlab.workout_standings'), 0);
    TRUNCATE workout_standings, workout_boards;
    RETURN NULL;
END $$;
CREATE TRIGGER results_standings_insert AFTER INSERT ON athlete_results
    REFERENCING NEW TABLE AS added_results FOR EACH STATEMENT EXECUTE FUNCTION wodlab_standings_after_results_added();
CREATE TRIGGER results_standings_update AFTER UPDATE ON athlete_results
    REFERENCING OLD TABLE AS old_results NEW TABLE AS new_results
    FOR EACH STATEMENT EXECUTE FUNCTION wodlab_standings_after_results_changed();
CREATE TRIGGER results_standings_delete AFTER DELETE ON athlete_results
    REFERENCING OLD TABLE AS gone_results FOR EACH STATEMENT EXECUTE FUNCTION wodlab_standings_after_results_deleted();
CREATE TRIGGER results_standings_truncate AFTER TRUNCATE ON athlete_results
    FOR EACH STATEMENT EXECUTE FUNCTION wodlab_standings_after_results_truncated();

-- A session moved to another workout or track: every board its results were on, and are on now.
CREATE FUNCTION wodlab_standings_after_sessions_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    touched_wods UUID[];
    touched_scopes TEXT[];
    touched_athletes UUID[];
BEGIN
    WITH moved AS (
        SELECT o.id, o.wod_definition_id AS old_wod, o.track AS old_track, n.wod_definition_id AS new_wod,
               n.track AS new_track
        FROM old_sessions o JOIN new_sessions n ON n.id = o.id
        WHERE (o.wod_definition_id, o.track) IS DISTINCT FROM (n.wod_definition_id, n.track)
    ), boards AS (
        SELECT id, old_wod AS wod_id, old_track AS scope FROM moved
        UNION SELECT id, old_wod, '*' FROM moved
        UNION SELECT id, new_wod, new_track FROM moved
        UNION SELECT id, new_wod, '*' FROM moved
    )
    SELECT array_agg(b.wod_id), array_agg(b.scope), array_agg(ar.athlete_id)
    INTO touched_wods, touched_scopes, touched_athletes
    FROM boards b JOIN athlete_results ar ON ar.session_id = b.id
    WHERE b.wod_id IS NOT NULL AND b.scope IS NOT NULL;
    PERFORM wodlab_standings_touch(touched_wods, touched_scopes, touched_athletes);
    RETURN NULL;
END $$;
CREATE TRIGGER sessions_standings_update AFTER UPDATE ON scheduled_sessions
    REFERENCING OLD TABLE AS old_sessions NEW TABLE AS new_sessions
    FOR EACH STATEMENT EXECUTE FUNCTION wodlab_standings_after_sessions_changed();

-- Athletes added, changed or deleted: the gender their rows carry, and their boards' sizes. Their
-- boards are found from their results (idx_results_athlete), so adding athletes with no result
-- costs one index look each.
CREATE FUNCTION wodlab_standings_touch_athletes(ids UUID[]) RETURNS VOID
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
    FROM (SELECT DISTINCT ar.session_id, ar.athlete_id FROM athlete_results ar WHERE ar.athlete_id = ANY (ids)) r
    JOIN scheduled_sessions ss ON ss.id = r.session_id
    CROSS JOIN LATERAL (VALUES (ss.track), ('*')) AS scope (name);
    PERFORM wodlab_standings_touch(touched_wods, touched_scopes, touched_athletes);
END $$;
CREATE FUNCTION wodlab_standings_after_athletes_added() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM wodlab_standings_touch_athletes((SELECT array_agg(id) FROM added_athletes));
    RETURN NULL;
END $$;
CREATE FUNCTION wodlab_standings_after_athletes_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM wodlab_standings_touch_athletes((
        SELECT array_agg(DISTINCT changed.id)
        FROM old_athletes o FULL JOIN new_athletes n ON n.id = o.id
        CROSS JOIN LATERAL (VALUES (o.id), (n.id)) AS changed (id)
        WHERE o.gender IS DISTINCT FROM n.gender AND changed.id IS NOT NULL));
    RETURN NULL;
END $$;
CREATE FUNCTION wodlab_standings_after_athletes_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM wodlab_standings_touch_athletes((SELECT array_agg(id) FROM gone_athletes));
    RETURN NULL;
END $$;
CREATE TRIGGER athletes_standings_insert AFTER INSERT ON athletes
    REFERENCING NEW TABLE AS added_athletes FOR EACH STATEMENT EXECUTE FUNCTION wodlab_standings_after_athletes_added();
CREATE TRIGGER athletes_standings_update AFTER UPDATE ON athletes
    REFERENCING OLD TABLE AS old_athletes NEW TABLE AS new_athletes
    FOR EACH STATEMENT EXECUTE FUNCTION wodlab_standings_after_athletes_changed();
CREATE TRIGGER athletes_standings_delete AFTER DELETE ON athletes
    REFERENCING OLD TABLE AS gone_athletes FOR EACH STATEMENT EXECUTE FUNCTION wodlab_standings_after_athletes_deleted();

-- The results already stored.
SELECT wodlab_standings_rebuild();
