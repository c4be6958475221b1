"""Difficulty of a workout on a 0-100 scale.

This module holds the baseline heuristic computed at import time (`baseline_score`). The
calibrated model and its features come with the difficulty issue and will replace it through a
versioned write-back; until then every stored score is `BASELINE_VERSION`.

Baseline, in points (the sum is rounded and bounded to 0-100):

- time under work (35): 35 * ln(1 + minutes) / ln(1 + 60), capped at 60 minutes. `minutes` is
  the stored duration_seconds / 60.
- load (25): the heaviest prescribed load relative to the catalog's Rx reference for that movement
  (men's values), 0 points at half the reference or less, 25 at twice the reference or more.
- skill (25): the mean complexity_level (1-5) of the two most complex movements, mapped linearly
  from 1 -> 0 to 5 -> 25.
- variety (15): 3 points per distinct movement, up to 5 movements.

On wodcraft's standard library it gives, for example: Lynne 15, Karen 38, Fran 42, Murph 55
(the vest is not counted), Diane 65, Open 18.4 75, The Seven 86, Lumberjack 20 90. It is a
starting point, not a measurement: the difficulty issue calibrates it against results.
"""

from __future__ import annotations

import math

from wodlab.catalog import catalog_movements, enrichment

BASELINE_VERSION = "baseline-1"

# Reference loads (kg) where the catalog has no Rx standard, by equipment; the same defaults
# wodcraft's duration estimate uses.
REFERENCE_KG = {"barbell": 50.0, "dumbbell": 22.5, "kettlebell": 24.0, "medicine_ball": 9.0, "sandbag": 45.0}


def _men(value) -> float:
    if isinstance(value, dict):
        return float(value.get("men", next(iter(value.values()))))
    return float(value)


def _reference_kg(movement_id: str) -> float | None:
    movement = catalog_movements().get(movement_id)
    if movement is None:
        return None
    if movement.rx and movement.rx.get("unit", "kg") == "kg":
        return float(movement.rx["men"])
    return REFERENCE_KG.get(movement.equipment)


def load_ratio(items: list[dict]) -> float:
    """Heaviest prescribed load relative to its Rx reference; 0 when nothing is loaded."""
    ratios = []
    for item in items:
        load, reference = item.get("load"), _reference_kg(item.get("movement", ""))
        if load and reference and "kg" in load:
            ratios.append(_men(load["kg"]) / reference)
    return max(ratios, default=0.0)


def baseline_score(duration_seconds: int | None, movements: list[str], items: list[dict]) -> int:
    """The baseline heuristic described in the module docstring."""
    minutes = min((duration_seconds or 0) / 60.0, 60.0)
    time_points = 35.0 * math.log1p(minutes) / math.log1p(60.0)
    ratio = load_ratio(items)
    load_points = 25.0 * min(1.0, max(0.0, (ratio - 0.5) / 1.5))
    levels = sorted((enrichment()[m]["complexity"] for m in movements if m in enrichment()), reverse=True)[:2]
    skill_points = 25.0 * (sum(levels) / len(levels) - 1) / 4 if levels else 0.0
    variety_points = 3.0 * min(len(set(movements)), 5)
    return max(0, min(100, round(time_points + load_points + skill_points + variety_points)))
