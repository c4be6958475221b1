"""Workouts like this one, and workouts that would fill a programme's gaps.

The distance between two workouts (0 = the same training stimulus, 1 = nothing in common) is a
weighted sum of five parts, each between 0 and 1:

| part | weight | measured as |
|---|---|---|
| movements | 0.30 | 1 - Jaccard index of the two sets of movements |
| families | 0.20 | total-variation distance of the family shares of the work time (half the L1 distance) |
| modalities | 0.15 | total-variation distance of the weightlifting / gymnastics / cardio shares |
| time domain | 0.25 | short, medium, long one step apart: 0, 0.5 or 1 (0.5 when a duration is unknown) |
| loading | 0.10 | difference of the heaviest load / Rx reference ratios, capped at 1 |

Movements and time domain weigh most: a coach substituting Fran wants thrusters and pull-ups done
fast, and reaches for another short couplet before a long chipper with the same movements.
"""

from __future__ import annotations

import math

import pandas as pd

from wodlab.core.frames import DATE, FLOAT, OBJECT, TEXT, typed_frame
from wodlab.programming.profile import MODALITIES, TIME_DOMAINS, Programme, WorkoutProfile
from wodlab.programming.review import Targets

WEIGHTS = {"movements": 0.30, "families": 0.20, "modalities": 0.15, "time_domain": 0.25, "loading": 0.10}


def _variation(a: dict[str, float], b: dict[str, float]) -> float:
    """Total-variation distance of two share vectors (0 equal, 1 disjoint)."""
    return sum(abs(a.get(k, 0.0) - b.get(k, 0.0)) for k in set(a) | set(b)) / 2


def _domain_step(a: str, b: str) -> float:
    if a not in TIME_DOMAINS or b not in TIME_DOMAINS:
        return 0.0 if a == b else 0.5
    return abs(TIME_DOMAINS.index(a) - TIME_DOMAINS.index(b)) / 2


def distance_parts(a: WorkoutProfile, b: WorkoutProfile) -> dict[str, float]:
    """Each part of the distance (see the table above), before weighting."""
    moves_a, moves_b = set(a.movement_shares), set(b.movement_shares)
    union = moves_a | moves_b
    return {
        "movements": 1 - len(moves_a & moves_b) / len(union) if union else 0.0,
        "families": _variation(a.family_shares, b.family_shares),
        "modalities": _variation(a.modality_shares, b.modality_shares),
        "time_domain": _domain_step(a.time_domain, b.time_domain),
        "loading": min(1.0, abs(a.load_ratio - b.load_ratio)),
    }


def _weighted(parts: dict[str, float]) -> float:
    return sum(WEIGHTS[name] * value for name, value in parts.items())


def distance(a: WorkoutProfile, b: WorkoutProfile) -> float:
    """The weighted distance between two workouts, 0..1."""
    return _weighted(distance_parts(a, b))


SIMILAR_SCHEMA = {
    "wod_id": TEXT, "title": TEXT, "distance": FLOAT, "time_domain": TEXT, "shared_movements": OBJECT,
    **{f"d_{name}": FLOAT for name in WEIGHTS},
}


def similar(target: WorkoutProfile, candidates: list[WorkoutProfile], k: int) -> pd.DataFrame:
    """The k candidates nearest to `target` (itself excluded), nearest first, with each part of the distance."""
    rows = []
    for other in candidates:
        if other.wod_id == target.wod_id:
            continue
        parts = distance_parts(target, other)
        rows.append({"wod_id": other.wod_id, "title": other.title,
                     "distance": round(_weighted(parts), 4),
                     "time_domain": other.time_domain,
                     "shared_movements": sorted(set(target.movement_shares) & set(other.movement_shares)),
                     **{f"d_{name}": round(value, 4) for name, value in parts.items()}})
    rows.sort(key=lambda r: (r["distance"], r["title"], r["wod_id"]))
    return typed_frame(rows[:k], SIMILAR_SCHEMA)


SUGGEST_SCHEMA = {
    "wod_id": TEXT, "title": TEXT, "gain": FLOAT, "time_domain": TEXT,
    **{f"share_{m}": FLOAT for m in MODALITIES}, "last_done": DATE, "reason": TEXT,
}


def _mixes(programme: Programme) -> tuple[dict[str, float], dict[str, float], int]:
    sessions = programme.sessions
    n = len(sessions)
    modalities = {m: float(sessions[f"share_{m}"].mean()) if n else 0.0 for m in MODALITIES}
    known = sessions[sessions["time_domain"].isin(TIME_DOMAINS)]["time_domain"]
    domains = {d: float((known == d).mean()) if len(known) else 0.0 for d in TIME_DOMAINS}
    return modalities, domains, n


def _imbalance(modalities: dict, domains: dict, targets: Targets) -> float:
    """Euclidean distance of the (modality, time-domain) mix from its target: squared, so that
    filling the largest gap counts most (a total-variation distance would not tell which gap)."""
    squares = [(modalities[m] - targets.modalities[m]) ** 2 for m in MODALITIES]
    squares += [(domains[d] - targets.time_domains[d]) ** 2 for d in TIME_DOMAINS]
    return math.sqrt(sum(squares))


def _reason(workout: WorkoutProfile, modalities: dict, domains: dict, targets: Targets) -> str:
    """What the workout brings that the period lacks most: a modality, then its time domain."""
    short_of = {m: targets.modalities[m] - modalities[m] for m in MODALITIES}
    fills = max(MODALITIES, key=lambda m: short_of[m] * workout.modality_shares[m])
    parts = []
    if short_of[fills] > 0 and workout.modality_shares[fills] > 0:
        parts.append(f"{workout.modality_shares[fills]:.0%} {fills} (period {modalities[fills]:.0%}, "
                     f"target {targets.modalities[fills]:.0%})")
    domain = workout.time_domain
    if domain in TIME_DOMAINS:
        parts.append(f"{domain} (period {domains[domain]:.0%}, target {targets.time_domains[domain]:.0%})")
    return "; ".join(parts)


def _added(mix: dict[str, float], n: int, extra: dict[str, float]) -> dict[str, float]:
    return {key: (value * n + extra.get(key, 0.0)) / (n + 1) for key, value in mix.items()}


# A candidate this close to a workout done recently is a repeat under another title (a coach's copy).
NEAR_REPEAT = 0.1


def suggest(programme: Programme, candidates: list[WorkoutProfile], last_done: dict[str, pd.Timestamp],
            recent_after: pd.Timestamp | None, targets: Targets, k: int) -> pd.DataFrame:
    """Stored workouts that would move the programme's mix closest to `targets` if added once.

    `gain` is how much the imbalance (`_imbalance`: how far the modality and time-domain mixes are
    from their targets) falls when the workout is added as one more session. Workouts done in the
    period or after `recent_after`, and near repeats of them (distance < NEAR_REPEAT), are left out.
    """
    modalities, domains, n = _mixes(programme)
    before = _imbalance(modalities, domains, targets)
    done = set(programme.sessions["wod_id"])
    done |= {wod for wod, last in last_done.items() if recent_after is not None and last > recent_after}
    recent = [workout for workout in candidates if workout.wod_id in done]
    rows = []
    for workout in candidates:
        if workout.wod_id in done or any(distance(workout, other) < NEAR_REPEAT for other in recent):
            continue
        last = last_done.get(workout.wod_id)
        after = _imbalance(_added(modalities, n, workout.modality_shares),
                           _added(domains, n, {workout.time_domain: 1.0}), targets)
        rows.append({"wod_id": workout.wod_id, "title": workout.title, "gain": round(before - after, 5),
                     "time_domain": workout.time_domain,
                     **{f"share_{m}": round(workout.modality_shares[m], 4) for m in MODALITIES},
                     "last_done": last,
                     "reason": _reason(workout, modalities, domains, targets)})
    rows.sort(key=lambda r: (-r["gain"], r["title"], r["wod_id"]))
    return typed_frame(rows[:k], SUGGEST_SCHEMA)
