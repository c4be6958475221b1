"""How well the difficulty fit recovers the simulator's truth, scenario by scenario.

    python -m wodlab.bench --scenarios [--json PATH]

For each scenario (wodlab.sim.config.SCENARIOS), two boxes of one population (one world seed, two box
seeds, SCENARIO_BOX athletes x weeks) are simulated, loaded into a throw-away embedded server and
fitted with the default errors (lab.difficulty.observed()). Per box: the items' Spearman correlation
with their true difficulty (every level on its workout's Rx scale), the scaled items' among themselves,
the share of the items' 95% intervals holding the truth (reliability.coverage); across the two boxes:
the mean absolute difference of a workout's points (Rx items given points in both).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from wodlab.bench.timing import say
from wodlab.difficulty import reliability
from wodlab.lab import connect
from wodlab.sim.config import SCENARIOS, SimulationConfig
from wodlab.sim.simulate import simulate, write_box
from wodlab.store.server import temporary_server

SCENARIO_BOX = {"athletes": 150, "weeks": 20}
SEEDS = (303, 304)
WORLD_SEED = 7


def bench_scenarios(names: tuple[str, ...] = tuple(SCENARIOS)) -> list[dict]:
    """One row per scenario (module docstring)."""
    rows = []
    for name in names:
        say(f"scenario {name}...")
        fits = [_fit_box(SimulationConfig(**SCENARIO_BOX, seed=seed, world_seed=WORLD_SEED, scenario=name))
                for seed in SEEDS]
        rows.append({"scenario": name, **_summary(fits)})
    return rows


def _fit_box(config: SimulationConfig) -> dict:
    with tempfile.TemporaryDirectory(prefix="wlbench-scenario-") as scratch, temporary_server() as url:
        folder = Path(scratch) / "box"
        write_box(simulate(config), folder)
        lab = connect(url)
        lab.load_box(folder, progress=False)
        observed = lab.difficulty.observed(progress=False)
        truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
        ids = lab.sql("SELECT id::text AS athlete_id, external_id FROM athletes")
        lab.engine.dispose()
    items = reliability.items_with_truth(observed, truth)
    return {"recovery": reliability.against_truth(observed, truth, ids), "items": items}


def _summary(fits: list[dict]) -> dict:
    scaled = [f["items"][f["items"]["track"] == "SCALED"] for f in fits]
    first, second = (f["items"].query("track == 'RX'").set_index("wod_id")["points"] for f in fits)
    both = pd.concat([first, second], axis=1, join="inner").dropna()
    return {"results_items": [int(f["recovery"]["n_items"]) for f in fits],
            "item_spearman": [round(f["recovery"]["item_spearman"], 3) for f in fits],
            "scaled_spearman": [round(float(spearmanr(s["difficulty"], s["truth"])[0]), 3) if len(s) > 2 else None
                                for s in scaled],
            "coverage": [round(f["recovery"]["coverage"], 3) for f in fits],
            "points_gap": round(float(np.mean(np.abs(both.iloc[:, 0] - both.iloc[:, 1]))), 2) if len(both) else None}


def table(rows: list[dict]) -> str:
    """The rows as a Markdown table (the README's and the docs')."""
    lines = ["| scenario | items vs truth | scaled items among themselves | 95% coverage | points apart (two boxes) |",
             "|---|---|---|---|---|"]
    for row in rows:
        pair = lambda values: " / ".join("–" if v is None else f"{v:.3f}" for v in values)  # noqa: E731
        lines.append(f"| `{row['scenario']}` | {pair(row['item_spearman'])} | {pair(row['scaled_spearman'])} | "
                     f"{pair(row['coverage'])} | {row['points_gap']} |")
    return "\n".join(lines)
