"""One place per rule (wodlab.workouts.structure): the set walker, the time estimate, the total work of a score.

The copies these rules replaced disagreed where a scaled level multiplies a ladder movement
("Pull-up -> 2x Ring row"): the simulator's own walker ignored the factor.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from wodcraft.api import compile_source

from wodlab.scoring.ranking import rank_key
from wodlab.scoring.scores import parse_score
from wodlab.sim.performance import _events, _sets
from wodlab.workouts.levels import resolved_versions
from wodlab.workouts.structure import (
    Scoring,
    bounded_by_cap,
    duration_seconds,
    estimated_seconds,
    movement_sets,
    total_work,
    volume_by_kind,
)

DOUBLED = """# Fran Doubled
21-15-9 for time, cap 10:00
  Thruster 95/65 lb
  Pull-up

Scaled:
  Thruster 65/45 lb
  Pull-up -> 2x Ring row
"""


@pytest.fixture(scope="module")
def scaled_blocks():
    document = compile_source(DOUBLED).document
    return resolved_versions(document)["scaled"]["men"]["blocks"]


def test_a_level_factor_multiplies_a_ladder_movement_in_the_one_walker(scaled_blocks):
    sets = movement_sets(scaled_blocks)
    assert [(s.movement, s.amount) for s in sets] == [
        ("thruster", 21), ("ring_row", 42), ("thruster", 15), ("ring_row", 30), ("thruster", 9), ("ring_row", 18)]
    assert volume_by_kind(scaled_blocks)["reps"] == 135


def test_the_simulator_walks_sets_with_the_same_rule(scaled_blocks):
    sets = _sets(scaled_blocks)  # it used to give 45 ring rows, ignoring the factor
    assert sum(amount for _, amount, _ in sets) == volume_by_kind(scaled_blocks)["reps"] == 135
    events = _events(sets, 135, 300)
    assert sum(quantity for _, _, quantity, _ in events) == 135


def test_an_amrap_body_counts_once_and_rounds_repeat():
    amrap = compile_source("# A\nAMRAP 12:00\n  5 Pull-up\n  10 Push-up\n").document["blocks"]
    assert sum(s.amount for s in movement_sets(amrap)) == 15
    rounds = compile_source("# R\n3 rounds for time\n  5 Pull-ups\n  400 m Run\n").document["blocks"]
    assert volume_by_kind(rounds) == {"reps": 15, "distance": 1200, "calories": 0}


def test_the_time_estimate_is_the_middle_of_wodcrafts_range_bounded_by_the_cap():
    document = {"estimate": {"min_s": 200, "max_s": 400, "capped_s": 240}}
    assert estimated_seconds(document) == 300
    assert duration_seconds(document) == 240
    assert duration_seconds({"estimate": {"min_s": 200, "max_s": 400}}) == 300
    assert duration_seconds({}) is None and estimated_seconds({}) is None
    assert bounded_by_cap(12.0, 0) == 12.0 and bounded_by_cap(12.0, 10.0) == 10.0 and bounded_by_cap(None, 5) is None


def test_total_work_is_one_rule_for_scores_difficulty_and_reconcile():
    assert total_work(7, 12, 15) == 117
    assert total_work(Decimal(7), None, Decimal(15)) == Decimal(105)
    fran_like = Scoring.of(compile_source("# A\nAMRAP 12:00\n  5 Pull-up\n  10 Push-up\n").document)
    key = rank_key(parse_score("7+12", fran_like), fran_like)
    assert key.value == -total_work(7, 12, fran_like.reps_per_round)
