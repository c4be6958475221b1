"""Duplicate audit: exact, semantic and near pairs; on the simulated box, exactly the planted ones."""

from __future__ import annotations

import json

import pytest
from wodcraft.api import compile_source
from wodcraft.library import get

from conftest import FIXTURES
from wodlab.audit.dedup import canonical, find_duplicates, merge_plan, normalized_text

FRAN = get("girls/fran").source
FRAN_REWRITTEN = """# Friday Fran
// written from memory
21-15-9 FOR TIME, CAP 10:00
  THRUSTERS 43/30 KG   // heavy!
  pull-ups
Scaled:
  Thruster 30/20 kg
  Pull-up -> Jumping pull-up
"""


def test_the_same_workout_written_differently_has_one_canonical_form():
    assert canonical(compile_source(FRAN).document) == canonical(compile_source(FRAN_REWRITTEN).document)


def test_a_changed_number_is_another_workout():
    other = FRAN.replace("21-15-9", "21-15-12")
    assert canonical(compile_source(other).document) != canonical(compile_source(FRAN).document)


def test_normalized_text_ignores_case_and_spacing_but_not_comments():
    assert normalized_text("# A\n\n  21  Burpee  \n") == normalized_text("# a\n21 burpee")
    assert normalized_text("# A\n21 Burpee // go") != normalized_text("# A\n21 Burpee")


def test_pairs_are_ranked_and_a_merge_plan_keeps_the_used_workout(lab):
    lab.store_wod(FRAN)
    lab.store_wod(FRAN_REWRITTEN)
    lab.store_wod(FRAN.replace("# Fran", "# Fran Light").replace("21-15-9", "18-15-9"))
    lab.store_wod(FRAN.replace("# Fran", "# Fran Heavy").replace("95/65 lb", "225/155 lb"))
    lab.store_wod("\n".join("  ".join(line.split(" ")) for line in FRAN.replace("# Fran", "# Fran").splitlines()) + "\n\n")
    pairs = find_duplicates(lab.engine)
    described = [(k, tuple(sorted((a, b)))) for k, a, b in zip(pairs["kind"], pairs["a_title"], pairs["b_title"])]
    assert described[:3] == [("exact", ("Fran", "Fran")), ("semantic", ("Fran", "Friday Fran")),
                             ("semantic", ("Fran", "Friday Fran"))]
    near = pairs[pairs["kind"] == "near"]
    assert set(near["a_title"]) | set(near["b_title"]) >= {"Fran Light"}
    assert "Fran Heavy" not in set(near["a_title"]) | set(near["b_title"])  # 225 lb is not a small change
    assert near["similarity"].is_monotonic_decreasing
    plan = merge_plan(lab.engine, pairs)
    assert list(plan.columns) == ["kind", "keep_id", "keep_title", "merge_id", "merge_title", "sessions_to_move",
                                  "results_to_move", "safe", "why"]
    assert (plan["safe"] == plan["kind"].isin(["exact", "semantic"])).all()
    assert (plan["sessions_to_move"] == 0).all()  # nothing scheduled yet


def test_on_the_simulated_box_it_finds_exactly_the_planted_pairs(sim_lab):
    truth = json.loads((FIXTURES / "sim" / "truth.json").read_text())
    planted = {(p["kind"], frozenset((p["a_id"], p["b_id"]))) for p in truth["duplicates"]}
    found = find_duplicates(sim_lab.engine)
    assert {(k, frozenset((a, b))) for k, a, b in zip(found["kind"], found["a_id"], found["b_id"])} == planted


def test_the_merge_plan_moves_the_sessions_of_the_copy(sim_lab):
    pairs = find_duplicates(sim_lab.engine)
    plan = merge_plan(sim_lab.engine, pairs).set_index("merge_title")
    copy = plan.loc["Fran (coach's copy)"]
    assert copy["keep_title"] == "Fran" and copy["sessions_to_move"] >= 1 and copy["results_to_move"] > 0


@pytest.mark.parametrize("threshold, expected", [(0.15, 0), (0.35, 3)])
def test_the_near_threshold_is_the_largest_relative_change(sim_lab, threshold, expected):
    pairs = find_duplicates(sim_lab.engine, threshold=threshold)
    assert (pairs["kind"] == "near").sum() == expected
