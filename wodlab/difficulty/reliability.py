"""How far to trust the observed difficulty: honest errors, split-half reliability, where the model fits worst.

Honest errors (estimate_with_errors): a sampling error, from the athlete-clustered sandwich of the
one fit (the default), a bootstrap by athlete or a split half's widening, plus the model
uncertainty (model_variance: how far the item moves between the full model and the model without
each of its parts). The model's own errors assume the model and are too small
on data unlike it.

Split-half: the box's athletes are split at random into two halves and each half's results are
fitted alone (observed.estimate). An item measured well gets the same difficulty from both halves:
- `correlation` is the Pearson correlation of the two halves' difficulties over the items both
  measured, and `reliability` its Spearman-Brown step-up 2r / (1 + r), the reliability of the
  difficulty fitted on every athlete;
- `agreement` is the share of items whose two difficulties differ by less than 1.96 times the
  standard error of the difference, sqrt(se_a^2 + se_b^2), with the errors each half was given
  (split_half's `errors`). If the standard errors are honest it is about 95% or more (the model
  uncertainty is shared by the halves); far below, they are too small (the intervals over-promise).
The halves' scales are aligned on their common items (each fit is centred on its own athletes), within each
connected component of the athlete-item graph (components share no origin); an item alone in its
component has nothing to be compared against and is left out of the agreement.

Diagnostics: the robust residuals z of every fitted result (observed.residuals: how far a result
is from its athlete's level on that item, in robust sd) averaged by time domain, modality mix and
track. A model that fits has mean z near 0 and sd near 1 in every group; a group whose sd is
well above 1 is one the model treats as less noisy than it is. `worst_items` ranks the items by
the root mean square of their residuals.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from wodlab.core.errors import QueryError
from wodlab.core.frames import FLOAT, INT, TEXT, conform, typed_frame
from wodlab.core.progress import counter
from wodlab.difficulty import joint
from wodlab.difficulty.level_ties import tie_levels
from wodlab.difficulty.observed import DisconnectedWarning, ObservedDifficulty, estimate
from wodlab.difficulty.paces import FitData

ITEM_KEY = ["wod_id", "track", "team_size"]  # an item: a workout at one level by one team size
HALVES_SCHEMA = {"wod_id": TEXT, "title": TEXT, "track": TEXT, "team_size": INT, "n_a": INT, "n_b": INT, "difficulty_a": FLOAT,
                 "difficulty_b": FLOAT, "se_a": FLOAT, "se_b": FLOAT, "difference": FLOAT, "z": FLOAT}
RESIDUALS_BY_SCHEMA = {"by": TEXT, "group": TEXT, "n_results": INT, "mean_z": FLOAT, "sd_z": FLOAT}
WORST_SCHEMA = {"wod_id": TEXT, "title": TEXT, "track": TEXT, "team_size": INT, "n_results": INT, "rms_z": FLOAT, "mean_z": FLOAT}


@dataclass
class SplitHalf:
    items: pd.DataFrame  # HALVES_SCHEMA: each item both halves measured
    correlation: float  # Pearson r of the halves' difficulties
    spearman: float
    reliability: float  # Spearman-Brown: 2r / (1 + r)
    agreement: float  # share of items whose halves differ by < 1.96 x the se of the difference
    seed: int

    def summary(self) -> str:
        return (f"split-half ({len(self.items)} items, athletes split at random, seed {self.seed}): "
                f"r {self.correlation:.3f}, reliability {self.reliability:.3f} (Spearman-Brown), "
                f"{100 * self.agreement:.0f}% of items agree within their 95% intervals")


def split_half(data: FitData, *, seed: int = 0, min_results: int = 5, errors: str = "model", **options) -> SplitHalf:
    """Fit each random half of the athletes alone and compare the items' difficulties (module docstring).
    `errors`: the standard errors each half's items carry (estimate_with_errors: "model", the model's own,
    which error_scale measures; "auto", the honest ones, whose agreement a report gives). `options` go to
    observed.estimate (ridge, huber...)."""
    results = data.results
    athletes = np.array(sorted(results["athlete_id"].unique()))
    chosen = np.random.Generator(np.random.PCG64(seed)).permutation(len(athletes))[: len(athletes) // 2]
    in_a = results["athlete_id"].isin(set(athletes[chosen]))
    halves = [estimate_with_errors(data.with_results(results[mask].reset_index(drop=True)), errors, **options).items
              for mask in (in_a, ~in_a)]
    both = halves[0].merge(halves[1], on=[*ITEM_KEY, "title"], suffixes=("_a", "_b"))
    both = both[(both["n_results_a"] >= min_results) & (both["n_results_b"] >= min_results)].reset_index(drop=True)
    a, b = both["difficulty_a"].to_numpy(float), both["difficulty_b"].to_numpy(float)
    # each half is centred on its own athletes: b aligned on a over the items they share a component with
    # (a box whose Rx and scaled athletes never meet has one arbitrary origin per component)
    together = both.groupby(["component_a", "component_b"]).ngroup().to_numpy()
    aligned = align(b, a, together)
    difference = np.where(np.bincount(together)[together] > 1, a - aligned, np.nan)  # alone: nothing to compare
    se = np.sqrt(both["se_a"].to_numpy(float) ** 2 + both["se_b"].to_numpy(float) ** 2)
    frame = both.rename(columns={"n_results_a": "n_a", "n_results_b": "n_b"}).assign(difference=difference, z=difference / se)
    compared = np.isfinite(difference)
    r = float(np.corrcoef(a, aligned)[0, 1]) if len(both) > 2 else float("nan")
    return SplitHalf(conform(frame, HALVES_SCHEMA), r, float(spearmanr(a, aligned)[0]) if len(both) > 2 else float("nan"),
                     2 * r / (1 + r), float(np.mean(np.abs(difference[compared]) < 1.96 * se[compared]))
                     if compared.any() else float("nan"), seed)


def align(values: np.ndarray, reference: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """`values` shifted, group by group, to the mean of `reference` (NaNs left out of the means): two fits'
    difficulties share an origin only within a connected component of the athlete-item graph."""
    shift = pd.Series(values - reference).groupby(groups).transform("mean").fillna(0.0)  # a group all NaN: none
    return values - shift.to_numpy()


# The median of a chi-square with one degree of freedom: z^2 of honest errors has this median.
CHI2_1_MEDIAN = 0.4549364


def error_scale(halves: SplitHalf) -> float:
    """How many times wider the model-based standard errors must be for the two halves' differences to fit
    them: sqrt(median(z^2) / CHI2_1_MEDIAN), never below 1. The median, not the mean: a few items
    measured badly (a handful of results) must not widen every item's interval."""
    z = halves.items["z"].to_numpy(dtype=float)
    z = z[np.isfinite(z)]
    return max(1.0, float(np.sqrt(np.median(z**2) / CHI2_1_MEDIAN))) if len(z) else 1.0


def estimate_honestly(data: FitData, *, seed: int = 0, **options) -> tuple[ObservedDifficulty, SplitHalf]:
    """observed.estimate, with its standard errors scaled by what a split half says of them (error_scale).

    Model-based errors assume the model; real results depart from it (athletes who are not
    exchangeable, noise that differs between workouts, a model that misses part of the truth).
    The two halves of the box measure each item apart: their differences show how far an item's
    estimate really moves, whatever the cause, and the errors are widened to match."""
    observed = estimate(data, **options)
    halves = split_half(data, seed=seed, **options)
    return observed.with_error_scale(error_scale(halves)), halves


def _no_tick(n: int = 1) -> None:
    """The default on_fit: nobody counts the fits."""


def estimate_with_bootstrap(data: FitData, *, replicates: int = 20, seed: int = 0, on_fit: Callable[[int], None] = _no_tick,
                            **options) -> ObservedDifficulty:
    """observed.estimate, each item's standard error the larger of the model's and the spread of its
    difficulty over `replicates` fits of the box's athletes drawn with replacement (a bootstrap by
    athlete: an athlete's results stay together, as they are not independent).

    Slower than estimate_honestly (`replicates` more fits), and closer to the truth: it sees, item by
    item, how far the estimate moves when other athletes come, where a split half gives one factor
    for all. Sampling errors only: estimate_with_errors adds the model uncertainty (model_variance).
    on_fit(1) is called after each fit (a progress bar's update)."""
    observed = estimate(data, **options)
    on_fit(1)
    by_athlete = dict(tuple(data.results.groupby("athlete_id")))
    athletes = np.array(sorted(by_athlete))
    draw = np.random.Generator(np.random.PCG64(seed))
    fits = []
    for _ in range(replicates):
        picked = draw.choice(athletes, len(athletes))
        frame = pd.concat([by_athlete[a].assign(athlete_id=f"{a}#{k}") for k, a in enumerate(picked)], ignore_index=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DisconnectedWarning)  # a draw can leave an item's few athletes out
            fits.append(estimate(data.with_results(frame), **options).items
                        .set_index(ITEM_KEY)["difficulty"])
        on_fit(1)
    moved = pd.concat(fits, axis=1).std(axis=1)
    keys = pd.MultiIndex.from_frame(observed.items[ITEM_KEY])
    model = observed.items["se"].to_numpy(dtype=float)
    return observed.with_item_errors(np.fmax(model, moved.reindex(keys).to_numpy(dtype=float)))


def estimate_with_sandwich(data: FitData, **options) -> ObservedDifficulty:
    """observed.estimate, each item's standard error the larger of the model's and the athlete-clustered
    sandwich's (joint.fit(robust=True): the clusters' scores through the fit's own blocks, plus how far the
    items' origin, the average athlete, moves over draws of athletes). What the bootstrap by athlete
    measures with twenty refits, from the one fit: when it replaced the bootstrap, on realistic boxes of
    500 athletes x 40 weeks (49,000 results) with the model uncertainty added, 92.9% and 94.1% coverage in
    11 s, the bootstrap 91.8% and 94.1% in 60-66 s (benchmarks/RESULTS.md has today's figures).
    Sampling errors only: estimate_with_errors adds the model uncertainty."""
    observed = estimate(data, robust=True, **options)
    return observed.with_item_errors(np.fmax(observed.items["se"].to_numpy(dtype=float), observed.robust_se))


# The parts of the joint model (observed.estimate's switches): the model uncertainty of a difficulty is its
# spread over the full model and the model without each part.
MODEL_PARTS = ("spread", "specialists", "progression", "censored")
FULL_MODEL_WEIGHT = 0.5


def model_variance(data: FitData, observed: ObservedDifficulty, *, on_fit: Callable[[int], None] = _no_tick,
                   **options) -> np.ndarray:
    """Each item's variance over the candidate models (in the order of observed.items): the full model and
    the model without each of MODEL_PARTS, each fitted to the same results and aligned on the full one (each
    is centred on its own average athlete). Resampling athletes cannot show what the choice of model does;
    where the parts disagree about an item (a long workout's spread, who stays on Rx when it is hard), the
    data do not settle its difficulty, and the interval says so. A weighted variance, as in model
    averaging: the full model, which nests the others, has FULL_MODEL_WEIGHT, the reduced ones share the
    rest; 0 for an item only the full model measured. on_fit(1) after each fit."""
    keys = pd.MultiIndex.from_frame(observed.items[ITEM_KEY])
    fits = [observed.items.set_index(ITEM_KEY)["difficulty"]]
    prepared = data.prepared(options.get("min_results", 1))
    settings = {name: options[name] for name in ("ridge", "huber", "iterations") if name in options}
    model = {part: options.get(part, True) for part in MODEL_PARTS}
    for part in MODEL_PARTS:
        if model[part]:
            # the reduced model on the same observations, started from the full fit: its difficulties only
            switches = {**model, part: False}
            reduced = joint.fit(prepared.observations, **settings, spread=switches["spread"],
                                progression=switches["progression"], traits=switches["specialists"],
                                censored=switches["censored"], start=observed.fit)
            fits.append(pd.Series(reduced.difficulty, index=prepared.item_keys))
            on_fit(1)
    table = pd.concat(fits, axis=1).reindex(keys).to_numpy(dtype=float)
    components = observed.items["component"].to_numpy(dtype=int)
    aligned = np.column_stack([align(column, table[:, 0], components) for column in table.T])
    if aligned.shape[1] == 1:
        return np.zeros(len(aligned))
    weights = np.array([FULL_MODEL_WEIGHT] + [(1 - FULL_MODEL_WEIGHT) / (aligned.shape[1] - 1)] * (aligned.shape[1] - 1))
    weights = np.where(np.isnan(aligned), 0.0, weights)  # an item a reduced model left out: the others only
    weights = weights / weights.sum(axis=1, keepdims=True)
    values = np.nan_to_num(aligned)
    mean = (weights * values).sum(axis=1)
    return (weights * (values - mean[:, None]) ** 2).sum(axis=1)


ERRORS = ("auto", "sandwich", "bootstrap", "split-half", "model")
PROGRESS_FROM = 20_000  # results from which the fits take more than a few seconds: a bar, on a terminal


def estimate_with_errors(data: FitData, errors: str = "auto", *, progress: bool | None = None, **options) -> ObservedDifficulty:
    """observed.estimate with the standard errors `errors` asks for. "sandwich" (estimate_with_sandwich),
    "bootstrap" (estimate_with_bootstrap) and "split-half" (estimate_honestly) are sampling errors, to which
    the model uncertainty is added (model_variance: se^2 + the variance over the candidate models); "model"
    keeps the model's own; each workout's levels are then tied to its Rx item (level_ties.tie_levels). "auto" (the
    default) is the sandwich: five fits in all (the four reduced ones
    started from the first: about 1.8 fits' time), where the bootstrap takes twenty-five for the same
    coverage. `progress`: a bar counting the fits (None: on a terminal, from
    PROGRESS_FROM results)."""
    if errors not in ERRORS:
        raise QueryError(f"unknown errors {errors!r}: use one of {', '.join(ERRORS)}")
    if errors == "model":
        return tie_levels(estimate(data, **options))
    errors = "sandwich" if errors == "auto" else errors
    parts = sum(options.get(part, True) for part in MODEL_PARTS)
    fits = {"sandwich": 1, "bootstrap": 1 + options.get("replicates", 20), "split-half": 3}[errors] + parts
    show = sys.stderr.isatty() and len(data.results) >= PROGRESS_FROM if progress is None else progress
    bar = counter(fits, show, desc=f"difficulty fits ({errors} errors)", unit="fit")
    try:
        if errors == "sandwich":
            sampled = estimate_with_sandwich(data, **options)
            bar.update(1)
        elif errors == "bootstrap":
            sampled = estimate_with_bootstrap(data, on_fit=bar.update, **options)
        else:
            sampled = estimate_honestly(data, **options)[0]
            bar.update(3)
        options.pop("replicates", None)
        between = model_variance(data, sampled, on_fit=bar.update, **options)
    finally:
        bar.close()
    # each workout's levels tied last, on the honest errors: how far an item's own offset from its Rx item is
    # trusted depends on them (level_ties)
    return tie_levels(sampled, np.sqrt(sampled.items["se"].to_numpy(dtype=float) ** 2 + between))


def residuals_by(observed: ObservedDifficulty) -> pd.DataFrame:
    """RESIDUALS_BY_SCHEMA: mean and sd of the robust residuals by time domain, modality mix and track."""
    fitted = observed.residuals.merge(observed.items[[*ITEM_KEY, "time_domain", "modalities"]], on=ITEM_KEY, how="left")
    rows = []
    for by in ("time_domain", "modalities", "track"):
        for group, z in fitted.groupby(by)["z"]:
            rows.append({"by": by, "group": group, "n_results": len(z), "mean_z": float(z.mean()),
                         "sd_z": float(z.std(ddof=1)) if len(z) > 1 else float("nan")})
    return typed_frame(rows, RESIDUALS_BY_SCHEMA)


def worst_items(observed: ObservedDifficulty, k: int = 10, min_results: int = 5) -> pd.DataFrame:
    """WORST_SCHEMA: the k items whose results sit furthest from their athletes' levels (root mean square z)."""
    z = observed.residuals.groupby(ITEM_KEY)["z"]
    table = pd.DataFrame({"n_results": z.size(), "rms_z": z.apply(lambda v: float(np.sqrt(np.mean(v**2)))),
                          "mean_z": z.mean()}).reset_index()
    table = table[table["n_results"] >= min_results].merge(observed.items[[*ITEM_KEY, "title"]], on=ITEM_KEY)
    worst = table.sort_values(["rms_z", "title", "track"], ascending=[False, True, True]).head(k)
    return conform(worst.reset_index(drop=True), WORST_SCHEMA)


RECOVERY_KEYS = ("n_items", "item_spearman", "athlete_spearman", "coverage", "slope")


def items_with_truth(observed: ObservedDifficulty, truth: dict) -> pd.DataFrame:
    """observed.items of a simulated box with the simulator's true difficulty (truth.json's items, matched on
    workout and track; the simulator has no team items), column `truth`; items it has no truth for left out."""
    true = {(i["wod_id"], i["track"]): i["difficulty"] for i in truth["items"]}
    items = observed.items[observed.items["team_size"] == 1]
    keys = list(zip(items["wod_id"], items["track"]))
    items = items[[k in true for k in keys]].copy()
    items["truth"] = [true[k] for k in zip(items["wod_id"], items["track"])]
    return items.reset_index(drop=True)


def coverage(items: pd.DataFrame) -> float:
    """Share of the items given points whose 95% interval holds the truth (items_with_truth), the scales'
    origins aligned by the inverse-variance mean gap (each is free)."""
    shown = items.dropna(subset=["points"])
    gap = shown["difficulty"].to_numpy(float) - shown["truth"].to_numpy(float)
    se = shown["se"].to_numpy(float)
    gap = gap - np.average(gap, weights=1 / se**2)
    return float(np.mean(np.abs(gap) <= 1.96 * se))


def against_truth(observed: ObservedDifficulty, truth: dict, external_ids: pd.DataFrame) -> dict:
    """How well a fit recovers a simulated box's truth (wodlab.sim.simulate's truth.json), RECOVERY_KEYS:
    the items' Spearman correlation with their true difficulty, the athletes' with their true level
    (external_ids: athlete_id, external_id), the coverage of the items' 95% intervals (coverage), and
    the slope of fitted on true difficulty (below 1: a compressed scale)."""
    items = items_with_truth(observed, truth)
    athletes = observed.athletes.merge(external_ids, on="athlete_id")
    level = athletes["external_id"].map(lambda a: truth["athletes"][a]["level"]).astype(float)
    return {"n_items": len(items),
            "item_spearman": float(spearmanr(items["difficulty"], items["truth"])[0]),
            "athlete_spearman": float(spearmanr(athletes["ability"], level, nan_policy="omit")[0]),
            "coverage": coverage(items),
            "slope": float(np.polyfit(items["truth"].to_numpy(float), items["difficulty"].to_numpy(float), 1)[0])}
