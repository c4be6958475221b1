-- wodlab: every entry of a competition on each of its workouts, with the result's rank key and judgment:
-- what wodlab.competition_standings places and scores under the competition's rules (one row per
-- athlete and workout, an athlete with no result on a workout included, result columns empty).
-- param competition: text — the competition's name
-- param division: text, optional — one division only
-- column division: string — the athlete's division
-- column label: string — the workout as the board names it
-- column ordinal: Int64 — its place in the series
-- column wod_id: string — the stored workout
-- column athlete_id: string — the athlete's id
-- column athlete: string — display name
-- column result_id: string — the result, empty when none was entered
-- column score: string — the score in canonical form (box notation); empty when none was entered
-- column result_status: string — finished, capped, dnf, dns, wd, none (none too when nothing was entered)
-- column is_rx: boolean — done as prescribed
-- column rank_tier: Int64 — the stored rank tier (wodlab.ranking); empty when nothing was entered
-- column rank_value: Float64 — the stored rank value: seconds, or minus the amount
-- column tiebreak_seconds: Float64 — the tie-break time, when the board gives one
-- column judging: string — pending (not judged yet), valid, invalid or adjusted
-- column penalty: Float64 — an adjusted result's penalty
-- column penalty_unit: string — reps, seconds or percent
-- column judging_reason: string — why it was judged so
WITH entries AS (
    SELECT cw.label, cw.ordinal, cw.session_id, ss.wod_definition_id AS wod_id, ce.division, ce.athlete_id
    FROM competitions c
    JOIN competition_workouts cw ON cw.competition_id = c.id
    JOIN scheduled_sessions ss ON ss.id = cw.session_id
    JOIN competition_entries ce ON ce.competition_id = c.id
    WHERE c.name = :competition
    AND (CAST(:division AS TEXT) IS NULL OR ce.division = :division)
)
SELECT e.division, e.label, e.ordinal, e.wod_id, e.athlete_id, a.display_name AS athlete, ar.id AS result_id,
       ar.score_text AS score, COALESCE(ar.result_status, 'none') AS result_status, ar.is_rx, ar.rank_tier,
       ar.rank_value, ar.tiebreak_seconds,
       CASE WHEN ar.id IS NULL THEN NULL ELSE COALESCE(j.status, 'pending') END AS judging,
       j.penalty, j.penalty_unit, j.reason AS judging_reason
FROM entries e
LEFT JOIN athlete_results ar ON ar.session_id = e.session_id AND ar.athlete_id = e.athlete_id
LEFT JOIN result_judging j ON j.result_id = ar.id
LEFT JOIN athletes a ON a.id = e.athlete_id
ORDER BY e.division, e.ordinal, e.athlete_id;
