-- 032: the boards' merge deletes what is no longer backed by a result through key lookups.
--
-- The merge (migration 017) deleted the (workout, scope, athlete) asked for and no longer backed by a
-- result with a join of those keys and workout_standings. The plan of that join rests on the
-- table's statistics, and within a long transaction they can say the table is empty: pandas'
-- to_sql sends a file as one transaction of multi-row INSERTs, autovacuum analyzes
-- workout_standings meanwhile and counts none of the transaction's rows, and from then on the
-- planner walked the whole table for each key asked (a 3,120-row INSERT took 0.3 s, then 4.8 s at
-- its 16th statement and 11 s at its 25th; seen with auto_explain). The keys now find their rows by
-- the primary key one by one (LATERAL ... LIMIT 1, as the merge's INSERT already looked up each
-- stored row) and the rows are deleted by their addresses; the plan no longer depends on how big
-- the planner believes the table is. The rest of the function is migration 017's.

CREATE OR REPLACE FUNCTION wodlab_standings_merge(for_wods UUID[], for_scopes TEXT[], for_athletes UUID[]) RETURNS VOID
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
        -- each one looked up by its key, the rows then deleted by their addresses (a TID scan): no plan
        -- for which the planner must know how big workout_standings is
        EXECUTE 'DELETE FROM workout_standings
                 WHERE ctid = ANY (ARRAY(
                     SELECT stored.ctid
                     FROM (SELECT w, s, a FROM unnest($1, $2, $3) AS t (w, s, a)
                           EXCEPT SELECT wod_id, scope, athlete_id FROM wodlab_fresh_standings) gone
                     CROSS JOIN LATERAL (
                         SELECT st.ctid FROM workout_standings st
                         WHERE st.wod_id = gone.w AND st.scope = gone.s AND st.athlete_id = gone.a
                         LIMIT 1
                     ) stored))'
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
