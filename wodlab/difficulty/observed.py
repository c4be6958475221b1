"""Observed difficulty: each item's difficulty and each athlete's ability, estimated jointly from results.

One unit-free scale for every kind of score. Each result is compared with its workout's standard
performance S (wodlab.structure.standard_performance: wodcraft's estimated pace for a time,
the reps that pace gives in an AMRAP's clock, a reference lift for a load):

    y = ln(S / time)            for a finished time
    y = ln(S / (cap x V / r))   for an athlete capped with r of the V reps: the time that pace
                                would have taken (a constant-pace imputation of a censored time)
    y = ln(reps / S)            for an AMRAP (rounds x reps per round + reps, or its total reps)
    y = ln(kg / S)              for a load (S by the athlete's category)

so y > 0 is faster (more) than the standard. An item is a workout done at one level (Rx, or
scaled: each workout x track is its own item). The model is additive:

    y_ij = ability_i - difficulty_j + noise

fitted by ridge-regularised least squares (scipy.sparse.linalg.lsmr on the sparse athlete/item
design), made robust to gross logging errors by a few Huber reweightings (residuals beyond
1.5 robust standard deviations count less). Why this estimator: it is the Rasch/Bradley-Terry idea
on a continuous outcome; fitting athletes and items together corrects the selection bias that a
per-workout average suffers (strong athletes come to the hard days, weak ones scale), it fits
100k results in about a second on two cores, and its uncertainty comes from the same normal
equations. DNFs and DNSs carry no pace and are left out (counted in the report). Abilities are
centred on the box's average athlete, so difficulty 0 means "the average athlete meets the
standard pace"; athletes whose results never meet another's through a shared item cannot be
compared: the fit warns when the athlete-item graph has several connected components.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from scipy.sparse.linalg import lsmr
from scipy.stats import norm
from sqlalchemy.engine import Engine

from wodlab import queries
from wodlab.errors import WodlabError
from wodlab.frames import FLOAT, INT, TEXT, conform
from wodlab.programming.profile import time_domain
from wodlab.scores import KG_PER_UNIT
from wodlab.structure import Scoring, duration_seconds, standard_performance, total_work
from wodlab.wods import documents, modality_tags


class DisconnectedWarning(UserWarning):
    """The athlete-item graph has several components: difficulties are comparable only within one."""


ITEMS_SCHEMA = {"wod_id": TEXT, "title": TEXT, "track": TEXT, "kind": TEXT, "time_domain": TEXT, "modalities": TEXT,
                "n_results": INT, "difficulty": FLOAT, "se": FLOAT, "naive_difficulty": FLOAT, "component": INT,
                "points": FLOAT}
ATHLETES_SCHEMA = {"athlete_id": TEXT, "n_results": INT, "ability": FLOAT, "se": FLOAT, "component": INT}
LEFT_OUT_SCHEMA = {"wod_id": TEXT, "title": TEXT, "track": TEXT, "reason": TEXT, "n_results": INT}
RESIDUALS_SCHEMA = {"result_id": TEXT, "athlete_id": TEXT, "wod_id": TEXT, "track": TEXT, "y": FLOAT, "z": FLOAT}


@dataclass
class ObservedDifficulty:
    items: pd.DataFrame  # ITEMS_SCHEMA: each item (workout x level), its difficulty, se, points (0-100)
    athletes: pd.DataFrame  # athlete_id, n_results, ability, se, component
    residual_sd: float  # robust sd of y around ability - difficulty
    dropped: dict  # results left out, by reason
    components: int
    residuals: pd.DataFrame | None = None  # RESIDUALS_SCHEMA: each fitted result, z = its robust residual
    left_out: pd.DataFrame | None = None  # LEFT_OUT_SCHEMA: results not fitted, by item and reason (never silently)

    def points(self, difficulty: float | np.ndarray) -> np.ndarray:
        """Expected share (0-100) of the box's athletes who miss the standard at this difficulty."""
        abilities = self.athletes["ability"].to_numpy(dtype=float)
        d = np.atleast_1d(np.asarray(difficulty, dtype=float))
        return 100 * norm.cdf((d[:, None] - abilities[None, :]) / self.residual_sd).mean(axis=1)


def standards_of(engine: Engine, wod_ids) -> dict[str, dict]:
    """Each workout's title, Scoring, time domain, modalities and standard performance by category."""
    with engine.connect() as conn:
        stored = documents(conn, wod_ids)
    out = {}
    for wod in stored:
        scoring = Scoring.of(wod.document)
        out[wod.id] = {"title": wod.title, "scoring": scoring, "kind": scoring.kind,
                       "time_domain": time_domain(duration_seconds(wod.document)),
                       "modalities": "+".join(modality_tags(wod.document)) or "none",
                       "standard": {c: standard_performance(wod.document, c) for c in ("men", "women")}}
    return out


def pace_scale(results: pd.DataFrame, standards: dict[str, dict]) -> tuple[pd.Series, pd.Series]:
    """y for every result (NaN where it carries no pace), and why the NaNs are NaN."""
    y = pd.Series(np.nan, index=results.index)
    reason = pd.Series("", index=results.index, dtype=object)
    for position, row in enumerate(results.itertuples(index=False)):
        info = standards[row.wod_id]
        scoring, category = info["scoring"], "women" if row.gender == "F" else "men"
        standard = info["standard"][category]
        value = None if row.score_value is None or pd.isna(row.score_value) else float(row.score_value)
        if row.score_type == "ROUNDS" and value is not None and scoring.reps_per_round:  # rounds+reps as reps
            value = total_work(value, None if pd.isna(row.score_secondary) else float(row.score_secondary), scoring.reps_per_round)
        if row.result_status in ("dnf", "dns"):
            reason.iat[position] = row.result_status
        elif standard is None or value is None or value <= 0:
            reason.iat[position] = f"no standard pace for a workout scored by {scoring.kind}" if standard is None else "nothing done"
        elif row.result_status == "capped" and scoring.cap_seconds and scoring.total_reps:
            y.iat[position] = math.log(standard * value / (scoring.cap_seconds * scoring.total_reps))
        elif row.score_type == "TIME":
            y.iat[position] = math.log(standard / value)
        elif _counted_work(row.score_type, scoring):
            y.iat[position] = math.log(value / standard)
        elif row.score_type == "LOAD":
            y.iat[position] = math.log(value * float(KG_PER_UNIT[row.score_unit]) / standard)
        else:
            reason.iat[position] = f"{row.score_type} on a {scoring.kind} workout"
    return y, reason


def _counted_work(score_type: str, scoring: Scoring) -> bool:
    """Scored as work done against the clock: an AMRAP's rounds + reps, or its total reps (Open 15.1)."""
    return (score_type == "ROUNDS" and bool(scoring.reps_per_round)) or (score_type == "REPS" and scoring.kind == "reps")


def _left_out(results: pd.DataFrame, standards: dict[str, dict]) -> pd.DataFrame:
    """LEFT_OUT_SCHEMA: the results that carry no pace, counted by item and reason, most first."""
    out = results[results["reason"] != ""]
    counts = out.groupby(["wod_id", "item_track", "reason"]).size().reset_index(name="n_results")
    counts["title"] = counts["wod_id"].map(lambda w: standards[w]["title"])
    counts = counts.rename(columns={"item_track": "track"}).sort_values(["n_results", "title", "track"],
                                                                         ascending=[False, True, True])
    return conform(counts.reset_index(drop=True), LEFT_OUT_SCHEMA)


def _design(athlete_index: np.ndarray, item_index: np.ndarray, n_athletes: int, n_items: int) -> sp.csr_matrix:
    """y = ability - difficulty: +1 in the athlete's column, -1 in the item's."""
    n = len(athlete_index)
    rows = np.repeat(np.arange(n), 2)
    cols = np.column_stack([athlete_index, n_athletes + item_index]).ravel()
    values = np.tile([1.0, -1.0], n)
    return sp.csr_matrix((values, (rows, cols)), shape=(n, n_athletes + n_items))


def _fit(X: sp.csr_matrix, y: np.ndarray, ridge: float, huber: float, iterations: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Huber-reweighted ridge least squares: (coefficients, weights, robust residual sd)."""
    weights = np.ones(len(y))
    scale = 1.0
    for _ in range(iterations):
        root = np.sqrt(weights)
        coef = lsmr(sp.diags(root) @ X, root * y, damp=math.sqrt(ridge), atol=1e-10, btol=1e-10)[0]
        residual = y - X @ coef
        scale = 1.4826 * np.median(np.abs(residual - np.median(residual))) or 1.0
        limit = huber * scale
        weights = np.minimum(1.0, limit / np.maximum(np.abs(residual), 1e-12))
    return coef, weights, scale


def _standard_errors(X: sp.csr_matrix, weights: np.ndarray, ridge: float, scale: float) -> np.ndarray:
    """sqrt of the diagonal of scale^2 (X'WX + ridge I)^-1 (dense up to a few thousand parameters)."""
    p = X.shape[1]
    if p > 4000:  # too big to invert: the information of each parameter alone
        info = np.asarray((X.multiply(X)).T @ weights).ravel() + ridge
        return scale / np.sqrt(info)
    normal = (X.T @ sp.diags(weights) @ X).toarray() + ridge * np.eye(p)
    return scale * np.sqrt(np.clip(np.diag(np.linalg.inv(normal)), 0, None))


def estimate(engine: Engine, *, ridge: float = 0.5, huber: float = 1.5, iterations: int = 6,
             min_results: int = 1, results: pd.DataFrame | None = None,
             standards: dict[str, dict] | None = None) -> ObservedDifficulty:
    """Fit abilities and difficulties to every result in the database (see the module docstring).

    `results`: the query difficulty_results when the caller already read it (it is not changed);
    `standards`: standards_of its workouts, likewise (split_half fits two halves of one read)."""
    results = queries.run(engine, "difficulty_results") if results is None else results.copy()
    results["gender"] = results["gender"].fillna("")
    if results.empty:
        raise WodlabError("no results to estimate difficulty from: load sessions and results first")
    standards = standards or standards_of(engine, sorted(results["wod_id"].unique()))
    y, reason = pace_scale(results, standards)
    results["y"] = y
    results["item_track"] = np.where(results["is_rx"], "RX", np.where(results["track"] == "INTERMEDIATE", "INTERMEDIATE", "SCALED"))
    dropped = reason[reason != ""].value_counts().to_dict()
    left_out = _left_out(results.assign(reason=reason), standards)
    used = results[results["y"].notna()].copy()
    used["item"] = used["wod_id"] + "|" + used["item_track"]
    counts = used["item"].value_counts()
    used = used[used["item"].map(counts) >= min_results]

    athletes = np.array(sorted(used["athlete_id"].unique()))
    items = np.array(sorted(used["item"].unique()))
    a_index = np.searchsorted(athletes, used["athlete_id"].to_numpy())
    i_index = np.searchsorted(items, used["item"].to_numpy())
    X = _design(a_index, i_index, len(athletes), len(items))
    coef, weights, scale = _fit(X, used["y"].to_numpy(dtype=float), ridge, huber, iterations)
    used["z"] = (used["y"].to_numpy(dtype=float) - X @ coef) / scale  # how far each result is from its athlete's level
    se = _standard_errors(X, weights, ridge, scale)
    ability, difficulty = coef[: len(athletes)], coef[len(athletes):]
    centre = ability.mean()  # the box's average athlete meets the standard at difficulty 0
    ability, difficulty = ability - centre, difficulty - centre

    graph = sp.coo_matrix((np.ones(len(used)), (a_index, len(athletes) + i_index)),
                          shape=(len(athletes) + len(items),) * 2)
    n_components, labels = connected_components(graph, directed=False)
    if n_components > 1:
        sizes = np.bincount(labels)
        warnings.warn(f"the athlete-item graph has {n_components} connected components (sizes {sorted(sizes, reverse=True)}): "
                      "difficulties and abilities are comparable only within a component", DisconnectedWarning, stacklevel=2)

    used["naive"] = -used["y"]
    naive = used.groupby("item")["naive"].mean()
    item_frame = pd.DataFrame({
        "wod_id": [i.split("|")[0] for i in items],
        "title": [standards[i.split("|")[0]]["title"] for i in items],
        "track": [i.split("|")[1] for i in items],
        "kind": [standards[i.split("|")[0]]["kind"] for i in items],
        "time_domain": [standards[i.split("|")[0]]["time_domain"] for i in items],
        "modalities": [standards[i.split("|")[0]]["modalities"] for i in items],
        "n_results": counts.reindex(items).to_numpy(),
        "difficulty": difficulty,
        "se": se[len(athletes):],
        "naive_difficulty": naive.reindex(items).to_numpy() - float(naive.mean()),
        "component": labels[len(athletes):],
    })
    athlete_frame = pd.DataFrame({
        "athlete_id": athletes,
        "n_results": used["athlete_id"].value_counts().reindex(athletes).to_numpy(),
        "ability": ability,
        "se": se[: len(athletes)],
        "component": labels[: len(athletes)],
    })
    # the item's track (RX for an Rx result in a scaled class), not the session's
    residuals = conform(used.drop(columns="track").rename(columns={"item_track": "track"}), RESIDUALS_SCHEMA)
    observed = ObservedDifficulty(item_frame, athlete_frame, float(scale), dropped, int(n_components), residuals, left_out)
    item_frame["points"] = observed.points(item_frame["difficulty"].to_numpy())
    observed.items = conform(item_frame.sort_values(["title", "track"], ignore_index=True), ITEMS_SCHEMA)
    observed.athletes = conform(athlete_frame, ATHLETES_SCHEMA)
    return observed
