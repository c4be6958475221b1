"""Incremental benchmarks: one more day, one correction, a competition board, the difficulty fit with its default errors."""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from wodlab.bench.timing import median_of, timed
from wodlab.lab import Lab, connect
from wodlab.sim.config import SimulationConfig
from wodlab.sim.open_board import open_board
from wodlab.sim.simulate import simulate, write_box
from wodlab.store.server import temporary_server

# Competition board timed by the incremental section: athletes (each does the five workouts of
# wodlab.sim.open_board, so five scores each); from the box scale on, a worldwide Open's size (150,000
# scores, issue 21's target board).
BOARD_ATHLETES = {"small": 600, "box": 30_000, "federation": 30_000}


# The box whose difficulty is fitted with the default errors: a realistic one of ~49,000 results (a
# competition region's size), smaller in CI's smoke test; its truth gives the intervals' coverage.
DIFFICULTY_BOX = {"small": SimulationConfig(athletes=60, weeks=10, seed=404, scenario="realistic", tracked_weeks=0),
                  "box": SimulationConfig(athletes=500, weeks=40, seed=404, scenario="realistic", tracked_weeks=0),
                  "federation": SimulationConfig(athletes=500, weeks=40, seed=404, scenario="realistic", tracked_weeks=0)}


def bench_incremental(lab: Lab, box_dir: Path, scratch: Path, scale: str, runs: int) -> dict:
    """What a change costs once the box is stored: its last day's results loaded again into the database
    holding all the others (taken out before each run), one of them corrected (update=True), and a
    competition board loaded. Each returns with the boards and flags current (the statements keep them)."""
    results = pd.read_csv(box_dir / "results.csv", dtype=str, keep_default_na=False)
    last = results["session_date"].max()
    day = results[results["session_date"] == last]
    day_path = scratch / "day.csv"
    day.to_csv(day_path, index=False)

    def take_out_day() -> None:
        with lab.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM athlete_results WHERE session_date = :d"), {"d": last})

    day_s = median_of(runs, lambda: lab.load_results(day_path, progress=False), take_out_day)
    row = _timed_row(results)
    correction, correction_path, correction_s = results.iloc[[row]].copy(), scratch / "correction.csv", []
    for k in range(runs):  # the score one second later, then back: each run changes it
        correction["score"] = _bumped(results["score"].iloc[row], later=k % 2 == 0)
        correction.to_csv(correction_path, index=False)
        correction_s.append(timed(lambda: lab.load_results(correction_path, update=True, progress=False)))
    board = open_board(BOARD_ATHLETES[scale], seed=11)
    board_s = timed(lambda: lab.load_leaderboard(board, competition="Bench Open"))
    return {"stored_results": int(lab.sql("SELECT count(*) AS n FROM athlete_results")["n"].iloc[0]),
            "day_results": len(day), "day_load_s": day_s, "correction_s": statistics.median(correction_s),
            "board_scores": len(board), "board_load_s": board_s, "board_rows_per_s": len(board) / board_s}


def _timed_row(results: pd.DataFrame) -> int:
    """The last of the box's results scored as a time (m:ss): the one corrected."""
    return int(results["score"].str.fullmatch(r"\d+:\d\d").to_numpy().nonzero()[0][-1])


def _bumped(score: str, later: bool) -> str:
    """A time one second later (or the time itself again): a corrected score."""
    minutes, seconds = (int(part) for part in score.split(":"))
    total = minutes * 60 + seconds + (1 if later else 0)
    return f"{total // 60}:{total % 60:02d}"


def bench_difficulty(scale: str) -> dict:
    """lab.difficulty.observed() with its default errors on DIFFICULTY_BOX (its own server), and with the
    model's own (one fit) beside it; the default's intervals' coverage of the simulator's truth."""
    from wodlab.difficulty import reliability

    config = DIFFICULTY_BOX[scale]
    with tempfile.TemporaryDirectory(prefix="wlbench-difficulty-") as scratch, temporary_server() as url:
        folder = Path(scratch) / "box"
        write_box(simulate(config), folder)
        lab = connect(url)
        lab.load_box(folder, progress=False)
        n = int(lab.sql("SELECT count(*) AS n FROM athlete_results")["n"].iloc[0])
        model_s = timed(lambda: lab.difficulty.observed(errors="model"))
        started = time.perf_counter()
        observed = lab.difficulty.observed(progress=False)
        default_s = time.perf_counter() - started
        truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
        covered = reliability.coverage(reliability.items_with_truth(observed, truth))
        lab.engine.dispose()
    return {"results": n, "athletes": config.athletes, "weeks": config.weeks, "one_fit_s": model_s,
            "default_errors_s": default_s, "fits_worth": default_s / model_s, "coverage": covered}
