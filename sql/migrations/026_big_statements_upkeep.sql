-- 026: the boards' upkeep of a big statement (a competition board, a first load) made cheaper.
--
-- 1. Its sorts in memory. The best result per (workout, scope, athlete) is a sort of every candidate,
--    and the bulk write sorts the fresh rows again: at the server's default work_mem (4 MB) a board of
--    150,000 scores (300,000 board rows) sorted on disk, twice. The upkeep's functions now run with
--    the work_mem set at the end, for their own statements only (a function's SET ends with it); `wodlab
--    refresh` goes through the same functions and no longer sets it itself.
-- 2. Whole boards only when that is less work. A statement touching more than 100,000 (workout,
--    scope, athlete) had its boards computed whole: right for a first load, but a second board of new
--    athletes on the same workouts then recomputed and rewrote the first board's rows too (14 s for a
--    second 150,000-score board against 7.6 s for the first). The choice now compares the rows asked
--    for with what the boards already hold (workout_boards, kept with them): whole boards when the
--    statement brings more rows than they hold. It is made once, in wodlab_standings_touch, and the
--    boards then travel as distinct (workout, scope) pairs, not one pair per result.

CREATE OR REPLACE FUNCTION wodlab_standings_write(for_wods UUID[], for_scopes TEXT[], for_athletes UUID[]) RETURNS VOID
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
    -- every month's index (2.5 s for a day of 4,000 results instead of 0.05 s). Whether a big load's
    -- boards are computed whole is wodlab_standings_touch's choice (migration 026).
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

-- The upkeep of the given (workout, scope, athlete): whole boards or the athletes asked for (above),
-- lock the workouts, write, then the leader flags (migration 019).
CREATE OR REPLACE FUNCTION wodlab_standings_touch(for_wods UUID[], for_scopes TEXT[], for_athletes UUID[]) RETURNS VOID
LANGUAGE plpgsql AS $$
DECLARE
    board_wods UUID[];
    board_scopes TEXT[];
    held BIGINT;
BEGIN
    IF cardinality(for_wods) IS NULL OR cardinality(for_wods) = 0 THEN
        RETURN;
    END IF;
    IF cardinality(for_athletes) > 100000 THEN
        SELECT array_agg(w), array_agg(s) INTO board_wods, board_scopes
        FROM (SELECT DISTINCT w, s FROM unnest(for_wods, for_scopes) AS b (w, s)) b;
        SELECT COALESCE(sum(wb.athletes), 0) INTO held
        FROM workout_boards wb JOIN unnest(board_wods, board_scopes) AS b (w, s) ON wb.wod_id = b.w AND wb.scope = b.s;
        IF cardinality(for_athletes) > held THEN
            for_wods := board_wods;
            for_scopes := board_scopes;
            for_athletes := NULL;
        END IF;
    END IF;
    PERFORM wodlab_standings_lock(for_wods);
    PERFORM wodlab_standings_write(for_wods, for_scopes, for_athletes);
    PERFORM wodlab_leader_flags_kept(for_wods, for_scopes);
END $$;

-- The sorts of the upkeep's statements in memory (1. above).
ALTER FUNCTION wodlab_standings_touch_results(UUID[], UUID[]) SET work_mem = '256MB';
ALTER FUNCTION wodlab_standings_touch(UUID[], TEXT[], UUID[]) SET work_mem = '256MB';
ALTER FUNCTION wodlab_standings_write(UUID[], TEXT[], UUID[]) SET work_mem = '256MB';
