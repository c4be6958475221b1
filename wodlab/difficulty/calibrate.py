"""Fit a DifficultyModel's weights to observed difficulty, with cross-validation by workout.

The target is each item's observed difficulty (wodlab.difficulty.observed), on the log-pace
scale; the predictors are the model's terms of the item's features (for a scaled item, the
features of the workout as wodcraft resolves it for the scaled level). Weights are fitted by
bounded least squares with a ridge penalty (scipy.optimize.lsq_linear): monotone terms get
weights >= 0, so the fitted model can never say that more volume or a heavier load is easier.

Held-out metrics come from K-fold cross-validation in which the folds are workouts, not items: the
Rx and scaled items of one workout are held out together, so a model is never tested on a
workout it has seen. Both the calibrated model and the baseline are scored on the same held-out
items, in points (0-100): Spearman correlation and mean absolute error against the observed points.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import lsq_linear
from scipy.stats import norm, spearmanr
from sqlalchemy.engine import Engine

from wodlab.core.errors import WodlabError
from wodlab.core.frames import BOOL, FLOAT, INT, TEXT, conform, typed_frame
from wodlab.difficulty.observed import ObservedDifficulty
from wodlab.difficulty.paces import FitData
from wodlab.difficulty.reliability import SplitHalf, estimate_with_errors, residuals_by, split_half, worst_items
from wodlab.tables.wods import documents
from wodlab.workouts.difficulty_model import BASELINE, CALIBRATED_TERMS, TERMS, DifficultyModel
from wodlab.workouts.features import FEATURES, features

METRICS_SCHEMA = {"model": TEXT, "spearman": FLOAT, "mae_points": FLOAT, "n_items": INT}
PREDICTIONS_SCHEMA = {"fold": INT, "wod_id": TEXT, "title": TEXT, "track": TEXT, "kind": TEXT, "n_results": INT,
                      "observed_difficulty": FLOAT, "observed_points": FLOAT, "calibrated_points": FLOAT,
                      "baseline_points": FLOAT}
WEIGHTS_SCHEMA = {"term": TEXT, "weight": FLOAT, "meaning": TEXT, "monotone": BOOL}


@dataclass
class CalibrationReport:
    metrics: pd.DataFrame  # model, spearman, mae_points, n_items (held-out)
    predictions: pd.DataFrame  # one row per held-out item
    weights: pd.DataFrame  # term, weight, meaning, monotone
    observed: ObservedDifficulty
    reliability: SplitHalf | None = None  # the observed difficulty's split-half reliability (reliability.py)

    def metrics_dict(self) -> dict:
        metrics = {row.model: {"spearman": round(row.spearman, 4), "mae_points": round(row.mae_points, 3),
                               "n_items": int(row.n_items)} for row in self.metrics.itertuples()}
        if self.reliability is not None:
            metrics["split_half"] = {"reliability": round(self.reliability.reliability, 4),
                                     "agreement": round(self.reliability.agreement, 4),
                                     "n_items": len(self.reliability.items)}
        return metrics

    def residuals_by(self) -> pd.DataFrame:
        return residuals_by(self.observed)

    def worst_items(self, k: int = 10) -> pd.DataFrame:
        return worst_items(self.observed, k)

    def summary(self) -> str:
        lines = [f"held-out by workout ({self.predictions['fold'].nunique()} folds, {len(self.predictions)} items):"]
        for row in self.metrics.itertuples():
            lines.append(f"  {row.model:<11} Spearman {row.spearman:.3f}   MAE {row.mae_points:5.1f} points")
        if self.reliability is not None:
            lines.append(self.reliability.summary())
        lines.append("residuals (robust z: mean near 0 and sd near 1 when the model fits):")
        for row in self.residuals_by().itertuples():
            lines.append(f"  {row.by:<11} {row.group:<28} {row.n_results:7d} results   mean {row.mean_z:+.2f}   sd {row.sd_z:.2f}")
        lines.append("items the model fits worst (root mean square z):")
        for row in self.worst_items(5).itertuples():
            lines.append(f"  {row.title} ({row.track}): {row.rms_z:.2f} over {row.n_results} results")
        left_out = self.observed.left_out
        if left_out is not None and len(left_out):
            lines.append(f"left out of the fit ({int(left_out['n_results'].sum())} results carry no pace; the most first):")
            for row in left_out.head(8).itertuples():
                lines.append(f"  {row.title} ({row.track}): {row.n_results} results, {row.reason}")
        return "\n".join(lines)

    def figure(self):
        from wodlab.views.plots import calibration_plot

        return calibration_plot(self.predictions)


FEATURES_SCHEMA = {"wod_id": TEXT, "title": TEXT, "track": TEXT} | {name: FLOAT for name in FEATURES}


def feature_frame(engine: Engine, tracks: tuple[str, ...] = ("RX",)) -> pd.DataFrame:
    """Features of every stored workout (one row per workout and track), with wod_id, title, track."""
    with engine.connect() as conn:
        stored = documents(conn)
    records = [{"wod_id": w.id, "title": w.title, "track": track, **features(w.level_document(track))}
               for w in stored for track in tracks]
    return typed_frame(records, FEATURES_SCHEMA)


def item_table(engine: Engine, observed: ObservedDifficulty, min_results: int) -> pd.DataFrame:
    """Observed items with enough results, and the features of the version they were done in."""
    items = observed.items[(observed.items["n_results"] >= min_results) & observed.items["points"].notna()]
    items = items.reset_index(drop=True)
    with engine.connect() as conn:
        stored = {w.id: w for w in documents(conn, items["wod_id"].unique())}
    # the item's own team size (a session's team), not only the workout's "teams of N"
    feats = [{**features(stored[w].level_document(t)), "team_size": float(n)}
             for w, t, n in zip(items["wod_id"], items["track"], items["team_size"])]
    return pd.concat([items.drop(columns="team_size"), pd.DataFrame(feats)], axis=1)


def _terms(table: pd.DataFrame, names: tuple[str, ...]) -> np.ndarray:
    records = table.to_dict("records")
    return np.array([[TERMS[n].function(r) for n in names] for r in records], dtype=float)


def fit_weights(Z: np.ndarray, target: np.ndarray, names: tuple[str, ...], ridge: float) -> tuple[float, np.ndarray]:
    """(intercept, weights) minimising |[1 Z] b - target|^2 + ridge |weights|^2, monotone weights >= 0."""
    n, p = Z.shape
    design = np.column_stack([np.ones(n), Z])
    penalty = np.column_stack([np.zeros(p), math.sqrt(ridge) * np.eye(p)])
    lower = np.array([-np.inf] + [0.0 if TERMS[name].monotone else -np.inf for name in names])
    solution = lsq_linear(np.vstack([design, penalty]), np.concatenate([target, np.zeros(p)]),
                          bounds=(lower, np.full(p + 1, np.inf)))
    return float(solution.x[0]), solution.x[1:]


def _folds(wod_ids: pd.Series, k: int, seed: int) -> np.ndarray:
    workouts = np.array(sorted(wod_ids.unique()))
    order = np.random.Generator(np.random.PCG64(seed)).permutation(len(workouts))
    fold_of = {workouts[i]: rank % k for rank, i in enumerate(order)}
    return wod_ids.map(fold_of).to_numpy()


def _spread(observed: ObservedDifficulty) -> float:
    """sd of (ability + noise) in the box: maps a log-pace difficulty to the share who miss the standard."""
    return math.sqrt(float(np.var(observed.athletes["ability"].to_numpy(dtype=float))) + observed.residual_sd**2)


def fit(engine: Engine, observed: ObservedDifficulty | None = None, *, folds: int = 5, seed: int = 0,
        ridge: float = 1.0, min_results: int = 3, version: str | None = None, notes: str = "",
        terms: tuple[str, ...] = CALIBRATED_TERMS, split: bool = True) -> tuple[DifficultyModel, CalibrationReport]:
    """Calibrate a model on the database's results; return it (not yet saved) and its report, with the
    split-half reliability of the observed difficulty (split=False skips it: each half is fitted with its
    own honest errors, the costliest part of a calibration)."""
    # what the fit and the halves read, read once (a given `observed` spares the fit)
    data = FitData.read(engine) if observed is None or split else None
    # each half with the errors a user sees (the sandwich plus the model uncertainty): the report says how
    # often the halves agree within them
    reliability = split_half(data, seed=seed, errors="auto") if split else None
    if observed is None:
        observed = estimate_with_errors(data, "auto")
    table = item_table(engine, observed, min_results)
    if table["wod_id"].nunique() < folds:
        raise WodlabError(f"only {table['wod_id'].nunique()} workouts have {min_results}+ results: too few to calibrate")
    Z, target = _terms(table, terms), table["difficulty"].to_numpy(dtype=float)
    spread = _spread(observed)
    fold = _folds(table["wod_id"], folds, seed)
    predicted = np.empty(len(table))
    for k in range(folds):
        train, test = fold != k, fold == k
        intercept, weights = fit_weights(Z[train], target[train], terms, ridge)
        predicted[test] = intercept + Z[test] @ weights
    predictions = table[["wod_id", "title", "track", "kind", "n_results", "difficulty", "points"]].rename(
        columns={"difficulty": "observed_difficulty", "points": "observed_points"})
    predictions.insert(0, "fold", fold)
    predictions["calibrated_points"] = 100 * norm.cdf(predicted / spread)
    predictions["baseline_points"] = [BASELINE.points(r) for r in table.to_dict("records")]
    metrics = typed_frame([_metrics(name, predictions) for name in ("baseline", "calibrated")], METRICS_SCHEMA)

    intercept, weights = fit_weights(Z, target, terms, ridge)
    # Parameters rounded to 6 decimals: the version is a fingerprint of them, and must not change
    # with the last bits of floating-point arithmetic (an order of summation, a BLAS build).
    provisional = DifficultyModel("", "share", {t: round(float(w), 6) for t, w in zip(terms, weights)},
                                  round(intercept, 6), round(spread, 6), notes,
                                  {"ridge": ridge, "folds": folds, "seed": seed, "min_results": min_results})
    model = DifficultyModel(version or f"calibrated-{provisional.fingerprint}", provisional.link, provisional.weights,
                            provisional.intercept, provisional.spread, notes, provisional.extra)
    weight_frame = typed_frame(zip(["intercept", *terms], [intercept, *weights],
                                   ["difficulty when every term is 0", *(TERMS[t].meaning for t in terms)],
                                   [False, *(TERMS[t].monotone for t in terms)]), WEIGHTS_SCHEMA)
    predictions = conform(predictions.sort_values(["title", "track"]), PREDICTIONS_SCHEMA)
    return model, CalibrationReport(metrics, predictions, weight_frame, observed, reliability)


def _metrics(name: str, predictions: pd.DataFrame) -> dict:
    column = f"{name}_points"
    return {"model": name,
            "spearman": float(spearmanr(predictions[column], predictions["observed_points"])[0]),
            "mae_points": float((predictions[column] - predictions["observed_points"]).abs().mean()),
            "n_items": len(predictions)}
