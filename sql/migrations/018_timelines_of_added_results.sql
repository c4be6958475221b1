-- 018: results added to a session without live events cost no look at the events.
--
-- Migration 016's trigger gives each added result the timeline of its events, if it has any. It
-- asked "has this (session, athlete) any event?" as one join of the statement's results with every
-- stored event: PostgreSQL hashed all of them (540k events: 0.25 s for a day of 4,000 results that
-- had none). Events are logged live or loaded after the results; a day's results usually find
-- none. Now each session of the statement is asked first, by its index (one look each), and only
-- the results of sessions that have events look their own pair up, again by index.
CREATE OR REPLACE FUNCTION wodlab_timelines_after_results() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ids UUID[];
    days DATE[];
BEGIN
    SELECT array_agg(n.id), array_agg(n.session_date) INTO ids, days
    FROM (SELECT DISTINCT session_id, session_date FROM new_results) s
    CROSS JOIN LATERAL (SELECT 1 FROM realized_events e
                        WHERE e.session_id = s.session_id AND e.session_date = s.session_date LIMIT 1) live
    JOIN new_results n ON n.session_id = s.session_id
    CROSS JOIN LATERAL (SELECT 1 FROM realized_events e
                        WHERE e.athlete_id = n.athlete_id AND e.session_id = n.session_id
                        AND e.session_date = n.session_date LIMIT 1) pair;
    IF ids IS NULL THEN  -- the common case: no event for any of these results
        RETURN NULL;
    END IF;
    UPDATE athlete_results ar SET realized_events = wodlab_timeline(ar.session_id, ar.athlete_id, ar.session_date)
    FROM unnest(ids, days) AS p (id, day)
    WHERE ar.id = p.id AND ar.session_date = p.day;
    RETURN NULL;
END $$;
