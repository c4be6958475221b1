"""An open ladder is walked rung by rung at the catalog's paces (wodlab.workouts.walks): its standard in the
difficulty fit, the simulator's scores and the most reps anyone does by the cap read the same walk."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from wodcraft.library import get

from wodlab.sim.performance import perform
from wodlab.sim.workouts import Workout
from wodlab.workouts.compiler import compile_documents
from wodlab.workouts.structure import FASTEST_PACE_FACTOR, Scoring, block_work_seconds, counted_work, rep_distances
from wodlab.workouts.walks import ladder_walk

LADDER = """# Test ladder
2-4-6 ... for time, cap 6:00
  Burpee
  Air squat
  10 m Run
"""
HEAVY = LADDER.replace("# Test ladder", "# Heavy ladder").replace("Air squat", "Thruster 95/65 lb")


def compiled(text: str) -> dict:
    return compile_documents(text, "test.wod")[0]


def test_the_walk_adds_each_rung_at_its_own_value_after_the_written_ones():
    document = compiled(LADDER)
    walk = ladder_walk(document)
    block = document["blocks"][0]
    rungs = [{**block, "reps": [value], "reps_open": False} for value in (2, 4, 6, 8, 10)]
    per_rep = rep_distances(document)
    expected_seconds = np.cumsum([0.0] + [block_work_seconds([r]) for r in rungs])
    expected_reps = np.cumsum([0.0] + [counted_work([r], per_rep) for r in rungs])
    assert walk.seconds[:6] == pytest.approx(expected_seconds)
    assert walk.reps[:6] == pytest.approx(expected_reps)
    assert expected_reps[1] == 2 + 2 + 10  # a rung: its value of each bare movement, and the run's metres
    assert np.all(np.diff(np.diff(walk.seconds)) > 0)  # every rung longer than the one before


def test_an_open_ladders_standard_is_what_its_paces_reach_by_the_cap_not_one_pass():
    document = compiled(get("open/25_1").source)
    walk = ladder_walk(document)
    one_pass = counted_work(document["blocks"], rep_distances(document))  # 3-6-9 written: 42 reps
    assert one_pass == 42
    assert walk.standard > 4 * one_pass
    assert walk.seconds_to(walk.standard) == pytest.approx(900)
    for reps in (20, 150, 400):  # time to reps and reps by a time are one curve
        assert walk.reps_by(walk.seconds_to(reps)) == pytest.approx(reps)
    assert walk.most_reps == pytest.approx(walk.reps_by(900 / FASTEST_PACE_FACTOR))
    assert ladder_walk(compiled(HEAVY)).standard < ladder_walk(compiled(LADDER)).standard  # a barbell slows it


def test_only_an_open_ladder_has_a_walk():
    for path in ("girls/fran", "open/24_1", "girls/cindy"):
        assert ladder_walk(compiled(get(path).source)) is None


def test_the_simulator_scores_a_ladder_by_the_walk_and_the_fit_reads_it_back():
    """A pace y becomes the reps the standard athlete reaches in cap * e^y; the fit's pace of those reps is y."""
    document = compiled(get("open/25_1").source)
    workout, walk, cap = Workout("open/25_1", "Open 25.1", "", document), ladder_walk(document), 900.0
    for y in (-0.6, 0.0, 0.4):
        outcome = perform(workout, y, "men", per_round=0)
        assert outcome["status"] == "capped"
        assert outcome["reps"] == int(walk.reps_by(cap * math.exp(y)))
        assert math.log(walk.seconds_to(outcome["reps"]) / cap) == pytest.approx(y, abs=0.02)


def test_more_reps_by_the_cap_than_anyone_reaches_is_flagged_impossible(lab):
    lab.store_wod(get("open/25_1").source)
    most = ladder_walk(compiled(get("open/25_1").source)).most_reps
    session = {"wod": "Open 25.1", "session_date": "2026-09-05", "session_time": "10:00", "track": "RX"}
    lab.load_athletes(pd.DataFrame({"external_id": ["ann", "bob"], "name": ["Ann", "Bob"], "gender": ["F", "M"]}))
    lab.load_sessions(pd.DataFrame([session]))
    lab.load_results(pd.DataFrame([{**session, "athlete": "ann", "score": f"CAP+{int(most) + 5}"},
                                   {**session, "athlete": "bob", "score": "CAP+180"}]))
    found = lab.suspicious_results(refresh=False)
    assert found["athlete"].tolist() == ["Ann"] and found["flag"].tolist() == ["impossible"]
    assert f"{int(most) + 5} reps by the cap is more than anyone does on this ladder" in found["reason"][0]
    assert Scoring.of(compiled(get("open/25_1").source)).total_reps == 0  # open: no total to count down from
