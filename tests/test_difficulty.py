"""Difficulty: features, monotone models, observed difficulty against the simulator's truth,
calibration against the baseline, and versioned write-back."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from scipy.stats import norm, spearmanr
from wodcraft.api import compile_source
from wodcraft.library import get

from conftest import FIXTURES
from wodlab.core.errors import WodlabError
from wodlab.difficulty import BASELINE, FEATURES, reliability
from wodlab.difficulty.observed import DisconnectedWarning
from wodlab.sim.config import MODALITIES
from wodlab.sim.truth import modality_weights
from wodlab.workouts.difficulty_model import TERMS
from wodlab.workouts.features import features

SIM = FIXTURES / "sim"


@pytest.fixture(scope="module")
def truth():
    return json.loads((SIM / "truth.json").read_text())


@pytest.fixture(scope="module")
def observed(sim_lab):
    return sim_lab.difficulty.observed()


@pytest.fixture(scope="module")
def calibrated(sim_lab, observed):
    return sim_lab.difficulty.fit(observed=observed)


def with_truth(observed, truth) -> pd.DataFrame:
    items = reliability.items_with_truth(observed, truth)
    assert len(items) == len(observed.items)  # the fixture's every item has a truth
    return items


# --- features --------------------------------------------------------------------------------------

def test_fran_features():
    f = features(compile_source(get("girls/fran").source).document)
    assert list(f) == list(FEATURES)
    assert f["est_minutes"] == pytest.approx(4.8) and f["cap_minutes"] == 10
    assert f["volume_reps"] == 90 and f["ladder_steps"] == 3 and f["n_movements"] == 2
    assert f["load_ratio_max"] == pytest.approx(1.0)  # 43 kg thrusters: the catalog's Rx reference
    assert f["share_strength"] == 0.5 and f["share_gymnastics"] == 0.5 and f["scaled_level"] == 0


def test_murph_counts_its_vest_and_runs():
    f = features(compile_source(get("heroes/murph").source).document)
    assert f["vest_kg"] == 9 and f["volume_metres"] == pytest.approx(3218.688) and f["chipper"] == 1


def test_feature_frame_has_one_row_per_workout_and_track(library_lab):
    frame = library_lab.difficulty.features(track=["RX", "SCALED"])
    assert len(frame) == 2 * 83
    assert list(frame.columns) == ["wod_id", "title", "track", *FEATURES]
    fran = frame[frame["title"] == "Fran"].set_index("track")
    assert fran.loc["SCALED", "load_ratio_max"] < fran.loc["RX", "load_ratio_max"]
    assert fran.loc["SCALED", "scaled_level"] == 1


# --- monotone models ----------------------------------------------------------------------------------

VOLUME_LADDER = ["21-15-9", "30-20-10", "50-35-20", "100-75-50"]
LOAD_LADDER = ["65/45", "95/65", "135/95", "185/125", "225/155"]


def fran_like(reps: str = "21-15-9", load: str = "95/65") -> dict:
    return compile_source(f"# F\n{reps} for time\n  Thruster {load} lb\n  Pull-up\n").document


@pytest.mark.slow
@pytest.mark.parametrize("model_name", ["baseline", "calibrated"])
def test_more_volume_or_a_heavier_load_never_makes_a_workout_easier(model_name, calibrated):
    model = BASELINE if model_name == "baseline" else calibrated[0]
    by_volume = [model.points(features(fran_like(reps=r))) for r in VOLUME_LADDER]
    by_load = [model.points(features(fran_like(load=w))) for w in LOAD_LADDER]
    assert by_volume == sorted(by_volume) and by_volume[-1] > by_volume[0]
    assert by_load == sorted(by_load) and by_load[-1] > by_load[0]


@pytest.mark.slow
def test_fitted_weights_of_monotone_terms_are_never_negative(calibrated):
    model, _ = calibrated
    assert all(w >= 0 for term, w in model.weights.items() if TERMS[term].monotone)


def test_the_baseline_is_the_foundations_heuristic():
    scores = {p: BASELINE.score(compile_source(get(p).source).document)
              for p in ("girls/lynne", "girls/karen", "girls/fran", "heroes/murph", "heroes/lumberjack_20")}
    assert scores == {"girls/lynne": 15, "girls/karen": 38, "girls/fran": 42, "heroes/murph": 55, "heroes/lumberjack_20": 90}


# --- observed difficulty against the simulator's truth ---------------------------------------------------

def test_recovered_difficulty_ranks_like_the_truth(observed, truth):
    items = with_truth(observed, truth)
    for_time = items[items["kind"] == "time"]
    assert spearmanr(for_time["difficulty"], for_time["truth"])[0] >= 0.95
    assert spearmanr(items["difficulty"], items["truth"])[0] >= 0.90


def test_recovered_ability_ranks_like_the_truth(sim_lab, observed, truth):
    ids = sim_lab.sql("SELECT id::text AS athlete_id, external_id FROM athletes")
    athletes = observed.athletes.merge(ids)
    true = athletes["external_id"].map(lambda a: truth["athletes"][a]["general"])
    assert spearmanr(athletes["ability"], true)[0] >= 0.88


def test_the_joint_estimate_beats_the_naive_per_workout_mean(observed, truth):
    items = with_truth(observed, truth)
    joint = spearmanr(items["difficulty"], items["truth"])[0]
    naive = spearmanr(items["naive_difficulty"], items["truth"])[0]
    assert joint >= naive + 0.10, (joint, naive)


def test_the_0_100_score_is_the_share_of_athletes_missing_the_standard(sim_lab, observed, truth):
    """Within 5 points on average of the same share computed from the simulator's truth: each
    athlete's true ability for that workout's modality mix, at the middle of the 16 weeks."""
    items = with_truth(observed, truth)
    documents = dict(sim_lab.sql("SELECT id::text, ast_json FROM wod_definitions").itertuples(index=False))
    noise = truth["config"]["noise"]

    def true_points(wod_id, difficulty):
        weights = modality_weights(documents[wod_id])
        abilities = np.array([weights @ np.array([a["ability"][m] for m in MODALITIES]) + a["progression"] / 2
                              for a in truth["athletes"].values()])
        return 100 * norm.cdf((difficulty - abilities) / noise).mean()

    expected = np.array([true_points(w, d) for w, d in zip(items["wod_id"], items["truth"])])
    shown = items["points"].notna().to_numpy()
    assert shown.mean() > 0.9
    assert np.mean(np.abs(items["points"].to_numpy(dtype=float)[shown] - expected[shown])) <= 5
    assert items["points"].dropna().between(0, 100).all()
    inside = items.dropna(subset=["points"])
    assert (inside["points_low"] <= inside["points"]).all() and (inside["points"] <= inside["points_high"]).all()


def test_uncertainty_shrinks_with_more_results(observed):
    items = observed.items
    few, many = items[items["n_results"] <= 10], items[items["n_results"] >= 40]
    assert few["se"].median() > many["se"].median() > 0


def test_dns_is_left_out_and_counted_and_dnfs_enter_as_censored(sim_lab, observed):
    """A DNS carries nothing; a DNF did not finish: slower than the cap, or than the slowest finisher."""
    assert observed.dropped.get("dns", 0) > 0 and "dnf" not in observed.dropped
    counts = sim_lab.sql("SELECT result_status, count(*) AS n FROM athlete_results GROUP BY 1").set_index("result_status")["n"]
    assert counts["dnf"] > 0 and observed.items["n_censored"].sum() >= counts["dnf"]
    assert set(observed.dropped) == {"dns"}  # every other result is in the fit: open ladders' capped reps too
    assert observed.items["n_results"].sum() == counts.sum() - counts["dns"]


def test_a_split_athlete_workout_graph_warns(box_lab):
    """In the hand-written box, Hugo alone did Fran scaled: his results compare with nobody's."""
    box_lab.load_results(FIXTURES / "box" / "results.csv")
    with pytest.warns(DisconnectedWarning, match="2 connected components"):
        found = box_lab.difficulty.observed()
    assert found.components == 2


@pytest.mark.slow
def test_the_connected_fixture_does_not_warn(sim_lab):
    with warnings.catch_warnings():
        warnings.simplefilter("error", DisconnectedWarning)
        assert sim_lab.difficulty.observed().components == 1


# --- calibration ------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_the_calibrated_model_beats_the_baseline_on_held_out_workouts(calibrated):
    _, report = calibrated
    metrics = report.metrics.set_index("model")
    assert metrics.loc["calibrated", "spearman"] > metrics.loc["baseline", "spearman"]
    assert metrics.loc["calibrated", "mae_points"] < metrics.loc["baseline", "mae_points"]
    assert report.predictions["fold"].nunique() == 5
    # Folds are workouts: the Rx and scaled items of a workout are always held out together.
    assert report.predictions.groupby("wod_id")["fold"].nunique().max() == 1


@pytest.mark.slow
def test_calibration_is_deterministic_and_versioned_by_its_parameters(sim_lab, observed, calibrated):
    again, _ = sim_lab.difficulty.fit(observed=observed)
    assert again.version == calibrated[0].version and again.params() == calibrated[0].params()
    assert calibrated[0].version.startswith("calibrated-")


@pytest.mark.slow
def test_the_calibration_plot(calibrated):
    figure = calibrated[1].figure()
    assert [t.name for t in figure.data] == ["baseline", "calibrated", "perfect"]
    assert "held-out" in figure.layout.title.text and "%" in figure.layout.xaxis.title.text


# --- versions -----------------------------------------------------------------------------------------

def scores(lab) -> pd.DataFrame:
    return lab.sql("SELECT id::text AS id, difficulty_score, difficulty_version FROM wod_definitions ORDER BY id")


def test_apply_is_idempotent_and_rolling_back_is_applying_again(sim_copy, calibrated):
    model, report = calibrated
    before = scores(sim_copy)
    assert set(before["difficulty_version"]) == {"baseline-1"}
    assert sim_copy.difficulty.save(model, report=report)
    assert sim_copy.difficulty.apply(model.version) > 0
    applied = scores(sim_copy)
    assert set(applied["difficulty_version"]) == {model.version}
    assert sim_copy.difficulty.apply(model.version) == 0
    pd.testing.assert_frame_equal(scores(sim_copy), applied)
    sim_copy.difficulty.apply("baseline-1")
    pd.testing.assert_frame_equal(scores(sim_copy), before)
    history = sim_copy.difficulty.list().set_index("version")
    assert history.loc["baseline-1", "active"] and not history.loc[model.version, "active"]
    assert history.loc[model.version, "metrics"]["calibrated"]["spearman"] > 0.8


def test_a_failure_mid_apply_leaves_every_score_as_it_was(sim_copy, calibrated):
    model, report = calibrated
    sim_copy.difficulty.save(model, report=report)
    with sim_copy.engine.begin() as conn:  # a row wodcraft never wrote, last in the apply's order
        conn.execute(sa.text(
            "INSERT INTO wod_definitions (id, title, dsl_source, ast_json, source_hash) VALUES "
            "('ffffffff-ffff-4fff-8fff-ffffffffffff', 'Broken', '?', "
            "'{\"blocks\": [{\"type\": \"movement\", \"movement\": \"no_such_move\"}]}', repeat('f', 64))"))
    before = scores(sim_copy)
    with pytest.raises(WodlabError, match="cannot score workout 'Broken'.*nothing was changed"):
        sim_copy.difficulty.apply(model.version)
    pd.testing.assert_frame_equal(scores(sim_copy), before)
    assert sim_copy.difficulty.model().version == "baseline-1"  # not marked applied


def test_new_workouts_are_scored_with_the_active_version(sim_copy, calibrated):
    model, report = calibrated
    sim_copy.difficulty.save(model, report=report)
    sim_copy.difficulty.apply(model.version)
    (wod_id,) = sim_copy.store_wod("# New Day\nFor time\n  50 Burpee\n  50 Air squat\n")
    row = sim_copy.sql("SELECT difficulty_score, difficulty_version FROM wod_definitions WHERE id = :i", i=wod_id).iloc[0]
    assert row["difficulty_version"] == model.version
    assert row["difficulty_score"] == model.score(compile_source("# New Day\nFor time\n  50 Burpee\n  50 Air squat\n").document)


def test_a_version_name_cannot_be_reused_for_other_parameters(sim_copy, calibrated):
    from dataclasses import replace

    model, _ = calibrated
    sim_copy.difficulty.save(model)
    with pytest.raises(WodlabError, match="exists with other parameters"):
        sim_copy.difficulty.save(replace(model, intercept=model.intercept + 1))


@pytest.mark.slow
def test_cli_fit_apply_and_list(wodlab_cli, sim_copy):
    env = {**__import__("os").environ, "DATABASE_URL": sim_copy.engine.url.render_as_string(hide_password=False)}
    run = wodlab_cli("difficulty", "fit", "--apply", env=env)
    assert run.returncode == 0, run.stderr
    assert "calibrated  Spearman" in run.stdout and "applied:" in run.stdout
    listed = wodlab_cli("difficulty", "list", env=env)
    assert "baseline-1" in listed.stdout and "calibrated-" in listed.stdout
    missing = wodlab_cli("difficulty", "apply", "nope", env=env)
    assert missing.returncode == 2 and "no difficulty model 'nope'" in missing.stderr
