"""Named, documented features of a compiled WODCraft workout: what makes it hard, as numbers.

Every feature is defined in FEATURES (name -> meaning); `features(document)` returns them in that
order (difficulty.calibrate.feature_frame computes them for every stored workout).
"""

from __future__ import annotations

import math

from wodlab.workouts.catalog import FAMILIES, catalog_movements, enrichment
from wodlab.workouts.structure import Scoring, estimated_seconds, men_value, volume_by_kind, walk_movements

# Reference loads (kg) where the catalog has no Rx standard, by equipment: the defaults wodcraft's
# own duration estimate uses, so "load ratio" means the same thing in both.
REFERENCE_KG = {"barbell": 50.0, "dumbbell": 22.5, "kettlebell": 24.0, "medicine_ball": 9.0, "sandbag": 45.0}

FEATURES = {
    "est_minutes": "wodcraft's estimated work time, middle of its range (minutes; the clock for AMRAP/EMOM)",
    "est_spread_minutes": "half the width of wodcraft's estimate range (minutes): how uncertain the pace is",
    "cap_minutes": "time cap (minutes); 0 when there is none",
    "clocked": "1 when the clock sets the duration (AMRAP, EMOM, Every, Tabata), else 0",
    "volume_reps": "repetitions in the Rx prescription (men's values, rounds and ladders expanded once)",
    "volume_metres": "distance in the Rx prescription (metres)",
    "volume_calories": "calories in the Rx prescription",
    "load_ratio_max": "heaviest load / the catalog's Rx reference for that movement (0 when unloaded)",
    "load_ratio_mean": "mean of load / reference over loaded movements (0 when unloaded)",
    "skill_max": "highest complexity_level (1-5) among the movements",
    "skill_top2": "mean complexity_level of the two most complex movements",
    "share_strength": "share of the movements (distinct) that are strength (weightlifting) work",
    "share_gymnastics": "share of the movements that are gymnastics",
    "share_cardio": "share of the movements that are monostructural (cardio)",
    "n_movements": "number of distinct movements",
    "rounds": "rounds of the main block (1 when not a rounds block)",
    "ladder_steps": "number of values in a rep ladder (0 when none)",
    "chipper": "1 when the body is one pass through 4 or more movements without rounds or ladder",
    "team_size": "athletes per team (1 when individual)",
    "vest_kg": "weight vest, kg (men's value; 0 when none)",
    "scaled_level": "1 for a workout resolved at a scaled level (intermediate, scaled, foundations), else 0",
}


def reference_kg(movement_id: str) -> float | None:
    movement = catalog_movements().get(movement_id)
    if movement is None:
        return None
    if movement.rx and movement.rx.get("unit", "kg") == "kg":
        return float(movement.rx["men"])
    return REFERENCE_KG.get(movement.equipment)


def load_ratios(items: list[dict]) -> list[float]:
    ratios = []
    for item in items:
        load, reference = item.get("load"), reference_kg(item.get("movement", ""))
        if load and reference and "kg" in load:
            ratios.append(men_value(load["kg"]) / reference)
    return ratios


def features(document: dict) -> dict[str, float]:
    """The FEATURES of one compiled workout document (as written, or a resolved version of it)."""
    blocks = document.get("blocks", [])
    items = list(walk_movements(blocks))
    movements = list(dict.fromkeys(i["movement"] for i in items))
    catalog = catalog_movements()
    estimate = document.get("estimate") or {}
    low, high = estimate.get("min_s"), estimate.get("max_s")
    middle = estimated_seconds(document)
    scoring = Scoring.of(document)
    ratios = load_ratios(items)
    levels = sorted((enrichment()[m]["complexity"] for m in movements), reverse=True)
    modalities = [FAMILIES[catalog[m].family][1] for m in movements]
    main = blocks[0] if blocks else {}
    amounts = volume_by_kind(blocks)
    vest = (document.get("meta") or {}).get("vest") or {}
    n = max(1, len(movements))
    return {
        "est_minutes": middle / 60 if middle is not None else math.nan,
        "est_spread_minutes": (high - low) / 120 if low is not None else math.nan,
        "cap_minutes": (scoring.cap_seconds or 0) / 60,
        "clocked": float(any(b.get("type") in ("amrap", "emom", "every", "tabata") for b in blocks)),
        "volume_reps": amounts["reps"],
        "volume_metres": amounts["distance"],
        "volume_calories": amounts["calories"],
        "load_ratio_max": max(ratios, default=0.0),
        "load_ratio_mean": sum(ratios) / len(ratios) if ratios else 0.0,
        "skill_max": float(levels[0]) if levels else 1.0,
        "skill_top2": sum(levels[:2]) / len(levels[:2]) if levels else 1.0,
        "share_strength": modalities.count("strength") / n,
        "share_gymnastics": modalities.count("gymnastics") / n,
        "share_cardio": modalities.count("cardio") / n,
        "n_movements": float(len(movements)),
        "rounds": float(main.get("rounds") or 1),
        "ladder_steps": float(len(main.get("reps") or [])),
        "chipper": float(len(movements) >= 4 and not main.get("rounds") and not main.get("reps")
                         and main.get("type") == "for_time"),
        "team_size": float((document.get("team") or {}).get("size", 1)),
        "vest_kg": men_value(vest.get("kg")) if vest else 0.0,
        "scaled_level": float((document.get("resolved") or {}).get("level", "rx") != "rx"),
    }
