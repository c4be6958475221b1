-- 023: result_judging no longer references athlete_results by a foreign key, as result_flags does not
-- (migration 011): a foreign key to the partitioned results table forbade `TRUNCATE athlete_results`
-- (the benchmark's, and a user's emptying of a box), and a session moved to another month moves its
-- results between partitions, which a cascading key would take for a delete. A statement trigger
-- (migration 011's, extended) removes the judgments of deleted results instead, and a truncate of
-- the results empties the judgments too.
ALTER TABLE result_judging DROP CONSTRAINT result_judging_result_id_session_date_fkey;

-- The rows that hang off a result go with it: migration 011's trigger, which removed its flags,
-- removes its judgment too (one trigger for a result's dependents, not one per table).
CREATE OR REPLACE FUNCTION wodlab_flags_after_results_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM result_flags WHERE result_id IN (SELECT id FROM gone_results);
    DELETE FROM result_judging WHERE result_id IN (SELECT id FROM gone_results);
    RETURN NULL;
END $$;

CREATE FUNCTION wodlab_judging_after_results_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE result_judging;
    RETURN NULL;
END $$;
CREATE TRIGGER results_judging_truncate AFTER TRUNCATE ON athlete_results
    FOR EACH STATEMENT EXECUTE FUNCTION wodlab_judging_after_results_truncated();
