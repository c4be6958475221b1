"""Observed difficulty on a competition board: many athletes, a few workouts each done once, Rx and scaled.

The board is not wodlab's simulator: it is drawn here from what Open leaderboards look like (one row per
athlete and workout, scores as printed: "N reps", "m:ss", "CAP+N" with N reps left, " - s" for scaled,
"0"/"WD"/empty for no score), with athletes unlike the joint model's: a gymnastics skill that decides who
scales and helps on gymnastic workouts, heavy-tailed day-to-day noise (Student t), capped athletes who
slow down. Every athlete stays at one level for the whole competition, so the Rx and scaled athletes never
meet: two components of the athlete-item graph, whose origins the fits do not share."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from wodlab.difficulty import reliability
from wodlab.difficulty.observed import DisconnectedWarning

# label: (kind, an average Rx athlete's time in seconds or reps, cap in seconds, reps in the workout,
# share of gymnastics); the workouts are wodcraft's library's.
WORKOUTS = {"23.1": ("reps", 190, None, None, 0.5), "24.1": ("time", 720, 900, 180, 0.4),
            "20.1": ("time", 780, 900, 180, 0.5), "18.4": ("time", 480, 540, 165, 0.8),
            "19.1": ("reps", 260, None, None, 0.0)}


def open_board(athletes: int, seed: int) -> pd.DataFrame:
    """An Open's board, long format, as exported (module docstring)."""
    draw = np.random.default_rng(seed)
    ability, skill = draw.normal(0, 0.3, athletes), draw.normal(0, 1, athletes)
    scaled = ability + 0.15 * skill + draw.normal(0, 0.1, athletes) < np.quantile(ability, 0.3)
    gender = draw.choice(["M", "F"], athletes)
    rows = []
    for label, (kind, typical, cap, reps, gymnastics) in WORKOUTS.items():
        pace = ability + 0.2 * skill * gymnastics + 0.1 * draw.standard_t(4, athletes) + np.where(scaled, 0.35, 0.0)
        for i in range(athletes):
            if draw.random() < 0.03:
                score = str(draw.choice(["0", "WD", ""]))
            elif kind == "reps":
                score = f"{int(typical * np.exp(pace[i]))} reps"
            elif (seconds := typical * np.exp(-pace[i])) > cap:  # slower than the cap: fewer reps, and fading
                score = f"CAP+{reps - min(int(reps * (cap / seconds) ** 1.2), reps - 1)}"
            else:
                score = f"{int(seconds // 60)}:{int(seconds % 60):02d}"
            rows.append((f"c{i}", f"Athlete {i}", gender[i], 30, label, score + (" - s" if scaled[i] and score else "")))
    return pd.DataFrame(rows, columns=["competitorId", "competitorName", "gender", "age", "workout", "scoreDisplay"])


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
        honest = reliability.split_half(competition.engine, errors="auto")
    items = honest.items
    assert len(items) == 2 * len(WORKOUTS)
    for track, group in items.groupby("track"):
        assert abs(float(group["difference"].mean())) < 1e-9, track
    assert honest.correlation > 0.99
    assert honest.agreement >= 0.80, items[["title", "track", "difference", "se_a", "se_b", "z"]]
