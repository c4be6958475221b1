-- 033: the timelines of added results written into the months they are in, not looked for in every month.
--
-- Migration 018's trigger gives each added result that has live events its timeline, by an UPDATE
-- joining the results' (id, date) pairs with athlete_results. The join names the partition key only
-- through the pairs, so no month is pruned: at a million results a day of 4,289 results hashed all
-- of athlete_results to update its own rows (1.0 s of a 1.9 s day's load, auto_explain; the day is
-- in the simulated federation's tracked weeks, so its results have events). The dates themselves
-- are known to the trigger: naming them (each once) prunes the UPDATE to the months written. The
-- rest is migration 018's.

CREATE OR REPLACE FUNCTION wodlab_timelines_after_results() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ids UUID[];
    days DATE[];
    written DATE[];
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
    SELECT array_agg(DISTINCT d) INTO written FROM unnest(days) AS d;  -- a few dates, not one per result
    UPDATE athlete_results ar SET realized_events = wodlab_timeline(ar.session_id, ar.athlete_id, ar.session_date)
    FROM unnest(ids, days) AS p (id, day)
    WHERE ar.id = p.id AND ar.session_date = p.day
    AND ar.session_date = ANY (written);  -- the months written only: pruned before the join is planned
    RETURN NULL;
END $$;
