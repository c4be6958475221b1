"""The benchmark command runs end to end at the small scale (CI's smoke test; the figures are not asserted)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow  # fits or runs of whole boxes: `make test`, not `make test-fast`


def test_bench_small_writes_a_report_with_every_ratio(tmp_path):
    run = subprocess.run([sys.executable, "-m", "wodlab.bench", "--scale", "small", "--runs", "1", "--json",
                          str(tmp_path / "small.json")], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    report = json.loads((tmp_path / "small.json").read_text())
    assert report["writes"]["rows"] > 4000 and report["reads"]["rows"] == report["writes"]["rows"]
    for section, ratio in [("writes", "ratio_to_sql_over_wodlab"), ("writes", "ratio_copy_over_wodlab"),
                           ("writes", "ratio_copy_plain_over_wodlab"), ("writes", "ratio_adbc_plain_over_wodlab"),
                           ("reads", "ratio_read_sql_over_wodlab"), ("reads", "ratio_wodlab_over_copy"),
                           ("reads", "ratio_wodlab_over_connectorx"), ("reads", "ratio_wodlab_over_adbc")]:
        assert report[section][ratio] > 0
    assert set(report["queries"]) == {"leaderboard", "best_times", "wods_with_any_movement", "wods_with_all_movements",
                                      "athlete_movement_progression", "live_leaderboard"}
    assert report["events"]["rows"] > 1000 and report["writes"]["peak_rss_mib"] > 50
    assert all("Scan" in q["explain"] or "Result" in q["explain"] for q in report["queries"].values())
    assert report["workouts"]["folder"]["workouts"] == 50 and report["workouts"]["folder"]["workouts_per_s"] > 0
    incremental = report["incremental"]
    assert 0 < incremental["day_results"] < incremental["stored_results"] and incremental["board_scores"] > 0
    assert incremental["day_load_s"] > 0 and incremental["correction_s"] > 0 and incremental["board_rows_per_s"] > 0
    difficulty = report["difficulty"]
    assert difficulty["results"] > 0 and 0 <= difficulty["coverage"] <= 1 and difficulty["fits_worth"] > 0
    assert "ratio to_sql/wodlab" in run.stdout and "workout import, a folder" in run.stdout
