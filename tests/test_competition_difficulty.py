"""Observed difficulty on a competition board: many athletes, a few workouts each done once, Rx and scaled.

The board is not wodlab's simulator: it is drawn (wodlab.sim.open_board) from what Open leaderboards look like (one row per
athlete and workout, scores as printed: "N reps", "m:ss", "CAP+N" with N reps left, " - s" for scaled,
"0"/"WD"/empty for no score), with athletes unlike the joint model's: a gymnastics skill that decides who
scales and helps on gymnastic workouts, heavy-tailed day-to-day noise (Student t), capped athletes who
slow down. Every athlete stays at one level for the whole competition, so the Rx and scaled athletes never
meet: two components of the athlete-item graph, whose origins the fits do not share."""

from __future__ import annotations

import warnings

import pytest

from wodlab.difficulty import reliability
from wodlab.difficulty.observed import DisconnectedWarning
from wodlab.difficulty.paces import FitData
from wodlab.sim.open_board import WORKOUTS, open_board

pytestmark = pytest.mark.slow  # fits or runs of whole boxes: `make test`, not `make test-fast`


@pytest.fixture(scope="module")
def competition(admin, server_url, template):
    from conftest import lab_on_new_database

    with lab_on_new_database(admin, server_url, template, "wl_competition_difficulty") as lab:
        assert lab.load_wods(library=True, progress=False).ok
        report = lab.load_leaderboard(open_board(1500, seed=11), competition="Open Drawn")
        assert report.inserted == 1500 * len(WORKOUTS)
        yield lab


def test_every_workout_at_each_level_is_an_item_and_the_scaled_ones_get_no_points(competition):
    with pytest.warns(DisconnectedWarning, match="2 connected components"):
        observed = competition.difficulty.observed(errors="model")
    items = observed.items
    assert sorted(zip(items["title"], items["track"])) == sorted(
        (f"Open {label}", track) for label in WORKOUTS for track in ("RX", "SCALED"))
    assert observed.components == 2
    scaled = items[items["track"] == "SCALED"]
    assert scaled["points"].isna().all() and (scaled["points_note"] == "its athletes never meet the box's others").all()
    assert items[items["track"] == "RX"]["points"].notna().all()


def test_split_halves_are_aligned_within_each_component_and_agree_within_the_honest_intervals(competition):
    """Each fit puts the origin of each component where its ridge leaves it: the halves can be compared
    only within a component (aligned on all items at once, Rx items moved one way and scaled ones the
    other, and the differences looked like errors)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DisconnectedWarning)
        honest = reliability.split_half(FitData.read(competition.engine), errors="auto")
    items = honest.items
    assert len(items) == 2 * len(WORKOUTS)
    for track, group in items.groupby("track"):
        assert abs(float(group["difference"].mean())) < 1e-9, track
    assert honest.correlation > 0.99
    assert honest.agreement >= 0.80, items[["title", "track", "difference", "se_a", "se_b", "z"]]
