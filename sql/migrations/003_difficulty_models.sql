-- 003: versioned difficulty models, and which version each stored score came from.
--
-- A model is its parameters (JSON) and a version string; `wodlab difficulty apply VERSION`
-- recomputes every wod_definitions.difficulty_score with it in one transaction and stamps
-- applied_at, which makes it the active model (new imports are scored with it). Rolling back is
-- applying an earlier version.
CREATE TABLE difficulty_models (
    version VARCHAR(64) PRIMARY KEY,
    params JSONB NOT NULL,                 -- DifficultyModel.params(): link, weights, intercept, spread
    metrics JSONB,                         -- held-out metrics of the calibration, when fitted
    fitted_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    applied_at TIMESTAMPTZ,                -- last time every score was recomputed with it
    notes TEXT
);

INSERT INTO difficulty_models (version, params, notes) VALUES (
    'baseline-1',
    '{"link": "points", "weights": {"time_share": 35.0, "load_share": 25.0, "skill_share": 25.0, "variety_share": 15.0}, "intercept": 0.0, "spread": 1.0, "extra": {}}',
    'The foundation''s heuristic: time under work 35, load 25, skill 25, variety 15 points.'
);

ALTER TABLE wod_definitions
    ADD COLUMN difficulty_version VARCHAR(64) REFERENCES difficulty_models (version);
UPDATE wod_definitions SET difficulty_version = 'baseline-1' WHERE difficulty_score IS NOT NULL;
