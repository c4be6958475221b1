-- wodlab: every saved difficulty model version, oldest first, with how many workouts it scores.
-- rows: few
-- column version: string — the model's version
-- column link: string — points (the baseline heuristic) or share (calibrated)
-- column fitted_at: datetime64[ns, UTC] — when it was fitted (saved)
-- column applied_at: datetime64[ns, UTC] — last time every score was recomputed with it
-- column metrics: object — held-out metrics of the calibration (a dict), when fitted
-- column notes: string — a note saved with the version
-- column workouts: Int64 — stored workouts whose difficulty_score comes from it
SELECT m.version, m.params->>'link' AS link, m.fitted_at, m.applied_at, m.metrics, m.notes,
       (SELECT count(*) FROM wod_definitions w WHERE w.difficulty_version = m.version) AS workouts
FROM difficulty_models m
ORDER BY m.fitted_at, m.version;
