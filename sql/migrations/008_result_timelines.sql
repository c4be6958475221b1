-- 008: athlete_results.realized_events, the seed's column for the athlete's event timeline, filled.
--
-- For a tracked session, a result's realized_events holds that athlete's events in the session in
-- order: [{"offset": s, "type": ..., "movement": ..., "quantity": ..., "unit": ...}, ...]; NULL when
-- the session was not tracked. It is derived data, kept true by triggers whatever writes the events
-- (the events loader's COPY, the live tracker's INSERT, a corrected file's UPDATE) or the results
-- (loaded before or after their events). Statement-level triggers with transition tables: one
-- UPDATE per statement, touching only the (session, athlete) pairs the statement changed.

CREATE FUNCTION wodlab_timeline(p_session UUID, p_athlete UUID) RETURNS JSONB
LANGUAGE sql STABLE AS $$
    SELECT jsonb_agg(jsonb_build_object('offset', e.timestamp_offset, 'type', e.event_type, 'movement', e.movement,
                                        'quantity', e.quantity_completed, 'unit', e.quantity_unit)
                     ORDER BY e.timestamp_offset, e.recorded_at, e.id)
    FROM realized_events e
    WHERE e.session_id = p_session AND e.athlete_id = p_athlete
$$;

-- Events changed: recompute the timelines of the pairs they belong to (NULL when none is left).
CREATE FUNCTION wodlab_timelines_after_events() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE athlete_results ar SET realized_events = wodlab_timeline(ar.session_id, ar.athlete_id)
    WHERE (ar.session_id, ar.athlete_id) IN (SELECT DISTINCT session_id, athlete_id FROM changed_events);
    RETURN NULL;
END $$;

CREATE TRIGGER events_timeline_insert AFTER INSERT ON realized_events
    REFERENCING NEW TABLE AS changed_events FOR EACH STATEMENT EXECUTE FUNCTION wodlab_timelines_after_events();
CREATE TRIGGER events_timeline_update AFTER UPDATE ON realized_events
    REFERENCING NEW TABLE AS changed_events FOR EACH STATEMENT EXECUTE FUNCTION wodlab_timelines_after_events();
CREATE TRIGGER events_timeline_delete AFTER DELETE ON realized_events
    REFERENCING OLD TABLE AS changed_events FOR EACH STATEMENT EXECUTE FUNCTION wodlab_timelines_after_events();

-- Results loaded after their events: fill the new rows whose pair has events (most have none).
CREATE FUNCTION wodlab_timelines_after_results() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE athlete_results ar SET realized_events = wodlab_timeline(ar.session_id, ar.athlete_id)
    WHERE ar.id IN (SELECT n.id FROM new_results n
                    WHERE EXISTS (SELECT 1 FROM realized_events e
                                  WHERE e.session_id = n.session_id AND e.athlete_id = n.athlete_id));
    RETURN NULL;
END $$;

CREATE TRIGGER results_timeline_insert AFTER INSERT ON athlete_results
    REFERENCING NEW TABLE AS new_results FOR EACH STATEMENT EXECUTE FUNCTION wodlab_timelines_after_results();

-- The rows already stored.
UPDATE athlete_results ar SET realized_events = wodlab_timeline(ar.session_id, ar.athlete_id)
WHERE EXISTS (SELECT 1 FROM realized_events e WHERE e.session_id = ar.session_id AND e.athlete_id = ar.athlete_id);
