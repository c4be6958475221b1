-- wodlab: the leaderboard (same parameters, same columns, same order) ranked from the results
-- themselves rather than read from the stored board: the query the leaderboard runs when it is asked
-- for one session (session_id) or without the results the last check flagged (exclude_flagged).
-- Each athlete's best result on the workout (over every session of it, unless session_id is given),
-- ranked by the policy (wodlab_policy_tier, migration 017) on the rank key stored with each result.
-- param wod: workout — the workout's title or id (resolved to one workout, wodlab.store.names)
-- param track: text, optional — RX, SCALED, INTERMEDIATE; every track when NULL
-- param gender: text, optional — M or F; everyone when NULL
-- param session_id: session, optional — one session only
-- param limit: int, optional — at most this many rows
-- param policy: text, optional — the ranking policy: crossfit, or box (the default, also for NULL)
-- param exclude_flagged: bool, optional — true: leave out results the last check found impossible or outliers
-- column rank: Int64 — 1 for the best; equal scores share a rank
-- column percentile: Float64 — 100 for the best, 0 for the last: 100 x (1 - (rank - 1) / (n - 1))
-- column athlete_id: string — the athlete's id
-- column athlete: string — the athlete's display name
-- column gender: string — M or F
-- column score: string — the score in canonical form, e.g. 'CAP+12' or '7+12'
-- column score_type: string — TIME, REPS, ROUNDS, LOAD, CALORIES, DISTANCE
-- column score_value: Float64 — main value
-- column score_secondary: Float64 — secondary value (reps past the last round...)
-- column score_unit: string — s, rounds, reps, kg, lb, pood, cal, m...
-- column result_status: string — finished, capped, dnf, dns
-- column tiebreak_seconds: Float64 — the tie-break time, when written
-- column is_rx: boolean — done as prescribed
-- column is_dnf: boolean — did not finish (or start)
-- column track: string — the session's track
-- column session_date: datetime64[ns] — the session's date
-- column flag: string — impossible, outlier or leader when the last check flagged the result (lab.suspicious_results)
WITH matching AS (
    SELECT CAST(:wod AS UUID) AS id  -- resolved to one workout before the query runs
), candidates AS (
    -- the rank key of every result on the workout: narrow rows (an index-only scan of
    -- idx_results_session_rank), the display columns are fetched for the shown rows only
    SELECT ar.id, ar.athlete_id, ar.rank_tier, ar.rank_value, ar.tiebreak_seconds, ar.recorded_at, ss.track,
           ss.session_date
    FROM scheduled_sessions ss
    -- the session's date is the results' partition key: each session's results are looked up in its month
    JOIN athlete_results ar ON ar.session_id = ss.id AND ar.session_date = ss.session_date
    WHERE ss.wod_definition_id IN (SELECT id FROM matching)
    AND (CAST(:track AS TEXT) IS NULL OR ss.track = :track)
    AND (CAST(:session_id AS UUID) IS NULL OR ss.id = :session_id)
    AND (NOT COALESCE(CAST(:exclude_flagged AS BOOLEAN), FALSE) OR NOT EXISTS (
        SELECT 1 FROM result_flags rf WHERE rf.result_id = ar.id AND rf.flag <> 'leader'))
), best AS (
    SELECT DISTINCT ON (c.athlete_id) c.*,
           wodlab_policy_tier(CAST(:policy AS TEXT), c.rank_tier) AS policy_tier
    FROM candidates c
    ORDER BY c.athlete_id, c.rank_tier, c.rank_value, c.tiebreak_seconds NULLS LAST, c.session_date
), ranked AS (
    SELECT b.id, b.session_date, b.athlete_id, b.recorded_at, b.track, a.display_name, a.gender,
           RANK() OVER w AS rank,
           100 * (1 - PERCENT_RANK() OVER w) AS percentile
    FROM best b
    LEFT JOIN athletes a ON a.id = b.athlete_id
    WHERE CAST(:gender AS TEXT) IS NULL OR a.gender = :gender
    WINDOW w AS (ORDER BY b.policy_tier, b.rank_value, b.tiebreak_seconds NULLS LAST)
    ORDER BY rank, b.recorded_at, b.athlete_id
    LIMIT :limit
)
SELECT r.rank, r.percentile, r.athlete_id, r.display_name AS athlete, r.gender, ar.score_text AS score, ar.score_type,
       ar.score_value, ar.score_secondary, ar.score_unit, ar.result_status, ar.tiebreak_seconds, ar.is_rx, ar.is_dnf,
       r.track, r.session_date, rf.flag
FROM ranked r
JOIN athlete_results ar ON ar.id = r.id AND ar.session_date = r.session_date
LEFT JOIN result_flags rf ON rf.result_id = r.id
ORDER BY r.rank, r.recorded_at, r.athlete_id;
