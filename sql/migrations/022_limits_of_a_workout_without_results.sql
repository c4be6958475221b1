-- 022: storing the limits of a workout that has no result checks no result.
--
-- Migration 019's trigger passed the ids of the changed workouts' results to wodlab_impossible_flags,
-- whose NULL means "every result": a workout with none (every new workout imported, a merged-away
-- workout put back) made every stored result be checked again, its flag's checked_at moved. An empty
-- list now checks nothing.
CREATE OR REPLACE FUNCTION wodlab_flags_after_limits_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM wodlab_impossible_flags(COALESCE((
        SELECT array_agg(ar.id) FROM athlete_results ar
        JOIN scheduled_sessions ss ON ss.id = ar.session_id
        WHERE ss.wod_definition_id IN (SELECT wod_id FROM changed_limits)), '{}'));
    RETURN NULL;
END $$;
