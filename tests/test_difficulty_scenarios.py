"""Observed difficulty on boxes unlike the model's assumptions (the simulator's scenarios), against their truth."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from wodlab.difficulty import joint, reliability
from wodlab.difficulty.observed import estimate
from wodlab.difficulty.paces import FitData
from wodlab.sim.config import SimulationConfig
from wodlab.sim.simulate import simulate, write_box

pytestmark = pytest.mark.slow  # fits or runs of whole boxes: `make test`, not `make test-fast`

BOX = dict(athletes=150, weeks=20)  # the size issue 12's targets are set at; seeds no fixture uses


@pytest.fixture(scope="module")
def realistic(admin, server_url, template, tmp_path_factory):
    from conftest import lab_on_new_database

    folder = tmp_path_factory.mktemp("realistic")
    write_box(simulate(SimulationConfig(**BOX, seed=303, scenario="realistic")), folder)
    with lab_on_new_database(admin, server_url, template, "wl_realistic") as lab:
        lab.load_box(folder, progress=False)
        yield lab, json.loads((folder / "truth.json").read_text())


def test_items_and_athletes_rank_like_the_truth_on_a_realistic_box(realistic):
    """Every departure at once (spread, progression, specialists, noise by modality, sandbagging, bad days
    not logged, censoring, DNFs, hidden effects, 5% gross errors): the items still rank at 0.95 or better,
    the athletes' levels at 0.88 or better, and each part of the model earns its place."""
    lab, truth = realistic
    ids = lab.sql("SELECT id::text AS athlete_id, external_id FROM athletes")
    recovered = reliability.against_truth(estimate(FitData.read(lab.engine)), truth, ids)
    assert recovered["item_spearman"] >= 0.95 and recovered["athlete_spearman"] >= 0.88, recovered
    plain = reliability.against_truth(estimate(FitData.read(lab.engine), spread=False, progression=False, specialists=False,
                                               censored=False), truth, ids)
    assert recovered["item_spearman"] > plain["item_spearman"] + 0.03
    assert recovered["slope"] > plain["slope"], (recovered, plain)


def test_honest_errors_cover_the_truth_more_often_than_the_models_own(realistic):
    """Split-half widening (reliability.estimate_honestly) moves the 95% intervals' coverage of the truth towards
    95%. On this box it is still short of 90%: what remains is bias the split halves share."""
    lab, truth = realistic
    model_based = reliability.coverage(reliability.items_with_truth(estimate(FitData.read(lab.engine)), truth))
    honest, halves = reliability.estimate_honestly(FitData.read(lab.engine))
    assert reliability.error_scale(halves) > 1
    assert reliability.coverage(reliability.items_with_truth(honest, truth)) > model_based


def test_the_default_errors_cover_the_truth_90_to_98_percent_of_the_time(realistic):
    """Issue 12's target on the realistic scenario. The default errors are the athlete-clustered sandwich plus
    the model uncertainty (reliability.model_variance); the model's own errors fall short (on six seeds of
    150 athletes: 0.94-0.99, mean 0.96; the bootstrap by athlete in its place gives the same at five times
    the cost)."""
    lab, truth = realistic
    default = reliability.coverage(reliability.items_with_truth(lab.difficulty.observed(), truth))
    model_based = reliability.coverage(reliability.items_with_truth(lab.difficulty.observed(errors="model"), truth))
    assert 0.90 <= default <= 0.98, default
    assert model_based < 0.90, model_based


def test_the_reduced_models_started_from_the_full_fit_settle_as_far_as_cold_fits_in_a_third_of_the_solves(
        realistic, monkeypatch):
    """The model uncertainty's four fits start from the full fit (joint.fit(start=)): against each reduced model
    run to 40 iterations, their difficulties are off by no more than the default cold fits', in at most
    WARM_ITERATIONS + WARM_CENSORED_ITERATIONS least-squares solves instead of 12 + 24."""
    lab, _ = realistic
    data = FitData.read(lab.engine)
    full = estimate(data)
    solves = []
    solve = joint.solve
    monkeypatch.setattr(joint, "solve", lambda *a: solves.append(1) or solve(*a))
    keys = reliability.ITEM_KEY
    for part in reliability.MODEL_PARTS:
        long = estimate(data, iterations=40, **{part: False}).items.set_index(keys)["difficulty"]
        cold = estimate(data, **{part: False}).items.set_index(keys)["difficulty"]
        solves.clear()
        warm = estimate(data, start=full.fit, **{part: False}).items.set_index(keys)["difficulty"]
        assert len(solves) <= joint.WARM_ITERATIONS + joint.WARM_CENSORED_ITERATIONS, part
        warm_off, cold_off = (warm - long).abs(), (cold - long).abs()
        assert warm_off.median() <= 0.01 and warm_off.quantile(0.9) <= max(0.02, 2 * cold_off.quantile(0.9)), part


def test_the_model_uncertainty_is_the_items_spread_over_the_candidate_models(realistic):
    """model_variance: the weighted variance of the aligned fits (the full model half the weight)."""
    lab, _ = realistic
    data = FitData.read(lab.engine)
    observed = estimate(data)
    between = reliability.model_variance(data, observed)
    assert between.shape == (len(observed.items),) and (between >= 0).all() and between.max() > 0
    keys = reliability.ITEM_KEY
    fits = [observed.items.set_index(keys)["difficulty"]] + [
        estimate(data, start=observed.fit, **{part: False}).items.set_index(keys)["difficulty"]
        for part in reliability.MODEL_PARTS]
    table = pd.concat(fits, axis=1).reindex(pd.MultiIndex.from_frame(observed.items[keys]))
    table = (table - table.sub(table.iloc[:, 0], axis=0).mean(axis=0)).to_numpy(float)
    complete = ~np.isnan(table).any(axis=1)
    weights = [reliability.FULL_MODEL_WEIGHT] + [(1 - reliability.FULL_MODEL_WEIGHT) / 4] * 4
    mean = np.average(table[complete], axis=1, weights=weights)
    variance = np.average((table[complete] - mean[:, None]) ** 2, axis=1, weights=weights)
    assert complete.mean() > 0.9 and between[complete] == pytest.approx(variance)
    # switching a part off leaves it out of the candidates
    fewer = reliability.model_variance(data, observed, spread=False, specialists=False, progression=False, censored=False)
    assert (fewer == 0).all()


def test_two_boxes_of_one_population_give_a_workout_the_same_points(admin, server_url, template, tmp_path):
    """Same workouts (one world_seed), other athletes (two seeds), every realistic departure: the points of a
    workout agree within 5 on average (4.7 here; 2.9 on the default scenario)."""
    from conftest import lab_on_new_database

    points = []
    for seed in (201, 202):
        write_box(simulate(SimulationConfig(**BOX, seed=seed, world_seed=7, scenario="realistic")), tmp_path / str(seed))
        with lab_on_new_database(admin, server_url, template, f"wl_world_{seed}") as lab:
            lab.load_box(tmp_path / str(seed), progress=False)
            # the points do not depend on the errors (only whether they are shown): the model's, the quickest
            points.append(lab.difficulty.observed(errors="model").items.set_index(["title", "track"])["points"])
    both = points[0].to_frame("a").join(points[1].to_frame("b"), how="inner").dropna()
    assert len(both) >= 50  # every Rx item; scaled classes only where a workout writes a scaled version
    assert (both["a"] - both["b"]).abs().mean() <= 5, (both["a"] - both["b"]).abs().mean()


def test_an_item_without_enough_to_go_on_has_no_points_and_says_why(realistic):
    lab, _ = realistic
    items = lab.difficulty.observed().items
    blank = items[items["points"].isna()]
    assert len(blank) and blank["points_note"].notna().all()
    assert (items.loc[items["n_results"] < 5, "points_note"] == "fewer than 5 results").all()
    assert items.loc[items["points"].notna(), "points_note"].isna().all()


def test_split_halves_agree_within_the_default_intervals(realistic):
    """Issue 12's split-half target (at least 80% of items): each half fitted alone with the default errors;
    the model's own errors agree less often."""
    lab, _ = realistic
    honest = reliability.split_half(FitData.read(lab.engine), errors="auto")
    model_based = reliability.split_half(FitData.read(lab.engine), errors="model")
    assert honest.agreement >= 0.80 and honest.agreement > model_based.agreement, (honest.agreement, model_based.agreement)
    assert (honest.items["se_a"] > model_based.items["se_a"].reindex(honest.items.index)).mean() > 0.9


def test_the_default_errors_count_their_fits_on_a_bar(realistic, capsys):
    """The sandwich's one fit and the four model-variance fits, counted on stderr when asked (the default
    shows the bar on a terminal from PROGRESS_FROM results), and nothing when not."""
    lab, _ = realistic
    shown = lab.difficulty.observed(progress=True)
    bar = capsys.readouterr().err
    assert "difficulty fits (sandwich errors)" in bar and "5/5" in bar
    quiet = lab.difficulty.observed(progress=False)
    assert capsys.readouterr().err == ""
    assert quiet.items["se"].to_numpy() == pytest.approx(shown.items["se"].to_numpy(), nan_ok=True)
