-- The slice of results or events a caller asks for (lab.results / lab.events: dates inclusive, one
-- workout, some tracks, one athlete, one session; NULL: no filter), stated once for both queries.
-- A SQL function, IMMUTABLE, over the row's own columns: the planner inlines it, so a date-bounded
-- slice still reads only its month partitions (tests/test_partitions.py).
CREATE FUNCTION wodlab_in_slice(row_date DATE, row_wod UUID, row_track TEXT, row_athlete UUID, row_session UUID,
                                from_date DATE, to_date DATE, wod UUID, tracks TEXT[], athlete UUID, session UUID)
RETURNS BOOLEAN LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (from_date IS NULL OR row_date >= from_date)
       AND (to_date IS NULL OR row_date <= to_date)
       AND (wod IS NULL OR row_wod = wod)
       AND (tracks IS NULL OR row_track = ANY(tracks))
       AND (athlete IS NULL OR row_athlete = athlete)
       AND (session IS NULL OR row_session = session)
$$;
