-- A workout's form (amrap, for_time, emom, ...: the type of its first block), stated once for every
-- query that shows or filters by it (search_wods, tracked_sessions, wods_by_form_and_duration).
-- IMMUTABLE and written in SQL, so the planner inlines it: a query reads the same expression as before.
CREATE FUNCTION wodlab_workout_form(ast_json JSONB) RETURNS TEXT
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ast_json #>> '{blocks,0,type}'
$$;
