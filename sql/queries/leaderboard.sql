-- wodlab: the seed's "Top 10" generalised to any workout, track and gender, ranked by the rank key
-- wodlab.ranking.rank_key stored with each result (rank_tier, rank_value, tiebreak_seconds): Rx
-- before scaled, finishers by time, then capped athletes by reps; AMRAPs by total reps, loads in
-- kg; tie-breaks last; every no-score (DNF, DNS, WD, none) below every scaled score. Policy "box"
-- puts DNF before the other no-scores; "crossfit" ranks every no-score equal (wodlab_policy_tier,
-- migration 017).
-- Each athlete appears once, with their best result on the workout (over every session of it,
-- unless session_id is given).
-- The board of one workout over all its sessions is read from workout_standings (migration 017: each
-- athlete's best, kept by the loads; the top rows are an index range in the policy's order, ranked as
-- they are read). A board of one session, or without flagged results, is not stored: the query
-- leaderboard_from_results ranks it from the results, and runs instead whenever session_id or
-- exclude_flagged is given. Two statements rather than one holding both paths: the planner plans
-- only the one that runs (each path it plans costs every month partition of the results: 3 ms of a
-- 4 ms query at 26 months). tests/test_standings.py checks the two agree.
-- rows: few when limit
-- instead leaderboard_from_results when session_id, exclude_flagged
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
), settled_size AS (
    -- the board's size, for percentiles (workout_boards, kept with the standings)
    SELECT CASE CAST(:gender AS TEXT) WHEN 'M' THEN b.men WHEN 'F' THEN b.women ELSE b.athletes END AS athletes
    FROM workout_boards b
    WHERE b.wod_id = (SELECT id FROM matching LIMIT 1) AND b.scope = COALESCE(CAST(:track AS TEXT), '*')
), stored_board AS NOT MATERIALIZED (
    -- the stored board of the workout, track scope and gender: inlined into each policy's read below
    SELECT st.* FROM workout_standings st
    WHERE st.wod_id = (SELECT id FROM matching LIMIT 1)
    AND st.scope = COALESCE(CAST(:track AS TEXT), '*')
    AND (CAST(:gender AS TEXT) IS NULL OR st.gender = :gender)
), settled_box AS (
    -- the board in its policy's order is an index range (idx_standings_box): read from the top, each
    -- row's rank counted as it comes, and stopped at the limit
    SELECT result_id AS id, session_date, athlete_id, recorded_at, track,
           RANK() OVER (ORDER BY rank_tier, rank_value, tiebreak_seconds) AS rank
    FROM stored_board WHERE CAST(:policy AS TEXT) IS DISTINCT FROM 'crossfit'
    ORDER BY rank_tier, rank_value, tiebreak_seconds, recorded_at, athlete_id LIMIT :limit
), crossfit_order AS NOT MATERIALIZED (
    -- the board in the crossfit policy's order: the box order down to the no-scores (idx_standings_box),
    -- then the no-scores as one tier (idx_standings_crossfit_no_scores, migration 034), each read from
    -- its top and stopped at the limit
    (SELECT * FROM stored_board
     WHERE CAST(:policy AS TEXT) = 'crossfit' AND rank_tier < wodlab_policy_tier('crossfit', 32767::smallint)
     ORDER BY rank_tier, rank_value, tiebreak_seconds, recorded_at, athlete_id LIMIT :limit)
    UNION ALL
    (SELECT * FROM stored_board
     WHERE CAST(:policy AS TEXT) = 'crossfit'
     AND (rank_tier >= wodlab_policy_tier('crossfit', 32767::smallint)) IS NOT FALSE
     ORDER BY crossfit_tier, rank_value, tiebreak_seconds, recorded_at, athlete_id LIMIT :limit)
), settled_crossfit AS (
    SELECT result_id AS id, session_date, athlete_id, recorded_at, track,
           RANK() OVER (ORDER BY crossfit_tier, rank_value, tiebreak_seconds) AS rank
    FROM crossfit_order
    ORDER BY crossfit_tier, rank_value, tiebreak_seconds, recorded_at, athlete_id LIMIT :limit
), settled AS (
    SELECT s.id, s.session_date, s.athlete_id, s.recorded_at, s.track, a.display_name, a.gender, s.rank,
           CASE WHEN n.athletes > 1 THEN 100 * (1 - (s.rank - 1)::float8 / (n.athletes - 1)) ELSE 100 END AS percentile
    FROM (SELECT * FROM settled_box UNION ALL SELECT * FROM settled_crossfit) s
    CROSS JOIN settled_size n
    LEFT JOIN athletes a ON a.id = s.athlete_id
)
SELECT r.rank, r.percentile, r.athlete_id, r.display_name AS athlete, r.gender, ar.score_text AS score, ar.score_type,
       ar.score_value, ar.score_secondary, ar.score_unit, ar.result_status, ar.tiebreak_seconds, ar.is_rx, ar.is_dnf,
       r.track, r.session_date, rf.flag
FROM settled r
JOIN athlete_results ar ON ar.id = r.id AND ar.session_date = r.session_date
LEFT JOIN result_flags rf ON rf.result_id = r.id
ORDER BY r.rank, r.recorded_at, r.athlete_id;
