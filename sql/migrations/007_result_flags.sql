-- 007: results a coach should check before believing them (wodlab/flags.py writes this table).
--
-- 'impossible': faster (or more work) than anyone can do the workout (wodlab.structure's bound);
-- 'outlier': far from the athlete's own level in the joint difficulty fit (a robust residual);
-- 'leader': a result at the top of a board that is well above the athlete's level: worth a look
-- before crowning it. Leaderboards show the flag; exclude_flagged leaves out impossible and outlier.
CREATE TABLE result_flags (
    result_id UUID PRIMARY KEY REFERENCES athlete_results (id) ON DELETE CASCADE,
    flag VARCHAR(20) NOT NULL CHECK (flag IN ('impossible', 'outlier', 'leader')),
    reason TEXT NOT NULL,
    severity REAL NOT NULL,                -- how far past the bound (a ratio), or |z|: larger is worse
    checked_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
