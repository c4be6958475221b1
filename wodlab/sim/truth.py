"""Each workout's true difficulty, on the Rx scale (a scaled item's too: its results are drawn against the Rx standard)."""

from __future__ import annotations

import hashlib
import math

import numpy as np

from wodlab.sim.config import (
    MODALITIES,
    SCENARIOS,
    Departures,
    SimulationConfig,
)
from wodlab.sim.workouts import Workout
from wodlab.workouts.catalog import FAMILIES, catalog_movements
from wodlab.workouts.features import features
from wodlab.workouts.levels import level_document, resolved_versions
from wodlab.workouts.structure import (
    bounded_by_cap,
    walk_movements,
)


def modality_weights(document: dict) -> np.ndarray:
    """Share of the workout's movements in each modality (by count of distinct movements)."""
    catalog = catalog_movements()
    counts = np.zeros(len(MODALITIES))
    for item in walk_movements(document.get("blocks", [])):
        counts[MODALITIES.index(FAMILIES[catalog[item["movement"]].family][1])] += 1
    return counts / counts.sum() if counts.sum() else np.full(len(MODALITIES), 1 / len(MODALITIES))


def typical_minutes(f: dict) -> float:
    """The workout's estimated minutes, bounded by its cap (10 when wodcraft has no estimate)."""
    return max(1.0, bounded_by_cap(f["est_minutes"], f["cap_minutes"]) if not math.isnan(f["est_minutes"]) else 10.0)


def _difficulty_from_features(f: dict) -> float:
    minutes = typical_minutes(f)
    ratio = min(f["load_ratio_max"] or 1.0, 2.5)
    return (-0.20 + 0.15 * math.log(minutes / 10) + 0.40 * (ratio - 1) + 0.12 * (f["skill_top2"] - 2.5)
            + 0.20 * f["share_gymnastics"] - 0.15 * f["share_cardio"] + 0.02 * f["vest_kg"])


def _nonlinear_terms(f: dict) -> float:
    """What a linear model of the features cannot say: long heavy work compounds, skill bites past a
    threshold, a gymnastics-heavy sprint is harder than its parts."""
    minutes = typical_minutes(f)
    ratio = min(f["load_ratio_max"] or 1.0, 2.5)
    return (0.10 * math.log(minutes / 10) ** 2 + 0.25 * max(0.0, ratio - 1.3) ** 2
            + 0.08 * max(0.0, f["skill_top2"] - 3.5) + 0.15 * f["share_gymnastics"] * (minutes < 6))


def difficulty_draws(config: SimulationConfig, workout: Workout, rng: np.random.Generator,
                      extra: np.random.Generator) -> tuple[np.random.Generator, np.random.Generator]:
    """The generators a workout's true difficulty is drawn from: the box's, or the world's (world_seed)."""
    if config.world_seed is None:
        return rng, extra
    key = int.from_bytes(hashlib.sha256(workout.key.encode()).digest()[:8], "big")
    world = np.random.Generator(np.random.PCG64([config.world_seed, key]))
    return world, world


def true_difficulty(document: dict, rng: np.random.Generator, extra: np.random.Generator | None = None,
                    departures: Departures = SCENARIOS["default"]) -> tuple[float, float]:
    """(Rx difficulty, scaled difficulty) on the log-pace scale; see the module docstring.

    `extra` draws what the scenario adds (a larger hidden effect), so the default draws stay as they were."""
    residual = rng.normal(0, 0.08)  # what no feature explains, shared by both levels of the workout
    if extra is not None and departures.hidden_sd > 0.08:
        residual += extra.normal(0, math.sqrt(departures.hidden_sd**2 - 0.08**2))
    rx_features = features(document)
    rx = _difficulty_from_features(rx_features) + residual + departures.nonlinear * _nonlinear_terms(rx_features)
    scaled_document = level_document(document, resolved_versions(document), "SCALED")
    scaled_features = features(scaled_document)
    scaled = (_difficulty_from_features(scaled_features) + residual - 0.10 + rng.normal(0, 0.04)
              + departures.nonlinear * _nonlinear_terms(scaled_features))
    return rx, scaled


def against_the_average_athlete(items: list[dict], levels: dict[str, list[float]]) -> list[dict]:
    """The items' true difficulties as the fit defines difficulty: 0 is met by the box's average athlete (the
    mean of the athletes' true levels, m), not by an athlete of ability 0. y = s (a - m) - (d - s m): each
    item's d - s m, with s its true spread (1 unless the scenario makes spread grow with duration)."""
    average = float(np.mean([np.mean(v) for v in levels.values()])) if levels else 0.0
    return [{**item, "difficulty": round(item["difficulty"] - item["spread"] * average, 6)} for item in items]
