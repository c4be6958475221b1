-- 019: result flags kept by the statements that change results (wodlab/flags.py for the rules).
--
-- Migration 007's flags were recomputed whole, by a refit of the box's difficulty, and only when
-- asked: a result added after the last check had no flag, however impossible. Now:
--
-- - "impossible" (faster, or more work, than anyone can do) is a rule on one result and its
--   workout's limits, so the statement that writes a result checks exactly that result: a load, a
--   correction, a competition board, an INSERT by hand. The limits are computed from the workout's
--   document when it is stored (wodlab.structure.fastest_seconds / most_work) and kept in
--   workout_limits; the rule's comparison and its message are written once, here
--   (wodlab_impossible_flags), for the statements and for the full check alike;
-- - "outlier" and "leader" come from the difficulty fit of the whole box (a result against its
--   athlete's level): they are judged by the full check (flags.refresh: `lab.suspicious_results()`,
--   `wodlab refresh`, a box load). What a statement can still keep true, it does: a corrected
--   score loses its flag (it judged the old score), and a board's "leader" flag goes when that
--   result no longer leads its board.

CREATE TABLE workout_limits (
    wod_id UUID PRIMARY KEY REFERENCES wod_definitions (id) ON DELETE CASCADE,
    fastest_seconds DOUBLE PRECISION,     -- no finished time below this (for time); NULL: no such limit
    most_work DOUBLE PRECISION,           -- no AMRAP total above this (units of work); NULL: no such limit
    reps_per_round DOUBLE PRECISION       -- the AMRAP's round, to turn rounds + reps into work
);

-- Seconds as a clock, as wodlab.scores.format_clock writes whole seconds: 4:05, 1:02:03.
CREATE FUNCTION wodlab_clock(seconds NUMERIC) RETURNS TEXT
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN s >= 3600 THEN format('%s:%s:%s', s / 3600, lpad((s % 3600 / 60)::text, 2, '0'), lpad((s % 60)::text, 2, '0'))
                ELSE format('%s:%s', s / 60, lpad((s % 60)::text, 2, '0')) END
    FROM (SELECT round(seconds)::bigint AS s) AS whole
$$;

-- The "impossible" flag of the given results (all of them when ids is NULL): their old impossible
-- flags removed, the rule applied again. An impossible result's flag replaces any other: it is the
-- worst thing a check can say of a result.
CREATE FUNCTION wodlab_impossible_flags(ids UUID[]) RETURNS VOID
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
            WHERE ar.score_type = 'TIME' AND ar.score_value < wl.fastest_seconds
            UNION ALL
            SELECT round(work)::text || ' units of work is more than anyone does in this clock ('
                   || round(wl.most_work)::text || ' at most)', work / wl.most_work
            FROM (SELECT ar.score_value * wl.reps_per_round + COALESCE(ar.score_secondary, 0) AS work) w
            WHERE ar.score_type = 'ROUNDS' AND wl.most_work IS NOT NULL AND work > wl.most_work
        ) found
        WHERE ar.result_status = 'finished' AND ar.score_value IS NOT NULL
        AND ($1 IS NULL OR ar.id = ANY ($1))
        ON CONFLICT (result_id) DO UPDATE
            SET flag = EXCLUDED.flag, reason = EXCLUDED.reason, severity = EXCLUDED.severity, checked_at = NOW()
    $sql$ USING ids;
END $$;

-- Results added: each checked.
CREATE FUNCTION wodlab_flags_after_results_added() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ids UUID[];
BEGIN
    SELECT array_agg(id) INTO ids FROM added_results;
    IF ids IS NOT NULL THEN
        PERFORM wodlab_impossible_flags(ids);
    END IF;
    RETURN NULL;
END $$;
-- Results whose score changed: every flag they had judged the old score; checked again.
CREATE FUNCTION wodlab_flags_after_results_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ids UUID[];
BEGIN
    SELECT array_agg(n.id) INTO ids
    FROM old_results o JOIN new_results n ON n.id = o.id
    WHERE (o.score_type, o.score_value, o.score_secondary, o.result_status, o.session_id)
          IS DISTINCT FROM (n.score_type, n.score_value, n.score_secondary, n.result_status, n.session_id);
    IF ids IS NOT NULL THEN
        DELETE FROM result_flags WHERE result_id = ANY (ids);
        PERFORM wodlab_impossible_flags(ids);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER results_flags_insert AFTER INSERT ON athlete_results
    REFERENCING NEW TABLE AS added_results FOR EACH STATEMENT EXECUTE FUNCTION wodlab_flags_after_results_added();
CREATE TRIGGER results_flags_update AFTER UPDATE ON athlete_results
    REFERENCING OLD TABLE AS old_results NEW TABLE AS new_results
    FOR EACH STATEMENT EXECUTE FUNCTION wodlab_flags_after_results_changed();

-- A workout's limits changed (stored, or recompiled by another wodcraft): its results checked again.
CREATE FUNCTION wodlab_flags_after_limits_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM wodlab_impossible_flags((
        SELECT array_agg(ar.id) FROM athlete_results ar
        JOIN scheduled_sessions ss ON ss.id = ar.session_id
        WHERE ss.wod_definition_id IN (SELECT wod_id FROM changed_limits)));
    RETURN NULL;
END $$;
CREATE TRIGGER limits_flags_insert AFTER INSERT ON workout_limits
    REFERENCING NEW TABLE AS changed_limits FOR EACH STATEMENT EXECUTE FUNCTION wodlab_flags_after_limits_changed();
CREATE TRIGGER limits_flags_update AFTER UPDATE ON workout_limits
    REFERENCING NEW TABLE AS changed_limits FOR EACH STATEMENT EXECUTE FUNCTION wodlab_flags_after_limits_changed();

-- The boards a statement changed (called by migration 017's upkeep once it has written them): a
-- "leader" flag stays only on the result that leads its board (per workout and track, as the check
-- of wodlab.flags found it: board_leaders.sql).
CREATE FUNCTION wodlab_leader_flags_kept(for_wods UUID[], for_scopes TEXT[]) RETURNS VOID
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM result_flags rf
    USING athlete_results ar, scheduled_sessions ss
    WHERE rf.flag = 'leader' AND ar.id = rf.result_id AND ss.id = ar.session_id
    AND (ss.wod_definition_id, ss.track) IN (SELECT * FROM unnest(for_wods, for_scopes))
    AND rf.result_id IS DISTINCT FROM (
        SELECT st.result_id FROM workout_standings st
        WHERE st.wod_id = ss.wod_definition_id AND st.scope = ss.track
        ORDER BY st.rank_tier, st.rank_value, st.tiebreak_seconds, st.session_date, st.result_id
        LIMIT 1);
END $$;

-- 017's upkeep, then the leader flags of the boards it wrote.
CREATE OR REPLACE FUNCTION wodlab_standings_touch(for_wods UUID[], for_scopes TEXT[], for_athletes UUID[]) RETURNS VOID
LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(for_wods) IS NULL OR cardinality(for_wods) = 0 THEN
        RETURN;
    END IF;
    PERFORM wodlab_standings_lock(for_wods);
    PERFORM wodlab_standings_write(for_wods, for_scopes, for_athletes);
    PERFORM wodlab_leader_flags_kept(for_wods, for_scopes);
END $$;
