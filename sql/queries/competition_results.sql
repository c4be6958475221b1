-- wodlab: every athlete's place on each workout of a competition, within their division, under
-- the official rules (policy "crossfit": no-scores, and a workout with no score, share the last
-- place; equal scores share a rank, "1, 2, 2, 4").
-- param competition: text — the competition's name
-- param division: text, optional — one division only
-- column division: string — the athlete's division
-- column label: string — the workout as the board names it
-- column ordinal: Int64 — its place in the series
-- column workout_rank: Int64 — the athlete's rank on it, within the division
-- column athlete_id: string — the athlete's id
-- column athlete: string — display name
-- column score: string — the score in canonical form (box notation); empty when none was entered
-- column result_status: string — finished, capped, dnf, dns, wd, none (none too when nothing was entered)
-- column is_rx: boolean — done as prescribed
WITH entries AS (
    SELECT cw.label, cw.ordinal, cw.session_id, ce.division, ce.athlete_id
    FROM competitions c
    JOIN competition_workouts cw ON cw.competition_id = c.id
    JOIN competition_entries ce ON ce.competition_id = c.id
    WHERE c.name = :competition
    AND (CAST(:division AS TEXT) IS NULL OR ce.division = :division)
)
SELECT e.division, e.label, e.ordinal,
       RANK() OVER (PARTITION BY e.label, e.division
                    ORDER BY LEAST(COALESCE(ar.rank_tier, 8), 8), COALESCE(ar.rank_value, 0),
                             ar.tiebreak_seconds NULLS LAST) AS workout_rank,
       e.athlete_id, a.display_name AS athlete, ar.score_text AS score,
       COALESCE(ar.result_status, 'none') AS result_status, ar.is_rx
FROM entries e
LEFT JOIN athlete_results ar ON ar.session_id = e.session_id AND ar.athlete_id = e.athlete_id
LEFT JOIN athletes a ON a.id = e.athlete_id
ORDER BY e.division, e.ordinal, workout_rank, a.display_name, e.athlete_id;
