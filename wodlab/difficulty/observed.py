"""Observed difficulty: each item's difficulty and each athlete's ability, estimated jointly from results.

One unit-free scale for every kind of score. Each result is compared with its workout's standard
performance S (wodlab.workouts.structure.standard_performance: wodcraft's estimated pace for a time,
the reps that pace gives in an AMRAP's clock, a reference lift for a load):

    y = ln(S / time)                for a finished time
    lower <= y <= ln(D / cap)       for an athlete capped with r reps, D the standard athlete's time to
                                    r (the workout walked set by set): at best the pace that took them
                                    there, at worst that pace fading on the rest (paces.capped_paces)
    y <= ln(S / cap)                for a DNF on a capped workout (censored)
    y <= the slowest finisher's y   for a DNF on a workout with no cap (censored, as a board ranks it)
    y = ln(T(r) / cap)              for an open ladder's r reps by the cap (T(r): the standard athlete's
                                    time to r reps, walking the rungs: wodlab.workouts.walks)
    y = ln(reps / S)                for an AMRAP (rounds x reps per round + reps, or its total reps)
    y = ln(kg / S)                  for a load (S by the athlete's category)

so y > 0 is faster (more) than the standard. An item is a workout done at one level (Rx, or
scaled) by one team size: each workout x track x team size is its own item, measured against its own
standard (the level's version as wodcraft resolves it, re-estimated; a team's share of the work:
wodlab.workouts.structure.item_version), then restated on its workout's Rx scale by the log ratio of
the two standards (paces.level_gap): every item of a workout is on one scale, so Fran Scaled ranks
below Fran by how much less its version asks, and `level_gap` keeps the ratio. The model fitted to y, and why, is written out in
wodlab.difficulty.joint. This module prepares what it fits (paces, bounds, each result's time and
workout traits) and returns the frames: items with their difficulty, standard error, spread and
0-100 points (the share of the box's athletes expected to miss the standard, with a 95% interval,
NULL with a reason where nothing supports a number), athletes, residuals and what was left out.
Abilities are centred on the box's average athlete, so difficulty 0 means "the average athlete
meets the Rx standard pace"; athletes whose results never meet another's through a shared item
cannot be compared: the fit warns when the athlete-item graph has several connected components.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from scipy.stats import norm

from wodlab.core.frames import FLOAT, INT, TEXT, conform
from wodlab.difficulty import joint
from wodlab.difficulty.paces import FitData, level_gaps


class DisconnectedWarning(UserWarning):
    """The athlete-item graph has several components: difficulties are comparable only within one."""


ITEMS_SCHEMA = {"wod_id": TEXT, "title": TEXT, "track": TEXT, "team_size": INT, "kind": TEXT, "time_domain": TEXT, "modalities": TEXT,
                "n_results": INT, "n_censored": INT, "n_open": INT, "difficulty": FLOAT, "se": FLOAT, "spread": FLOAT, "level_gap": FLOAT,
                "naive_difficulty": FLOAT, "component": INT, "points": FLOAT, "points_low": FLOAT,
                "points_high": FLOAT, "points_note": TEXT}
# An item's 0-100 points are given only where the data support them; otherwise NULL and points_note says why.
MIN_RESULTS_FOR_POINTS = 5
MAX_POINTS_INTERVAL = 50.0  # a 95% interval wider than this many points says nothing a coach can use
ATHLETES_SCHEMA = {"athlete_id": TEXT, "n_results": INT, "ability": FLOAT, "se": FLOAT, "progression": FLOAT,
                   "component": INT}
RESIDUALS_SCHEMA = {"result_id": TEXT, "athlete_id": TEXT, "wod_id": TEXT, "track": TEXT, "team_size": INT, "y": FLOAT,
                    "z": FLOAT}


@dataclass
class ObservedDifficulty:
    items: pd.DataFrame  # ITEMS_SCHEMA: each item (workout x level), its difficulty, se, points (0-100)
    athletes: pd.DataFrame  # athlete_id, n_results, ability, se, component
    residual_sd: float  # robust sd of y around ability - difficulty
    dropped: dict  # results left out, by reason
    components: int
    residuals: pd.DataFrame | None = None  # RESIDUALS_SCHEMA: each fitted result, z = its robust residual
    left_out: pd.DataFrame | None = None  # LEFT_OUT_SCHEMA: results not fitted, by item and reason (never silently)
    robust_se: np.ndarray | None = None  # estimate(robust=True): each item's clustered sandwich error, in .items' order
    fit: joint.JointFit | None = None  # the joint fit behind it: a nearby model's warm start

    def with_error_scale(self, factor: float) -> ObservedDifficulty:
        """A copy whose standard errors (items and athletes) are `factor` times these, intervals redone."""
        return self.with_item_errors(self.items["se"] * factor, athlete_factor=factor)

    def with_item_errors(self, se, athlete_factor: float = 1.0) -> ObservedDifficulty:
        """A copy with these items' standard errors (in the order of .items), intervals redone."""
        return self.with_item_estimates(self.items["difficulty"], se, athlete_factor)

    def with_item_estimates(self, difficulty, se, athlete_factor: float = 1.0) -> ObservedDifficulty:
        """A copy with these items' difficulties and standard errors (in the order of .items), points redone."""
        items = self.items.assign(difficulty=np.asarray(difficulty, dtype=float), se=np.asarray(se, dtype=float))
        athletes = self.athletes.assign(se=self.athletes["se"] * athlete_factor)
        changed = replace(self, items=items, athletes=athletes)
        changed.items = conform(_with_points(changed, items), ITEMS_SCHEMA)
        return changed

    def points(self, difficulty: float | np.ndarray, spread: float | np.ndarray = 1.0) -> np.ndarray:
        """Expected share (0-100) of the box's athletes who miss the standard at this difficulty (and spread)."""
        abilities = self.athletes["ability"].to_numpy(dtype=float)
        d = np.atleast_1d(np.asarray(difficulty, dtype=float))
        s = np.broadcast_to(np.asarray(spread, dtype=float), d.shape)
        return 100 * norm.cdf((d[:, None] - s[:, None] * abilities[None, :]) / self.residual_sd).mean(axis=1)


def estimate(data: FitData, *, ridge: float = 0.01, huber: float = 1.5, iterations: int = 12,
             min_results: int = 1, spread: bool = True, progression: bool = True, specialists: bool = True,
             censored: bool = True, robust: bool = False, start: joint.JointFit | None = None) -> ObservedDifficulty:
    """Fit abilities and difficulties to the results of `data` (the model: wodlab.difficulty.joint); the
    results are not changed. spread, progression, specialists, censored=False leave those parts of the model out (to compare);
    robust=True gives the items the athlete-clustered sandwich errors (joint.fit(robust=True)) in
    `robust_se`, beside the model's own in `se`."""
    prepared = data.prepared(min_results)
    standards, athletes, items, counts = data.standards, prepared.athletes, prepared.items, prepared.counts
    observations, used = prepared.observations, prepared.used.copy()
    a_index, i_index = observations.athlete, observations.item
    model = joint.fit(observations, ridge=ridge, huber=huber, iterations=iterations, spread=spread,
                      progression=progression, traits=specialists, censored=censored, robust=robust, start=start)
    used["z"] = model.residual / model.scale  # how far each result is from its athlete's level
    n_components, labels = _components(a_index, i_index, len(athletes), len(items))

    used["naive"] = -used["y"]
    naive = used.groupby("item")["naive"].mean()
    wod_ids = [i.split("|")[0] for i in items]
    item_frame = pd.DataFrame({
        "wod_id": wod_ids,
        "title": [standards[w]["title"] for w in wod_ids],
        "track": [i.split("|")[1] for i in items],
        "team_size": [int(i.split("|")[2]) for i in items],
        "kind": [standards[w]["kind"] for w in wod_ids],
        "time_domain": [standards[w]["time_domain"] for w in wod_ids],
        "modalities": [standards[w]["modalities"] for w in wod_ids],
        "n_results": counts.reindex(items).to_numpy(),
        "n_censored": np.bincount(i_index, observations.censored, minlength=len(items)).astype(int),
        # censored from above only (a DNF): no lower bound, unlike a capped result's interval
        "n_open": np.bincount(i_index, observations.censored & np.isinf(observations.floor), minlength=len(items)).astype(int),
        "difficulty": model.difficulty,
        "se": model.item_se,
        "robust_se": model.item_se_robust if robust else np.nan,
        "spread": model.spread,
        "level_gap": level_gaps(used, standards).reindex(items).to_numpy(),
        "naive_difficulty": naive.reindex(items).to_numpy() - float(naive.mean()),
        "component": labels[len(athletes):],
    })
    athlete_frame = pd.DataFrame({
        "athlete_id": athletes,
        "n_results": used["athlete_id"].value_counts().reindex(athletes).to_numpy(),
        "ability": model.ability,
        "se": model.ability_se,
        "progression": model.progression,
        "component": labels[: len(athletes)],
    })
    # the item's track (RX for an Rx result in a scaled class), not the session's
    residuals = conform(used.drop(columns="track").rename(columns={"item_track": "track"}), RESIDUALS_SCHEMA)
    observed = ObservedDifficulty(item_frame, athlete_frame, float(model.scale), prepared.dropped, int(n_components),
                                  residuals, prepared.left_out, fit=model)
    item_frame = _with_points(observed, item_frame)
    ordered = item_frame.sort_values(["title", "track", "team_size"], ignore_index=True)
    observed.robust_se = ordered["robust_se"].to_numpy(dtype=float) if robust else None
    observed.items = conform(ordered, ITEMS_SCHEMA)
    observed.athletes = conform(athlete_frame, ATHLETES_SCHEMA)
    return observed


def _with_points(observed: ObservedDifficulty, items: pd.DataFrame) -> pd.DataFrame:
    """points, its 95% interval (from difficulty +- 1.96 se: points rise with difficulty), and NULLs with
    their reason where the data do not support a number."""
    d, se, s = (items[c].to_numpy(dtype=float) for c in ("difficulty", "se", "spread"))
    points, low, high = (observed.points(v, s) for v in (d, d - 1.96 * se, d + 1.96 * se))
    main = np.bincount(items["component"].to_numpy(dtype=int)).argmax() if len(items) else 0
    n = items["n_results"].to_numpy()
    reasons = [  # the first that applies is given
        (n < MIN_RESULTS_FOR_POINTS, f"fewer than {MIN_RESULTS_FOR_POINTS} results"),
        (items["n_open"].to_numpy() >= n, "every result a DNF: its difficulty is only bounded below"),
        (items["component"].to_numpy() != main, "its athletes never meet the box's others"),
        (high - low > MAX_POINTS_INTERVAL, f"too uncertain: its 95% interval spans over {MAX_POINTS_INTERVAL:.0f} points"),
    ]
    note = np.select([condition for condition, _ in reasons], [reason for _, reason in reasons], default="")
    keep = note == ""
    return items.assign(points=np.where(keep, points, np.nan), points_low=np.where(keep, low, np.nan),
                        points_high=np.where(keep, high, np.nan), points_note=np.where(keep, None, note))


def _components(a_index: np.ndarray, i_index: np.ndarray, n_athletes: int, n_items: int) -> tuple[int, np.ndarray]:
    """The athlete-item graph's connected components; a warning when there are several."""
    graph = sp.coo_matrix((np.ones(len(a_index)), (a_index, n_athletes + i_index)), shape=(n_athletes + n_items,) * 2)
    n_components, labels = connected_components(graph, directed=False)
    if n_components > 1:
        sizes = np.bincount(labels)
        warnings.warn(f"the athlete-item graph has {n_components} connected components (sizes {sorted(sizes, reverse=True)}): "
                      "difficulties and abilities are comparable only within a component", DisconnectedWarning, stacklevel=3)
    return n_components, labels
