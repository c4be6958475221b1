"""Each workout's levels tied to its Rx item (wodlab.difficulty.level_ties): a scaled item measured by a handful of
results borrows from what the box's other workouts say about the scaled level; one measured well keeps its own."""

from __future__ import annotations

import numpy as np
import pandas as pd

from wodlab.core.frames import conform
from wodlab.difficulty.level_ties import MIN_PAIRS, tie_levels
from wodlab.difficulty.observed import ATHLETES_SCHEMA, ITEMS_SCHEMA, ObservedDifficulty


def _box(seed: int, workouts: int = 40, tau: float = 0.1, delta: float = -0.3, rx_se: float = 0.03):
    """Rx items measured with rx_se, scaled items measured by few or many results (their se), their true offsets
    from the Rx item delta + N(0, tau); the measured difficulties drawn around the truth with their se."""
    rng = np.random.default_rng(seed)
    rx_truth = rng.normal(0, 0.3, workouts)
    scaled_truth = rx_truth + delta + rng.normal(0, tau, workouts)
    rx_se, scaled_se = np.full(workouts, rx_se), np.where(np.arange(workouts) % 2 == 0, 0.2, 0.02)  # few, many
    rows = []
    for k in range(workouts):
        for track, truth, se in (("RX", rx_truth[k], rx_se[k]), ("SCALED", scaled_truth[k], scaled_se[k])):
            rows.append({"wod_id": f"w{k:02d}", "title": f"W{k:02d}", "track": track, "team_size": 1, "kind": "time",
                         "time_domain": "medium", "modalities": "cardio", "n_results": 30, "n_censored": 0,
                         "n_open": 0, "difficulty": truth + rng.normal(0, se), "se": se, "spread": 1.0,
                         "level_gap": 0.0, "naive_difficulty": 0.0, "component": 0, "truth": truth})
    items = pd.DataFrame(rows)
    athletes = conform(pd.DataFrame({"athlete_id": [f"a{i}" for i in range(50)], "n_results": 10,
                                     "ability": rng.normal(0, 0.25, 50), "se": 0.05, "progression": 0.0,
                                     "component": 0}), ATHLETES_SCHEMA)
    observed = ObservedDifficulty(items.drop(columns="truth"), athletes, 0.12, {}, 1)
    return observed.with_item_estimates(items["difficulty"], items["se"]), items["truth"].to_numpy()


def test_a_scaled_item_of_few_results_borrows_from_the_level_and_one_of_many_keeps_its_own():
    errors_before, errors_after, covered = [], [], []
    for seed in range(8):
        observed, truth = _box(seed)
        tied = tie_levels(observed)
        scaled = (observed.items["track"] == "SCALED").to_numpy()
        few = scaled & (observed.items["se"].to_numpy() > 0.1)
        many = scaled & ~few
        before, after = observed.items["difficulty"].to_numpy(), tied.items["difficulty"].to_numpy()
        errors_before.append(np.abs(before - truth)[few])
        errors_after.append(np.abs(after - truth)[few])
        assert np.allclose(after[~scaled], before[~scaled])  # the Rx items as fitted
        moved = np.abs(after - before)
        assert np.max(moved[many]) < 0.05 and np.mean(moved[many]) < 0.3 * np.mean(moved[few])  # measured well: kept
        assert (tied.items["se"].to_numpy()[few] < observed.items["se"].to_numpy()[few]).all()  # the level's knowledge
        covered.append(np.abs(after - truth)[scaled] <= 1.96 * tied.items["se"].to_numpy()[scaled])
    assert np.mean(np.concatenate(errors_after)) < 0.7 * np.mean(np.concatenate(errors_before))
    assert 0.9 <= np.mean(np.concatenate(covered)) <= 0.995  # the posterior errors are honest
    assert tied.items["points"].notna().all()  # points redone from the tied difficulties


def test_a_scaled_item_measured_better_than_its_rx_item_is_not_pulled_towards_it():
    """Diane Scaled of 260 results beside a Diane of 53: the offset's noise is the Rx item's, and the scaled
    item's own measurement is the better one (it once moved most of the way to rx + delta, 0.15-0.22 off)."""
    for seed in range(4):
        observed, truth = _box(seed, rx_se=0.15)
        tied = tie_levels(observed)
        many = ((observed.items["track"] == "SCALED") & (observed.items["se"] < 0.1)).to_numpy()
        before, after = observed.items["difficulty"].to_numpy(), tied.items["difficulty"].to_numpy()
        assert np.max(np.abs(after - before)[many]) < 0.03
        assert np.mean(np.abs(after - truth)[many]) <= 1.05 * np.mean(np.abs(before - truth)[many])


def test_a_level_of_too_few_workouts_or_another_component_is_left_as_fitted():
    observed, _ = _box(1, workouts=MIN_PAIRS - 1)
    assert tie_levels(observed).items["difficulty"].equals(observed.items["difficulty"])
    observed, _ = _box(2)
    apart = observed.items.assign(component=np.where(observed.items["track"] == "SCALED", 1, 0))
    observed = ObservedDifficulty(conform(apart, ITEMS_SCHEMA), observed.athletes, 0.12, {}, 2)
    assert tie_levels(observed).items["difficulty"].equals(observed.items["difficulty"])
