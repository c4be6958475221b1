"""Split-half reliability and residual diagnostics of the observed difficulty (wodlab.difficulty.reliability)."""

from __future__ import annotations

import os

import numpy as np
import pytest
import sqlalchemy as sa

from conftest import BOX
from wodlab.difficulty import reliability
from wodlab.difficulty.observed import estimate
from wodlab.difficulty.paces import LEFT_OUT_SCHEMA, FitData
from wodlab.sim.config import SimulationConfig
from wodlab.sim.simulate import simulate, write_box

pytestmark = pytest.mark.slow  # fits or runs of whole boxes: `make test`, not `make test-fast`


@pytest.fixture(scope="module")
def halves(sim_lab):
    return reliability.split_half(FitData.read(sim_lab.engine), seed=3)


def test_split_half_fits_disjoint_halves_and_reports_what_it_measured(sim_lab, halves):
    observed = sim_lab.difficulty.observed()
    assert len(halves.items) > 50
    assert {c: str(t) for c, t in halves.items.dtypes.items()} == reliability.HALVES_SCHEMA
    total = observed.items.set_index(["wod_id", "track"])["n_results"]
    counted = halves.items.set_index(["wod_id", "track"])
    assert ((counted["n_a"] + counted["n_b"]) <= total.reindex(counted.index)).all()  # each result in one half at most
    assert 0.8 < halves.reliability <= 1 and halves.reliability >= halves.correlation
    se = np.sqrt(halves.items["se_a"] ** 2 + halves.items["se_b"] ** 2)
    assert halves.agreement == pytest.approx(float(np.mean(np.abs(halves.items["difference"]) < 1.96 * se)))
    assert abs(float(halves.items["difference"].mean())) < 1e-9  # aligned on the common items


def test_the_split_follows_the_seed(sim_lab, halves):
    again = reliability.split_half(FitData.read(sim_lab.engine), seed=3)
    other = reliability.split_half(FitData.read(sim_lab.engine), seed=4)
    assert again.items.equals(halves.items)
    assert not other.items["n_a"].equals(halves.items["n_a"])


def test_residuals_by_group_cover_every_fitted_result(sim_lab):
    observed = sim_lab.difficulty.observed()
    table = reliability.residuals_by(observed)
    for by in ("time_domain", "modalities", "track"):
        assert table[table["by"] == by]["n_results"].sum() == len(observed.residuals), by
    assert set(table[table["by"] == "track"]["group"]) <= {"RX", "SCALED", "INTERMEDIATE"}
    assert {c: str(t) for c, t in table.dtypes.items()} == reliability.RESIDUALS_BY_SCHEMA


def test_a_workout_logged_carelessly_tops_the_worst_fitted_items(sim_copy):
    target = sim_copy.sql("SELECT wd.id::text AS id, wd.title FROM wod_definitions wd JOIN scheduled_sessions ss "
                          "ON ss.wod_definition_id = wd.id JOIN athlete_results ar ON ar.session_id = ss.id "
                          "WHERE ar.score_type = 'TIME' AND ar.result_status = 'finished' AND ss.track = 'RX' "
                          "GROUP BY 1, 2 ORDER BY count(*) DESC, 2 LIMIT 1")
    with sim_copy.engine.begin() as conn:  # every time on it off by up to a factor 2.5, either way
        conn.execute(sa.text("SELECT setseed(0.42)"))
        conn.execute(sa.text("UPDATE athlete_results ar SET score_value = round(ar.score_value * exp(1.8 * (random() - 0.5)))"
                             " FROM scheduled_sessions ss WHERE ss.id = ar.session_id AND ss.wod_definition_id = :w"
                             " AND ss.track = 'RX' AND ar.result_status = 'finished'"), {"w": target["id"].iloc[0]})
    worst = reliability.worst_items(estimate(FitData.read(sim_copy.engine)), k=3)
    assert (worst["title"].iloc[0], worst["track"].iloc[0]) == (target["title"].iloc[0], "RX")
    assert worst["rms_z"].is_monotonic_decreasing


def test_long_workouts_wider_spread_shows_in_the_residuals_and_the_model_fits_it(admin, server_url, template, tmp_path):
    """Under the simulator's `spread` scenario, a fit without spreads shows the residuals of long workouts widen
    against short ones (compared with the same box without it); the model's spreads take it up. Both fits leave the
    specialists out: an athlete's strength on long workouts, little shrunk, can take up part of the same pattern
    (strong athletes gain more on long ones), and this test is about the spreads."""
    from conftest import lab_on_new_database

    ratio, spreads = {}, {}
    for scenario in ("default", "spread"):
        write_box(simulate(SimulationConfig(athletes=80, weeks=12, seed=9, scenario=scenario)), tmp_path / scenario)
        with lab_on_new_database(admin, server_url, template, f"wl_{scenario}") as lab:
            lab.load_box(tmp_path / scenario, progress=False)
            fitted = estimate(FitData.read(lab.engine), spread=False, specialists=False)
            sd = reliability.residuals_by(fitted).set_index(["by", "group"])["sd_z"]
            items = estimate(FitData.read(lab.engine), specialists=False).items
        ratio[scenario] = sd[("time_domain", "long")] / sd[("time_domain", "short")]
        by_domain = items.groupby("time_domain")["spread"].median()
        spreads[scenario] = by_domain["long"] / by_domain["short"]
    assert ratio["spread"] > 1.08 * ratio["default"], ratio
    assert spreads["spread"] > 1.1 * spreads["default"], spreads  # 1.01 -> 1.16 with these seeds


def test_difficulty_fit_reports_reliability_and_the_worst_items(wodlab_cli, sim_copy):
    env = {**os.environ, "DATABASE_URL": sim_copy.engine.url.render_as_string(hide_password=False)}
    run = wodlab_cli("difficulty", "fit", env=env)
    assert run.returncode == 0, run.stderr
    assert "split-half" in run.stdout and "reliability" in run.stdout and "fits worst" in run.stdout
    assert "time_domain" in run.stdout and "modalities" in run.stdout and "left out of the fit" in run.stdout
    listed = wodlab_cli("difficulty", "list", env=env)
    assert "split-half reliability" in listed.stdout


def test_a_workout_without_a_standard_is_left_out_with_its_reason_and_said(box_lab, tmp_path):
    """Nicole is scored by its pull-ups only, not by all its work: no standard pace yet. Its results
    are listed with the reason, not silently dropped."""
    from wodcraft import library

    box_lab.store_wod(library.get("girls/nicole").source)
    box_lab.load_results(BOX / "results.csv")
    box_lab.load_sessions(_sessions(tmp_path, "Nicole"))
    box_lab.load_results(_results(tmp_path, "Nicole", ["alice,112", "bruno,87", "chloe,150"]))
    observed = estimate(FitData.read(box_lab.engine))
    row = observed.left_out.set_index("title").loc["Nicole"]
    assert row["n_results"] == 3 and row["reason"] == "no standard pace for a workout scored by reps"
    assert {c: str(t) for c, t in observed.left_out.dtypes.items()} == LEFT_OUT_SCHEMA


def test_an_amrap_scored_in_total_reps_has_a_standard_and_is_fitted(box_lab, tmp_path):
    """Open 15.1 (9 minutes, rounds of 30 reps, scored in total reps): its standard is the reps wodcraft's
    pace gives in the clock, and its results are on the pace scale like any AMRAP's."""
    from wodcraft import library
    from wodcraft.api import compile_source

    from wodlab.workouts.structure import standard_performance

    source = library.get("open/15_1").source
    standard = standard_performance(compile_source(source).document)
    assert 90 < standard < 180  # about four rounds of 30 in nine minutes
    box_lab.store_wod(source)
    box_lab.load_results(BOX / "results.csv")
    box_lab.load_sessions(_sessions(tmp_path, "Open 15.1"))
    box_lab.load_results(_results(tmp_path, "Open 15.1", ["alice,212", "bruno,187", "chloe,150"]))
    observed = estimate(FitData.read(box_lab.engine))
    assert "Open 15.1" in set(observed.items["title"]) and "Open 15.1" not in set(observed.left_out["title"])
    fitted = observed.residuals.merge(observed.items[["wod_id", "title"]].drop_duplicates(), on="wod_id")
    y = fitted[fitted["title"] == "Open 15.1"].set_index("athlete_id")["y"]
    assert sorted(np.round(np.exp(y.to_numpy()) * standard)) == [150, 187, 212]


def _sessions(tmp_path, title: str):
    path = tmp_path / "sessions.csv"
    path.write_text(f"wod,session_date,session_time,track\n{title},2026-10-02,18:00,RX\n")
    return path


def _results(tmp_path, title: str, rows: list[str]):
    path = tmp_path / "results.csv"
    path.write_text("wod,session_date,session_time,track,athlete,score\n"
                    + "".join(f"{title},2026-10-02,18:00,RX,{row}\n" for row in rows))
    return path
