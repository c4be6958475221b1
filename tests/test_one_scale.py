"""Every item of a workout on its Rx version's scale (wodlab.difficulty.paces.level_gap), and each workout's
typical time learned from the results (wodlab.difficulty.durations)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy.stats import spearmanr
from wodcraft.library import get

from wodlab.difficulty import durations, reliability
from wodlab.difficulty.paces import FitData, item_standard, level_gap
from wodlab.sim.config import SimulationConfig
from wodlab.sim.simulate import simulate, write_box
from wodlab.workouts.compiler import compile_documents
from wodlab.workouts.levels import level_document, resolved_versions
from wodlab.workouts.structure import item_version, standard_performance

pytestmark = pytest.mark.slow  # fits of simulated boxes


def test_the_gap_is_how_much_less_the_own_version_asks():
    assert level_gap("time", 200.0, 300.0) == pytest.approx(math.log(1.5))  # quicker standard: less to do
    assert level_gap("rounds+reps", 300.0, 200.0) == pytest.approx(math.log(1.5))  # more reps in the clock: easier
    assert level_gap("load", 70.0, 70.0) == 0.0
    assert level_gap("time", None, 300.0) == 0.0
    fran = compile_documents(get("girls/fran").source, "fran.wod")[0]
    scaled = item_version(level_document(fran, resolved_versions(fran), "SCALED"))
    assert level_gap("time", standard_performance(scaled), standard_performance(item_version(fran))) > 0


@pytest.fixture(scope="module")
def default_box(admin, server_url, template, tmp_path_factory):
    """A box whose results follow the fit's model: its truth is what the fit should hand back."""
    from conftest import lab_on_new_database

    folder = tmp_path_factory.mktemp("one-scale")
    write_box(simulate(SimulationConfig(athletes=150, weeks=20, seed=505)), folder)
    with lab_on_new_database(admin, server_url, template, "wl_one_scale") as lab:
        lab.load_box(folder, progress=False)
        data = FitData.read(lab.engine)
        yield lab, data, reliability.estimate_with_errors(data, "model"), json.loads((folder / "truth.json").read_text())


def test_scaled_items_sit_on_the_rx_scale_below_their_rx_item(default_box):
    lab, data, observed, truth = default_box
    items = reliability.items_with_truth(observed, truth)
    assert spearmanr(items["difficulty"], items["truth"])[0] >= 0.97
    scaled = items[items["track"] == "SCALED"]
    assert spearmanr(scaled["difficulty"], scaled["truth"])[0] >= 0.95  # ranked among themselves
    pairs = items.pivot_table(index="wod_id", columns="track", values="difficulty").dropna()
    assert (pairs["SCALED"] < pairs["RX"]).mean() >= 0.9  # a scaled version ranks below its Rx one
    assert (observed.items.query("track == 'RX'")["level_gap"] == 0).all()
    gaps = observed.items.query("track == 'SCALED'")["level_gap"]
    # 0 where the workout writes no scaled version; mostly less work where it does (Cindy Scaled's movements
    # are slower per rep in the catalog: a negative gap, said as it is)
    assert (gaps > 0).sum() > 3 * (gaps < 0).sum() > 0


def test_the_median_athletes_time_is_the_fits_and_matches_the_simulated_one(default_box):
    """The box's average athlete takes S e^d on an item (d against its own standard); the simulator's is
    S e^(true d), its athletes' times being S e^(-y) with y = a - d."""
    lab, data, observed, truth = default_box
    times = durations.level_times(observed, data)
    assert len(times) >= 10 and (times["n_results"] >= durations.MIN_RESULTS).all()
    true = {(i["wod_id"], i["track"]): i["difficulty"] for i in truth["items"]}
    ratio = []
    for row in times.itertuples(index=False):
        info = item_standard(data.standards[row.wod_id], "RX", 1)
        ratio.append(row.observed_s / (info["standard"]["men"] * math.exp(true[(row.wod_id, row.track)])))
    assert np.median(np.abs(np.log(ratio))) < 0.1  # within 10% for the median item (the truth's origin is aligned)


def test_learned_durations_are_stored_with_their_source_and_read_by_searches(default_box):
    lab, data, observed, truth = default_box
    learned = lab.difficulty.durations(observed=observed)
    assert set(learned["source"]) == {"observed", "estimated"}
    seen = learned[learned["source"] == "observed"]
    assert (seen["n_results"] >= durations.MIN_RESULTS).all()
    cap_ok = [d <= (s or np.inf) + 0.5 for d, s in zip(learned["duration_seconds"], _caps(data, learned["wod_id"]))]
    assert all(cap_ok)
    lab.difficulty.durations(write=True, observed=observed)
    stored = lab.sql("SELECT id::text AS wod_id, duration_seconds, duration_source FROM wod_definitions")
    merged = learned.merge(stored, on="wod_id")
    assert (merged["duration_seconds_x"] == merged["duration_seconds_y"]).all()
    assert (merged["source"] == merged["duration_source"]).all()
    untouched = stored[~stored["wod_id"].isin(learned["wod_id"])]
    assert (untouched["duration_source"] == "wodcraft").all()  # AMRAPs, loads: the compiler's
    moved = merged.iloc[int(np.argmax(np.abs(merged["duration_seconds_y"] - merged["wodcraft_s"])))]
    seconds = int(moved["duration_seconds_y"])
    found = lab.search_wods(duration=(seconds, seconds))
    assert moved["wod_id"] in set(found["id"].astype(str))  # the search reads the learned duration


def _caps(data: FitData, wod_ids) -> list:
    return [data.standards[w]["scoring"].cap_seconds if w in data.standards else None for w in wod_ids]

