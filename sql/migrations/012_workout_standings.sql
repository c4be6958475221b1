-- 012: workout_standings, the materialised per-workout leaderboards (seed §"Optimisations
-- recommandées", "Vues matérialisées pour les analytics fréquentes").
--
-- One row per workout, scope and athlete: the athlete's best result on the workout by the stored
-- rank key (wodlab.ranking), with its rank and percentile among everyone's best. The scope is a
-- track ('RX', 'SCALED', 'INTERMEDIATE': the best among the sessions of that track) or '*' (the
-- best over every session of the workout: the athlete's personal record on it). Each rank comes in
-- the four forms a board asks for: policy box or crossfit (ranking.py), everyone or one gender.
--
-- Readers: sql/queries/leaderboard.sql (the top of a board is an index range: no sort of the
-- workout's results), best_times.sql and athlete_movement_progression.sql (personal records).
-- Kept true by wodlab.views.refresh (REFRESH ... CONCURRENTLY: readers are never blocked), which
-- the loaders of results, athletes and sessions call in their transaction, and `wodlab refresh`.
CREATE MATERIALIZED VIEW workout_standings AS
WITH scoped AS (
    SELECT ss.wod_definition_id AS wod_id, scope.name AS scope, ss.track, ar.id AS result_id, ar.session_date,
           ar.athlete_id, ar.rank_tier, ar.rank_value, ar.tiebreak_seconds, ar.recorded_at
    FROM athlete_results ar
    JOIN scheduled_sessions ss ON ss.id = ar.session_id
    CROSS JOIN LATERAL (VALUES (ss.track), ('*')) AS scope (name)
), best AS (
    SELECT DISTINCT ON (s.wod_id, s.scope, s.athlete_id) s.*
    FROM scoped s
    ORDER BY s.wod_id, s.scope, s.athlete_id, s.rank_tier, s.rank_value, s.tiebreak_seconds NULLS LAST, s.session_date
)
SELECT b.*, a.gender,
       RANK() OVER board_box AS box_rank,
       100 * (1 - PERCENT_RANK() OVER board_box) AS box_percentile,
       RANK() OVER board_crossfit AS crossfit_rank,
       100 * (1 - PERCENT_RANK() OVER board_crossfit) AS crossfit_percentile,
       RANK() OVER gender_box AS box_gender_rank,
       100 * (1 - PERCENT_RANK() OVER gender_box) AS box_gender_percentile,
       RANK() OVER gender_crossfit AS crossfit_gender_rank,
       100 * (1 - PERCENT_RANK() OVER gender_crossfit) AS crossfit_gender_percentile
FROM best b
LEFT JOIN athletes a ON a.id = b.athlete_id
WINDOW board_box AS (PARTITION BY b.wod_id, b.scope ORDER BY b.rank_tier, b.rank_value, b.tiebreak_seconds NULLS LAST),
       board_crossfit AS (PARTITION BY b.wod_id, b.scope
                          ORDER BY LEAST(b.rank_tier, 8), b.rank_value, b.tiebreak_seconds NULLS LAST),
       gender_box AS (PARTITION BY b.wod_id, b.scope, a.gender
                      ORDER BY b.rank_tier, b.rank_value, b.tiebreak_seconds NULLS LAST),
       gender_crossfit AS (PARTITION BY b.wod_id, b.scope, a.gender
                           ORDER BY LEAST(b.rank_tier, 8), b.rank_value, b.tiebreak_seconds NULLS LAST);

-- REFRESH ... CONCURRENTLY needs a unique index; it is also the personal-record lookup.
CREATE UNIQUE INDEX uq_standings_athlete ON workout_standings (wod_id, scope, athlete_id);
-- The top of each board, in the leaderboard's order (rank, then who recorded first).
CREATE INDEX idx_standings_box ON workout_standings (wod_id, scope, box_rank, recorded_at, athlete_id);
CREATE INDEX idx_standings_crossfit ON workout_standings (wod_id, scope, crossfit_rank, recorded_at, athlete_id);
CREATE INDEX idx_standings_box_gender ON workout_standings (wod_id, scope, gender, box_gender_rank, recorded_at, athlete_id);
CREATE INDEX idx_standings_crossfit_gender
    ON workout_standings (wod_id, scope, gender, crossfit_gender_rank, recorded_at, athlete_id);

-- Queries take a workout by its title or its id written as text (`wd.title = :wod OR wd.id::text =
-- :wod`): with this index both sides are index lookups instead of a scan of every workout.
CREATE INDEX idx_wod_id_text ON wod_definitions ((id::text));
