-- 002: what results need beyond the seed.
--
-- The seed points athlete_id at an external athletes system. wodlab keeps a minimal local copy so
-- leaderboards can split by gender and notebooks can show names; athlete_results.athlete_id stays
-- a plain UUID (no foreign key), as in the seed: the loaders check that the athlete is known.
CREATE TABLE athletes (
    id UUID PRIMARY KEY,                   -- uuid5 of external_id: the same athlete, the same id everywhere
    external_id VARCHAR(100) NOT NULL UNIQUE,  -- the id in the box's own system
    display_name VARCHAR(255) NOT NULL,
    gender CHAR(1) CHECK (gender IN ('M', 'F')),
    birth_year INT CHECK (birth_year BETWEEN 1900 AND 2100),
    created_at TIMESTAMPTZ DEFAULT NOW()
);

-- What the whiteboard says besides the seed's columns, and the rank key every leaderboard sorts
-- by (computed by wodlab.scores.rank_key when the result is loaded; lower is better).
ALTER TABLE athlete_results
    ADD COLUMN score_text TEXT,                    -- the score read, in canonical form: 'CAP+12 Sc'
    ADD COLUMN division VARCHAR(10) CHECK (division IN ('rx', 'rx+', 'scaled')),
    ADD COLUMN result_status VARCHAR(10) NOT NULL DEFAULT 'finished'
        CHECK (result_status IN ('finished', 'capped', 'dnf', 'dns')),
    ADD COLUMN tiebreak_seconds DECIMAL(10,3),
    ADD COLUMN rank_tier SMALLINT,                 -- 0 finished, 1 capped, 2 DNF, 3 DNS; +4 when not Rx
    ADD COLUMN rank_value DECIMAL(14,3);           -- seconds for a finished time, minus the amount otherwise

-- One result per athlete and session: the natural key that makes loading a file twice add nothing.
CREATE UNIQUE INDEX uq_results_session_athlete ON athlete_results (session_id, athlete_id);
CREATE INDEX idx_results_rank ON athlete_results (session_id, rank_tier, rank_value, tiebreak_seconds);
