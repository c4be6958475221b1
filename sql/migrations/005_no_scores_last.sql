-- 005: leaderboards as competitions print them (wodlab.ranking).
--
-- Two more statuses: 'wd' (withdrawn) and 'none' (no score entered: "0" or an empty cell), and
-- every no-score now ranks last on every board, below every scaled score: rank_tier 8 for DNF,
-- 9 for DNS, WD and none (it was 2/3, +4 when scaled, which put an Rx DNF above a scaled finisher).
ALTER TABLE athlete_results DROP CONSTRAINT athlete_results_result_status_check;
ALTER TABLE athlete_results ADD CONSTRAINT athlete_results_result_status_check
    CHECK (result_status IN ('finished', 'capped', 'dnf', 'dns', 'wd', 'none'));

UPDATE athlete_results SET rank_tier = CASE result_status WHEN 'dnf' THEN 8 ELSE 9 END, rank_value = 0
WHERE result_status IN ('dnf', 'dns');
