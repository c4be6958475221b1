"""Published performance figures for benchmark workouts, set beside wodlab's standards and scores.

The simulator cannot tell whether wodlab's numbers mean anything outside it; published results can.
wodlab/data/norms/published.csv holds percentiles of real results (each row: a workout, a category,
the share of the population faster than a time, and its source), and the WODCraft text of each
workout not in wodcraft's library. For each workout and category, compare() fits a log-normal to the
published times (finish times of a crowd are close to log-normal: log pace is the scale wodlab's
difficulty lives on) and reports:

- the population's median and its spread sigma (sd of log time), to set beside the spread of
  ability plus noise that a box's fit finds (ObservedDifficulty);
- wodcraft's standard (the time wodlab measures every result against) and the share of that
  population slower than it: the 0-100 points the workout would get on that population, as
  ObservedDifficulty.points defines them;
- the difficulty score each given model (the baseline, a calibrated one) gives the workout.

Only figures whose source could be read are in the file; see the README for the peer-reviewed norms
(Mangine et al. 2018 and 2023) whose tables are yet to be entered.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.stats import norm

from wodlab.core.frames import FLOAT, INT, TEXT, conform
from wodlab.core.resources import data_file
from wodlab.workouts.compiler import compile_documents
from wodlab.workouts.difficulty_model import BASELINE, DifficultyModel
from wodlab.workouts.structure import standard_performance

PUBLISHED_FILE = "norms/published.csv"
COMPARISON_SCHEMA = {"workout": TEXT, "category": TEXT, "population": TEXT, "median_s": FLOAT, "sigma": FLOAT,
                     "standard_s": FLOAT, "standard_percentile": FLOAT, "population_points": FLOAT,
                     "model": TEXT, "model_score": INT, "source": TEXT, "url": TEXT}


def published() -> pd.DataFrame:
    """The published percentiles: workout, file, category, population, share_faster, seconds, source, url."""
    with data_file(PUBLISHED_FILE).open(encoding="utf-8") as handle:
        return pd.read_csv(handle)


def lognormal_from_quantiles(seconds, share_faster) -> tuple[float, float]:
    """(mu, sigma) of ln(time) through published quantiles: the least-squares line of ln(seconds) on the
    normal quantile of the share faster (exact through two). At least two distinct shares are needed."""
    z = norm.ppf(np.asarray(share_faster, dtype=float))
    logs = np.log(np.asarray(seconds, dtype=float))
    if len(set(np.round(z, 9))) < 2:
        raise ValueError("a log-normal needs the times of at least two different percentiles")
    sigma, mu = np.polyfit(z, logs, 1)
    return float(mu), float(sigma)


def workout_document(file: str) -> dict:
    """The compiled WODCraft document of a workout in wodlab/data/norms."""
    text = data_file(f"norms/{file}").read_text(encoding="utf-8")
    return compile_documents(text, file)[0]


def compare(models: list[DifficultyModel] | None = None) -> pd.DataFrame:
    """COMPARISON_SCHEMA: each published workout x category x model (the baseline when none is given)."""
    models = models or [BASELINE]
    rows = []
    for (workout, file, category), figures in published().groupby(["workout", "file", "category"], sort=True):
        mu, sigma = lognormal_from_quantiles(figures["seconds"], figures["share_faster"])
        document = workout_document(file)
        standard = standard_performance(document, category)
        percentile = float(norm.cdf((math.log(standard) - mu) / sigma))  # share of the population faster
        for model in models:
            rows.append({"workout": workout, "category": category, "population": figures["population"].iloc[0],
                         "median_s": math.exp(mu), "sigma": sigma, "standard_s": standard,
                         "standard_percentile": 100 * percentile, "population_points": 100 * (1 - percentile),
                         "model": model.version, "model_score": model.score(document),
                         "source": figures["source"].iloc[0], "url": figures["url"].iloc[0]})
    return conform(pd.DataFrame(rows), COMPARISON_SCHEMA)
