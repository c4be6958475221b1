-- 014: best_times reads the Rx finishers of a workout fastest first (rank_tier 0: finished, Rx;
-- rank_value: their seconds). With every tier in one index PostgreSQL sorted the whole board of a
-- busy workout (30 ms for Fran at 1M results); this partial index hands it the finishers in order,
-- and the query stops after its limit.
CREATE INDEX idx_standings_finishers ON workout_standings (wod_id, scope, rank_value, recorded_at, athlete_id)
    WHERE rank_tier = 0;
