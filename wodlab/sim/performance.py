"""One athlete on one workout: a performance, the score written on the whiteboard, its slips, the live events."""

from __future__ import annotations

import math
import re
from decimal import Decimal

import numpy as np

from wodlab.scoring.values import format_clock
from wodlab.sim.workouts import Workout
from wodlab.workouts.levels import level_of, resolved_versions
from wodlab.workouts.structure import (
    Scoring,
    movement_sets,
    standard_performance,
)
from wodlab.workouts.walks import is_open_ladder, ladder_walk, work_walk


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def _clock(seconds: float) -> str:
    """A time as a coach writes it, to the second."""
    return format_clock(Decimal(int(round(seconds))))


def _style(rng: np.random.Generator, choices: tuple[str, ...]) -> str:
    return choices[int(rng.integers(0, len(choices)))]


def perform(workout: Workout, y: float, category: str, per_round: int, fatigue: float = 1.0) -> dict:
    """The true outcome of a performance y against a workout: what the athlete did.

    per_round: units of work in one AMRAP round as the athlete's category does it. fatigue: at a cap,
    the share of the work done is (cap / time at the athlete's pace)^fatigue (1: a constant pace)."""
    scoring = workout.scoring
    standard = standard_performance(workout.document, category)
    if scoring.kind == "time":
        seconds = standard * math.exp(-y)
        cap = scoring.cap_seconds
        walk = ladder_walk(workout.document) if is_open_ladder(scoring) else None
        if walk is not None:
            # An open ladder ("3-6-9 ..."): nobody finishes; the reps done by the cap are those the standard
            # athlete reaches, walking the rungs, in the cap times the athlete's pace (wodlab.workouts.walks)
            return {"status": "capped", "reps": max(1, int(walk.reps_by(cap * math.exp(fatigue * y)))), "seconds": cap}
        if cap and seconds > cap and scoring.capped_scores_reps:
            return {"status": "capped", "reps": reps_by_the_cap(workout, scoring, seconds, y, fatigue), "seconds": cap}
        return {"status": "finished", "seconds": max(30.0, seconds)}
    if scoring.kind == "rounds+reps":
        total = int(standard * math.exp(y))
        return {"status": "finished", "rounds": total // per_round, "reps": total % per_round, "total": total}
    kilos = standard * math.exp(y)
    return {"status": "finished", "kg": round(kilos)}


# When athletes fade at the cap (fatigue < 1), those below the standard fade more: their exponent drops by
# this much per unit of pace below it.
FADE_BY_LEVEL = 0.2


def reps_by_the_cap(workout: Workout, scoring: Scoring, seconds: float, y: float, fatigue: float) -> int:
    """The reps done by the cap (`scoring`: the workout's, worked out once by the caller) of an athlete who would
    finish in `seconds`. By the cap they have done the share
    (cap / seconds)^f of the standard athlete's time for the whole work (f = fatigue, lower for an athlete below
    the standard when athletes fade: they went out too fast), counted in reps movement by movement
    (wodlab.workouts.walks.work_walk): where the cap falls in the workout decides the reps."""
    cap = scoring.cap_seconds
    exponent = max(0.4, fatigue + FADE_BY_LEVEL * min(y, 0.0)) if fatigue < 1 else fatigue
    share = (cap / seconds) ** exponent
    sets = work_walk(workout.document)
    done = sets.reps_by(share * sets.seconds[-1]) if sets else scoring.total_reps * share
    return min(int(done), int(scoring.total_reps) - 1)


def write_score(outcome: dict, workout: Workout, rng: np.random.Generator) -> str:
    """The outcome as a coach would write it, in one of several notations."""
    if outcome["status"] == "dnf":
        return _style(rng, ("DNF", "dnf", "did not finish"))
    if outcome["status"] == "dns":
        return "DNS"
    if outcome["status"] == "capped":
        return _style(rng, ("CAP+{r}", "cap {r}", "TC + {r} reps", "CAP + {r}")).format(r=outcome["reps"])
    if "seconds" in outcome:
        return _clock(outcome["seconds"])
    if "rounds" in outcome:
        return _style(rng, ("{a}+{b}", "{a} + {b}", "{a} rds {b}", "{a} rounds + {b} reps")).format(a=outcome["rounds"], b=outcome["reps"])
    if workout.scoring.load_unit == "lb" or rng.random() < 0.3:
        return f"{int(round(outcome['kg'] / 0.45359237 / 5) * 5)} lb"
    return _style(rng, ("{k} kg", "{k}kg")).format(k=outcome["kg"])


def gross_error(text: str, outcome: dict, workout: Workout, rng: np.random.Generator) -> str | None:
    """A slip of the pen that still reads as a valid score of this workout, or None if none fits."""
    scoring = workout.scoring
    if "seconds" in outcome and outcome["status"] == "finished":
        seconds = outcome["seconds"]
        options = [seconds + 600, seconds - 180, seconds * 2]
        if scoring.cap_seconds:
            options = [s for s in options if 30 < s < scoring.cap_seconds]
        options = [s for s in options if s > 30]
        return _clock(options[int(rng.integers(0, len(options)))]) if options else None
    if "rounds" in outcome:
        return f"{outcome['rounds'] + 10}+{outcome['reps']}"
    if "kg" in outcome:  # the unit swapped: the number stays, the meaning changes
        number, unit = re.match(r"(\d+)\s*(kg|lb)", text).groups()
        return f"{number} {'kg' if unit == 'lb' else 'lb'}"
    return None


_UNIT_OF_KIND = {"reps": "reps", "calories": "cal", "distance": "m"}


def _sets(blocks: list[dict]) -> list[tuple[str, float, str]]:
    """The movement sets of a resolved body (one AMRAP round), as (movement, amount, unit)."""
    return [(s.movement, s.amount, _UNIT_OF_KIND[s.kind]) for s in movement_sets(blocks)]


class ResolvedSets:
    """Resolved versions of each workout (level x category), computed once."""

    def __init__(self):
        self._cache: dict[tuple[str, str, str], list] = {}

    def sets(self, workout: Workout, track: str, category: str) -> list[tuple[str, float, str]]:
        key = (workout.key, track, category)
        if key not in self._cache:
            versions = resolved_versions(workout.document)
            self._cache[key] = _sets(versions[level_of(track, versions)][category].get("blocks", []))
        return self._cache[key]


def _events(sets: list, amount: float, window: float) -> list[tuple[int, str, float, str]]:
    """Events (offset, movement, quantity, unit) doing `amount` units of `sets` (cycled) evenly in `window` s."""
    out, done, k = [], 0.0, 0
    while done < amount - 1e-9 and sets:
        movement, quantity, unit = sets[k % len(sets)]
        step = min(quantity, amount - done)
        done += step
        out.append((int(window * done / amount), movement, step, unit))
        k += 1
    return out


def events_for(outcome: dict, sets: list, workout: Workout) -> list[tuple[int, str, float, str]]:
    total = sum(q for _, q, _ in sets)
    if outcome["status"] == "finished" and "seconds" in outcome:
        return _events(sets, total, outcome["seconds"])
    if outcome["status"] == "capped":
        return _events(sets, outcome["reps"], outcome["seconds"])
    if "total" in outcome:
        clock = (workout.document.get("estimate") or {}).get("min_s", 600)
        return _events(sets, outcome["total"], clock * 0.995)
    return []
