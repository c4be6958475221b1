-- 020: a competition's rules stored with it, and results judged.
--
-- Competitions differ in how a workout's places become points and how equal totals are broken;
-- organisers choose, so the rules are data (wodlab.competition_rules reads and checks them; the
-- standings apply them on every read, so changing them re-ranks without reloading). The default is
-- the Open's: placement sum, ties shared.
ALTER TABLE competitions ADD COLUMN rules JSONB NOT NULL
    DEFAULT '{"scoring": "placement-sum", "tiebreaks": ["shared"], "no_score": "shared-last", "capped_as_time": false}';

-- A result's judgment (no row: pending, the state of every result a competition has not judged yet):
-- valid, invalid (counted as no score), or adjusted (valid with a penalty in reps, seconds or percent,
-- and its reason). Every change is kept in load_history (table_name 'result_judging'), as every
-- correction is. A result deleted takes its judgment with it.
CREATE TABLE result_judging (
    result_id UUID PRIMARY KEY,
    session_date DATE NOT NULL,
    status VARCHAR(10) NOT NULL CHECK (status IN ('pending', 'valid', 'invalid', 'adjusted')),
    penalty DECIMAL(10,3),
    penalty_unit VARCHAR(10) CHECK (penalty_unit IN ('reps', 'seconds', 'percent')),
    reason TEXT,
    judged_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    FOREIGN KEY (result_id, session_date) REFERENCES athlete_results (id, session_date) ON DELETE CASCADE,
    CHECK ((status = 'adjusted') = (penalty IS NOT NULL AND penalty_unit IS NOT NULL)),
    CHECK (penalty IS NULL OR penalty >= 0)
);
