-- 021: duplicate workouts merged, and undone (wodlab/merge.py).
--
-- A merge moves the dropped workout's sessions (and with them its results, events, competition
-- workouts, boards and flags) to the kept workout and takes the dropped row out of wod_definitions.
-- This table keeps what an undo needs to put everything back as it was: the dropped row itself (the
-- same id, source, hash and documents), its limits, the sessions that moved, and the flags of every
-- result of both workouts before the merge (the boards' upkeep may drop a "leader" flag that only a
-- full check would add back). A re-import of a merged-away text finds its source_hash here and
-- resolves to the kept workout instead of creating the row again.
CREATE TABLE workout_merges (
    id BIGSERIAL PRIMARY KEY,
    kept_id UUID NOT NULL,
    dropped_id UUID NOT NULL,
    kind VARCHAR(10) NOT NULL,                 -- exact, semantic or near (dedup's kinds)
    dropped_row JSONB NOT NULL,                -- the wod_definitions row as it was
    dropped_limits JSONB,                      -- its workout_limits row, if any
    moved_sessions UUID[] NOT NULL,
    flags JSONB NOT NULL,                      -- result_flags rows of both workouts' results, before
    merged_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    undone_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX uq_merges_dropped ON workout_merges (dropped_id) WHERE undone_at IS NULL;
CREATE INDEX idx_merges_hash ON workout_merges ((dropped_row ->> 'source_hash')) WHERE undone_at IS NULL;
