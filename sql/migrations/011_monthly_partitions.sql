-- 011: athlete_results and realized_events range-partitioned by month (seed §"Optimisations
-- recommandées", "Partitionnement des résultats par date").
--
-- The key: the session's date, carried on each row as session_date. The seed's example partitions
-- athlete_results "BY RANGE (created_at)", a column the table does not have; recorded_at (when the
-- row was typed in) would scatter one session's results over months when a box catches up late and
-- would put a corrected result in another partition than the original. Every date question asked of
-- these tables ("results between March and May", a season's leaderboard) is about when the workout
-- was done, which is the session's date: a date-bounded query then reads only its months. The row
-- carries a copy because PostgreSQL partitions on a column of the row itself; the loaders and the
-- live tracker write it from the session, and the trigger below keeps it true if a session moves.
--
-- Rules of partitioned tables, and what they change:
-- - a unique key must hold the partition key: the primary keys become (id, session_date) and the
--   natural key (session_id, athlete_id, session_date). A result's id is uuid5 of (session,
--   athlete) and a session has one date, so this forbids exactly what the old keys forbade;
-- - result_flags can no longer reference athlete_results (id) by a foreign key (that would need
--   session_date in result_flags, and moving a row between partitions would cascade-delete its
--   flags): a statement trigger deletes the flags of deleted results instead;
-- - the month partitions are made by wodlab_month_partition(), which the loaders call for the
--   months of the rows they are about to write; a row of a month without its partition (a live
--   event, an INSERT by hand) lands in the default partition, and is moved into the month's
--   partition when that is created.

CREATE FUNCTION wodlab_month_partition(parent TEXT, day DATE) RETURNS TEXT
LANGUAGE plpgsql AS $$
DECLARE
    first_day DATE := date_trunc('month', day)::date;
    next_day DATE := (date_trunc('month', day) + INTERVAL '1 month')::date;
    part TEXT := parent || '_' || to_char(day, 'YYYY_MM');
BEGIN
    IF parent NOT IN ('athlete_results', 'realized_events') THEN
        RAISE EXCEPTION 'wodlab_month_partition: % is not partitioned by month', parent;
    END IF;
    IF to_regclass(part) IS NOT NULL THEN  -- the common case: nothing to do, no lock taken
        RETURN part;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext(part));  -- two loads of the same new month: one creates it
    -- Rows of that month already in the default partition would make the new partition's bounds
    -- overlap it: set them aside, create the partition, put them in it (straight into the
    -- partitions: no statement trigger of the parent fires, the rows only change partition).
    BEGIN
        EXECUTE format('CREATE TEMP TABLE wodlab_strays (LIKE %I) ON COMMIT DROP', parent);
        EXECUTE format('WITH moved AS (DELETE FROM %I WHERE session_date >= %L AND session_date < %L RETURNING *) '
                       'INSERT INTO wodlab_strays SELECT * FROM moved', parent || '_default', first_day, next_day);
        EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)', part, parent, first_day, next_day);
        EXECUTE format('INSERT INTO %I SELECT * FROM wodlab_strays', part);
        DROP TABLE wodlab_strays;
    EXCEPTION WHEN duplicate_table THEN
        NULL;  -- made by a load that committed while this one waited for the lock: everything above is undone
    END;
    RETURN part;
END $$;

-- Rows with no session cannot be placed (wodlab's loaders never write one): say so rather than lose them.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM athlete_results WHERE session_id IS NULL)
       OR EXISTS (SELECT 1 FROM realized_events WHERE session_id IS NULL) THEN
        RAISE EXCEPTION 'results or events with no session_id: give them their session before upgrading wodlab';
    END IF;
END $$;

-- The old tables step aside, without the triggers, keys and indexes whose names the new ones take.
DROP TRIGGER results_timeline_insert ON athlete_results;
DROP TRIGGER events_timeline_insert ON realized_events;
DROP TRIGGER events_timeline_update ON realized_events;
DROP TRIGGER events_timeline_delete ON realized_events;
ALTER TABLE result_flags DROP CONSTRAINT result_flags_result_id_fkey;
ALTER TABLE athlete_results RENAME TO athlete_results_unpartitioned;
ALTER TABLE realized_events RENAME TO realized_events_unpartitioned;
ALTER TABLE athlete_results_unpartitioned DROP CONSTRAINT athlete_results_pkey;
ALTER TABLE realized_events_unpartitioned DROP CONSTRAINT realized_events_pkey;
DROP INDEX uq_results_session_athlete, idx_results_rank, idx_results_session_rank, idx_results_session_score,
           idx_results_athlete, idx_events_session_time, idx_events_athlete;

-- Same columns, checks and defaults, plus the key; rows must name their session.
CREATE TABLE athlete_results (LIKE athlete_results_unpartitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
                              session_date DATE NOT NULL) PARTITION BY RANGE (session_date);
ALTER TABLE athlete_results ALTER COLUMN session_id SET NOT NULL;
CREATE TABLE realized_events (LIKE realized_events_unpartitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
                              session_date DATE NOT NULL) PARTITION BY RANGE (session_date);
ALTER TABLE realized_events ALTER COLUMN session_id SET NOT NULL;
CREATE TABLE athlete_results_default PARTITION OF athlete_results DEFAULT;
CREATE TABLE realized_events_default PARTITION OF realized_events DEFAULT;

ALTER TABLE athlete_results ADD PRIMARY KEY (id, session_date);
ALTER TABLE athlete_results ADD FOREIGN KEY (session_id) REFERENCES scheduled_sessions (id);
ALTER TABLE realized_events ADD PRIMARY KEY (id, session_date);
ALTER TABLE realized_events ADD FOREIGN KEY (session_id) REFERENCES scheduled_sessions (id);
-- The indexes of migrations 001, 002 and 010, each partition getting its own.
CREATE UNIQUE INDEX uq_results_session_athlete ON athlete_results (session_id, athlete_id, session_date);
CREATE INDEX idx_results_rank ON athlete_results (session_id, rank_tier, rank_value, tiebreak_seconds);
CREATE INDEX idx_results_session_rank ON athlete_results (session_id)
    INCLUDE (id, athlete_id, rank_tier, rank_value, tiebreak_seconds, recorded_at);
CREATE INDEX idx_results_session_score ON athlete_results (session_id, score_value);
CREATE INDEX idx_results_athlete ON athlete_results (athlete_id);
CREATE INDEX idx_events_session_time ON realized_events (session_id, timestamp_offset);
CREATE INDEX idx_events_athlete ON realized_events (athlete_id, timestamp_offset);

-- Every stored row moves, each into its month.
SELECT wodlab_month_partition('athlete_results', month)
FROM (SELECT DISTINCT date_trunc('month', ss.session_date)::date AS month
      FROM athlete_results_unpartitioned ar JOIN scheduled_sessions ss ON ss.id = ar.session_id) months;
SELECT wodlab_month_partition('realized_events', month)
FROM (SELECT DISTINCT date_trunc('month', ss.session_date)::date AS month
      FROM realized_events_unpartitioned e JOIN scheduled_sessions ss ON ss.id = e.session_id) months;
INSERT INTO athlete_results
SELECT ar.*, ss.session_date FROM athlete_results_unpartitioned ar JOIN scheduled_sessions ss ON ss.id = ar.session_id;
INSERT INTO realized_events
SELECT e.*, ss.session_date FROM realized_events_unpartitioned e JOIN scheduled_sessions ss ON ss.id = e.session_id;
DROP TABLE athlete_results_unpartitioned;
DROP TABLE realized_events_unpartitioned;

-- Migration 008's timelines, on the new tables (the functions are unchanged).
CREATE TRIGGER events_timeline_insert AFTER INSERT ON realized_events
    REFERENCING NEW TABLE AS changed_events FOR EACH STATEMENT EXECUTE FUNCTION wodlab_timelines_after_events();
CREATE TRIGGER events_timeline_update AFTER UPDATE ON realized_events
    REFERENCING NEW TABLE AS changed_events FOR EACH STATEMENT EXECUTE FUNCTION wodlab_timelines_after_events();
CREATE TRIGGER events_timeline_delete AFTER DELETE ON realized_events
    REFERENCING OLD TABLE AS changed_events FOR EACH STATEMENT EXECUTE FUNCTION wodlab_timelines_after_events();
CREATE TRIGGER results_timeline_insert AFTER INSERT ON athlete_results
    REFERENCING NEW TABLE AS new_results FOR EACH STATEMENT EXECUTE FUNCTION wodlab_timelines_after_results();

-- The flags of deleted results go with them (what the foreign key's ON DELETE CASCADE did).
CREATE FUNCTION wodlab_flags_after_results_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM result_flags WHERE result_id IN (SELECT id FROM gone_results);
    RETURN NULL;
END $$;
CREATE TRIGGER results_flags_delete AFTER DELETE ON athlete_results
    REFERENCING OLD TABLE AS gone_results FOR EACH STATEMENT EXECUTE FUNCTION wodlab_flags_after_results_deleted();
DELETE FROM result_flags rf WHERE NOT EXISTS (SELECT 1 FROM athlete_results ar WHERE ar.id = rf.result_id);

-- A session moved to another date takes its results and events along (into that month's partition).
CREATE FUNCTION wodlab_follow_session_date() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM wodlab_month_partition('athlete_results', NEW.session_date);
    PERFORM wodlab_month_partition('realized_events', NEW.session_date);
    UPDATE athlete_results SET session_date = NEW.session_date WHERE session_id = NEW.id;
    UPDATE realized_events SET session_date = NEW.session_date WHERE session_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER sessions_date_follow AFTER UPDATE OF session_date ON scheduled_sessions
    FOR EACH ROW WHEN (OLD.session_date IS DISTINCT FROM NEW.session_date) EXECUTE FUNCTION wodlab_follow_session_date();
