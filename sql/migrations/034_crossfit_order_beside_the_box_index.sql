-- 034: the crossfit policy's board order kept by a small index beside the box order's, not a second full one.
--
-- Every board row was written under three indexes: the key, the box policy's order
-- (idx_standings_box) and the crossfit policy's (idx_standings_crossfit). The two orders differ only
-- among the no-scores: the crossfit policy ranks them as one tier (wodlab_policy_tier, migration 017)
-- where the box policy keeps DNF before DNS, WD and none. Above the no-scores the crossfit order is the
-- box order. So the crossfit index now covers only the rows where the orders part (the no-scores, and
-- a tier left NULL by a writer that did not rank), with the same key; the leaderboard reads the scores
-- from the box index and the no-scores from this one (sql/queries/leaderboard.sql). A first competition
-- board of 150,000 scores wrote 310,000 board rows under three full indexes; now under two and a
-- sliver. The no-score tier is the policy's own (wodlab_policy_tier of the highest tier).

DROP INDEX idx_standings_crossfit;

CREATE INDEX idx_standings_crossfit_no_scores
    ON workout_standings (wod_id, scope, crossfit_tier, rank_value, tiebreak_seconds, recorded_at, athlete_id)
    WHERE (rank_tier >= wodlab_policy_tier('crossfit', 32767::smallint)) IS NOT FALSE;
