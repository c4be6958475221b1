-- 015: two reads that scanned what they can look up.
--
-- 1. A page of a movement search (wods_with_any_movement, wods_with_all_movements, search_wods) is
--    the first rows in title order that match. When the match is common PostgreSQL walks the titles
--    in order and stops at the page's end; with idx_wod_title it fetched every workout it walked
--    past from the table to test its movements (23 ms for "thruster and pull-up" at 100k workouts,
--    where a match is one workout in thirteen). This index carries what the searches test and
--    return, so the walk is an index-only scan (3 ms at 100k). A rare match still goes through the
--    GIN index (idx_wod_movements) and a sort, as before. It replaces idx_wod_title, its prefix,
--    for the leaderboards' look-up of a workout by title.
CREATE INDEX idx_wod_title_search ON wod_definitions (title, id)
    INCLUDE (movements_list, equipment_list, modality_tags, difficulty_score);
DROP INDEX idx_wod_title;

-- 2. The live board of a session (live_leaderboard, live_amrap_progress) summed every COMPLETE event
--    of the session at each read: 14 ms for a session of 3,400 athletes and 30k events. A board
--    is read far more often than events arrive, so each athlete's running total is kept here, by
--    statement-level triggers that see only the rows a statement changed (as migration 008 keeps
--    the timelines): a COPY of a million events adds their sums in one statement; a corrected or
--    deleted event makes the pairs it touched be summed again from the events.
CREATE TABLE session_live_totals (
    session_id UUID NOT NULL,
    athlete_id UUID NOT NULL,
    total_reps DECIMAL,  -- NULL when every COMPLETE event of the pair has no quantity, as SUM gives
    last_update INT NOT NULL,
    PRIMARY KEY (session_id, athlete_id)
);
CREATE INDEX idx_live_totals_board ON session_live_totals (session_id, total_reps DESC, last_update, athlete_id);

-- Sum again the (session, athlete) pairs of the given events from realized_events itself.
CREATE FUNCTION wodlab_live_totals_recount(pairs JSONB) RETURNS VOID
LANGUAGE sql AS $$
    WITH touched AS (
        SELECT DISTINCT (p ->> 0)::uuid AS session_id, (p ->> 1)::uuid AS athlete_id
        FROM jsonb_array_elements(pairs) AS p
    ), gone AS (
        DELETE FROM session_live_totals t USING touched
        WHERE t.session_id = touched.session_id AND t.athlete_id = touched.athlete_id
    )
    INSERT INTO session_live_totals (session_id, athlete_id, total_reps, last_update)
    SELECT e.session_id, e.athlete_id, SUM(e.quantity_completed), MAX(e.timestamp_offset)
    FROM realized_events e JOIN touched USING (session_id, athlete_id)
    WHERE e.event_type = 'COMPLETE'
    GROUP BY e.session_id, e.athlete_id
    ON CONFLICT (session_id, athlete_id) DO UPDATE
        SET total_reps = EXCLUDED.total_reps, last_update = EXCLUDED.last_update
$$;

-- Events added: add their sums to the pairs' totals (no read of the events already stored).
CREATE FUNCTION wodlab_live_totals_after_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO session_live_totals AS t (session_id, athlete_id, total_reps, last_update)
    SELECT session_id, athlete_id, SUM(quantity_completed), MAX(timestamp_offset)
    FROM added_events
    WHERE event_type = 'COMPLETE'
    GROUP BY session_id, athlete_id
    ON CONFLICT (session_id, athlete_id) DO UPDATE  -- SUM's rule: NULLs ignored, NULL when all are
        SET total_reps = CASE WHEN t.total_reps IS NULL THEN EXCLUDED.total_reps
                              WHEN EXCLUDED.total_reps IS NULL THEN t.total_reps
                              ELSE t.total_reps + EXCLUDED.total_reps END,
            last_update = GREATEST(t.last_update, EXCLUDED.last_update);
    RETURN NULL;
END $$;

-- Events changed or deleted: the pairs they belonged to, before and after, summed again.
CREATE FUNCTION wodlab_live_totals_after_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM wodlab_live_totals_recount(
        (SELECT jsonb_agg(DISTINCT jsonb_build_array(session_id, athlete_id))
         FROM (SELECT session_id, athlete_id FROM old_events UNION SELECT session_id, athlete_id FROM new_events) p));
    RETURN NULL;
END $$;

CREATE FUNCTION wodlab_live_totals_after_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM wodlab_live_totals_recount(
        (SELECT jsonb_agg(DISTINCT jsonb_build_array(session_id, athlete_id)) FROM old_events));
    RETURN NULL;
END $$;

CREATE FUNCTION wodlab_live_totals_after_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE session_live_totals;
    RETURN NULL;
END $$;

CREATE TRIGGER events_live_totals_insert AFTER INSERT ON realized_events
    REFERENCING NEW TABLE AS added_events FOR EACH STATEMENT EXECUTE FUNCTION wodlab_live_totals_after_insert();
CREATE TRIGGER events_live_totals_update AFTER UPDATE ON realized_events
    REFERENCING OLD TABLE AS old_events NEW TABLE AS new_events
    FOR EACH STATEMENT EXECUTE FUNCTION wodlab_live_totals_after_update();
CREATE TRIGGER events_live_totals_delete AFTER DELETE ON realized_events
    REFERENCING OLD TABLE AS old_events FOR EACH STATEMENT EXECUTE FUNCTION wodlab_live_totals_after_delete();
CREATE TRIGGER events_live_totals_truncate AFTER TRUNCATE ON realized_events
    FOR EACH STATEMENT EXECUTE FUNCTION wodlab_live_totals_after_truncate();

-- The events already stored.
INSERT INTO session_live_totals (session_id, athlete_id, total_reps, last_update)
SELECT session_id, athlete_id, SUM(quantity_completed), MAX(timestamp_offset)
FROM realized_events
WHERE event_type = 'COMPLETE'
GROUP BY session_id, athlete_id;
