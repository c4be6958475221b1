"""Published figures beside wodlab's standards (wodlab.difficulty.norms)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm

from wodlab.difficulty import norms
from wodlab.workouts.difficulty_model import BASELINE, DifficultyModel
from wodlab.workouts.structure import standard_performance


def test_a_lognormal_goes_through_two_published_percentiles_exactly():
    mu, sigma = math.log(900), 0.3
    shares = [0.1, 0.5, 0.9]
    seconds = [math.exp(mu + sigma * norm.ppf(p)) for p in shares]
    assert norms.lognormal_from_quantiles(seconds[:2], shares[:2]) == pytest.approx((mu, sigma))
    assert norms.lognormal_from_quantiles(seconds, shares) == pytest.approx((mu, sigma))
    with pytest.raises(ValueError, match="two different percentiles"):
        norms.lognormal_from_quantiles([600, 610], [0.5, 0.5])


def test_every_published_figure_names_its_source_and_its_workout_compiles():
    table = norms.published()
    assert len(table) and table["source"].str.len().gt(0).all() and table["url"].str.startswith("https://").all()
    assert table["share_faster"].between(0, 1, inclusive="neither").all() and (table["seconds"] > 0).all()
    for (_, file, category), figures in table.groupby(["workout", "file", "category"]):
        assert figures["share_faster"].nunique() >= 2
        assert standard_performance(norms.workout_document(file), category) > 0


def test_the_comparison_places_wodcrafts_standard_in_the_published_population():
    table = norms.published()
    other = DifficultyModel("other-1", "points", {term: 2 * w for term, w in BASELINE.weights.items()})
    frame = norms.compare([BASELINE, other])
    assert len(frame) == 2 * table.groupby(["workout", "category"]).ngroups
    assert set(frame["model"]) == {BASELINE.version, "other-1"}
    for row in frame.itertuples():
        figures = table[(table["workout"] == row.workout) & (table["category"] == row.category)]
        median = figures.loc[figures["share_faster"] == 0.5, "seconds"]
        if len(median):  # the fitted median is the published one
            assert row.median_s == pytest.approx(float(median.iloc[0]))
        # the points are the share of the population slower than the standard
        z = (math.log(row.standard_s) - math.log(row.median_s)) / row.sigma
        assert row.population_points == pytest.approx(100 * (1 - norm.cdf(z)))
        assert row.population_points + row.standard_percentile == pytest.approx(100)
        assert row.model_score == (BASELINE if row.model == BASELINE.version else other).score(
            norms.workout_document(figures["file"].iloc[0]))
    assert np.isfinite(frame["sigma"]).all() and (frame["sigma"] > 0).all()
