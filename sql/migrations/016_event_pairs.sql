-- 016: the events of one athlete in one session, found directly. The timelines of migration 008 and the
-- live totals of 015 recompute a (session, athlete) pair from its events after each statement that
-- touches it. No index led to a pair: PostgreSQL intersected the athlete's events with the session's
-- (a bitmap AND), in every month partition, since the lookup did not name the month. Loading a
-- federation's 3M events spent most of its time there.
--
-- The athlete's index gains the session between its two columns: a pair is one index range, in time
-- order, and a query by athlete alone still reads the index by its first column.
DROP INDEX idx_events_athlete;
CREATE INDEX idx_events_athlete ON realized_events (athlete_id, session_id, timestamp_offset);

-- A pair's timeline, read from its session's month only (the partition key, which the triggers know).
CREATE FUNCTION wodlab_timeline(p_session UUID, p_athlete UUID, p_day DATE) RETURNS JSONB
LANGUAGE sql STABLE AS $$
    SELECT jsonb_agg(jsonb_build_object('offset', e.timestamp_offset, 'type', e.event_type, 'movement', e.movement,
                                        'quantity', e.quantity_completed, 'unit', e.quantity_unit)
                     ORDER BY e.timestamp_offset, e.recorded_at, e.id)
    FROM realized_events e
    WHERE e.session_id = p_session AND e.athlete_id = p_athlete AND e.session_date = p_day
$$;

-- 008's two-argument lookup, which every month had to answer, is no longer called.
DROP FUNCTION wodlab_timeline(UUID, UUID);

-- Migration 008's triggers, the same rows written, each result found in its own month too.
CREATE OR REPLACE FUNCTION wodlab_timelines_after_events() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE athlete_results ar SET realized_events = wodlab_timeline(ar.session_id, ar.athlete_id, ar.session_date)
    FROM (SELECT DISTINCT session_id, athlete_id, session_date FROM changed_events) p
    WHERE ar.session_id = p.session_id AND ar.athlete_id = p.athlete_id AND ar.session_date = p.session_date;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION wodlab_timelines_after_results() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE athlete_results ar SET realized_events = wodlab_timeline(ar.session_id, ar.athlete_id, ar.session_date)
    FROM (SELECT n.id, n.session_date FROM new_results n
          WHERE EXISTS (SELECT 1 FROM realized_events e WHERE e.session_id = n.session_id
                        AND e.athlete_id = n.athlete_id AND e.session_date = n.session_date)) p
    WHERE ar.id = p.id AND ar.session_date = p.session_date;
    RETURN NULL;
END $$;

-- 015's recount of live totals, likewise from the pairs' months.
CREATE OR REPLACE FUNCTION wodlab_live_totals_after_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM wodlab_live_totals_recount(
        (SELECT jsonb_agg(DISTINCT jsonb_build_array(session_id, athlete_id, session_date))
         FROM (SELECT session_id, athlete_id, session_date FROM old_events
               UNION SELECT session_id, athlete_id, session_date FROM new_events) p));
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION wodlab_live_totals_after_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM wodlab_live_totals_recount(
        (SELECT jsonb_agg(DISTINCT jsonb_build_array(session_id, athlete_id, session_date)) FROM old_events));
    RETURN NULL;
END $$;

-- Two statements where 015 had one: there a DELETE in a WITH and the INSERT's ON CONFLICT could meet
-- the same row, which PostgreSQL leaves unpredictable. Here the pairs' totals are deleted, then the
-- pairs that still have COMPLETE events summed again (each statement of a function sees the one before).
CREATE OR REPLACE FUNCTION wodlab_live_totals_recount(pairs JSONB) RETURNS VOID
LANGUAGE sql AS $$
    DELETE FROM session_live_totals t USING jsonb_array_elements(pairs) AS p
    WHERE t.session_id = (p ->> 0)::uuid AND t.athlete_id = (p ->> 1)::uuid;

    INSERT INTO session_live_totals (session_id, athlete_id, total_reps, last_update)
    SELECT e.session_id, e.athlete_id, SUM(e.quantity_completed), MAX(e.timestamp_offset)
    FROM realized_events e
    JOIN (SELECT DISTINCT (p ->> 0)::uuid AS session_id, (p ->> 1)::uuid AS athlete_id, (p ->> 2)::date AS session_date
          FROM jsonb_array_elements(pairs) AS p) touched USING (session_id, athlete_id, session_date)
    WHERE e.event_type = 'COMPLETE'
    GROUP BY e.session_id, e.athlete_id;
$$;
