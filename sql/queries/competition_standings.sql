-- wodlab: the overall standings of a competition per division, as CrossFit scores the Open: points
-- are the sum of the athlete's workout ranks within the division (competition_results), lowest
-- wins; equal points are broken by the best single-workout finishes (the sorted list of ranks,
-- compared place by place); athletes still equal share a rank.
-- param competition: text — the competition's name
-- param division: text, optional — one division only
-- column division: string — the division
-- column rank: Int64 — overall place in the division
-- column athlete_id: string — the athlete's id
-- column athlete: string — display name
-- column points: Int64 — sum of the workout ranks
-- column best_finish: Int64 — the athlete's best workout rank
-- column workouts_scored: Int64 — workouts with a score (not a no-score)
WITH entries AS (
    SELECT cw.label, cw.session_id, ce.division, ce.athlete_id
    FROM competitions c
    JOIN competition_workouts cw ON cw.competition_id = c.id
    JOIN competition_entries ce ON ce.competition_id = c.id
    WHERE c.name = :competition
    AND (CAST(:division AS TEXT) IS NULL OR ce.division = :division)
), ranked AS (
    SELECT e.division, e.athlete_id, ar.result_status,
           RANK() OVER (PARTITION BY e.label, e.division
                        ORDER BY LEAST(COALESCE(ar.rank_tier, 8), 8), COALESCE(ar.rank_value, 0),
                                 ar.tiebreak_seconds NULLS LAST) AS workout_rank
    FROM entries e
    LEFT JOIN athlete_results ar ON ar.session_id = e.session_id AND ar.athlete_id = e.athlete_id
), totals AS (
    SELECT division, athlete_id, sum(workout_rank) AS points, min(workout_rank) AS best_finish,
           array_agg(workout_rank ORDER BY workout_rank) AS finishes,
           count(*) FILTER (WHERE result_status IN ('finished', 'capped')) AS workouts_scored
    FROM ranked
    GROUP BY division, athlete_id
)
SELECT t.division, RANK() OVER (PARTITION BY t.division ORDER BY t.points, t.finishes) AS rank,
       t.athlete_id, a.display_name AS athlete, t.points, t.best_finish, t.workouts_scored
FROM totals t
LEFT JOIN athletes a ON a.id = t.athlete_id
ORDER BY t.division, rank, a.display_name, t.athlete_id;
