"""An open ladder ("3-6-9 ... for time, capped") walked rung by rung at wodcraft's catalog paces.

Nobody finishes an open ladder: its score is the reps done by the cap, and each rung takes longer
than the one before. wodcraft's estimate of it is one written pass spread over the whole cap
(Open 25.1: 42 reps in 15 minutes), far below what its own catalog paces reach by the cap when the
rungs are walked one after another (287 reps). So an open ladder is measured as an AMRAP is: its
standard is the work the catalog's paces reach by the cap, and a result's pace is how much longer
the standard athlete needs to reach the same reps, y = ln(T(r) / cap), T the walk's time to r reps.
The difficulty fit (wodlab.difficulty.paces), the simulator (wodlab.sim.performance) and the most
work anyone does by the cap (the score checks: wodlab.tables.wod_records) read this one walk.

A capped for-time workout with a fixed total (Open 24.1: 180 reps) is walked set by set the same way
(work_walk): where the cap falls depends on which movements are left, so an athlete capped with r
reps did, to the cap, what the standard athlete does in T(r) seconds — a heavy deadlift set or a
handstand walk takes longer per rep than the burpees before it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from wodlab.workouts.structure import FASTEST_PACE_FACTOR, Scoring, block_work_seconds, counted_work, rep_distances

# The walk goes on until the standard athlete would need this many caps: past what the fastest athlete
# reaches (1 / FASTEST_PACE_FACTOR caps), so every plausible score falls inside it.
HORIZON_CAPS = 1.5 / FASTEST_PACE_FACTOR
MAX_RUNGS = 1000


@dataclass(frozen=True)
class Walk:
    """The standard athlete's time (seconds) and counted reps at the end of each rung (or set), from (0, 0)."""

    seconds: np.ndarray
    reps: np.ndarray
    cap: float

    def seconds_to(self, reps: float) -> float:
        """How long the standard athlete takes to reach `reps` (within a rung, at its even pace)."""
        return float(np.interp(reps, self.reps, self.seconds))

    def reps_by(self, seconds: float) -> float:
        """The reps the standard athlete has done after `seconds`."""
        return float(np.interp(seconds, self.seconds, self.reps))

    @property
    def standard(self) -> float:
        """The reps the catalog's paces reach by the cap: the ladder's standard performance."""
        return self.reps_by(self.cap)

    @property
    def most_reps(self) -> float:
        """More reps by the cap than the fastest athlete reaches (FASTEST_PACE_FACTOR) is a logging error."""
        return self.reps_by(self.cap / FASTEST_PACE_FACTOR)


def is_open_ladder(scoring: Scoring) -> bool:
    """Capped, scored in reps at the cap, with no fixed total: an open ladder."""
    return bool(scoring.cap_seconds and scoring.capped_scores_reps and not scoring.total_reps)


def ladder_walk(document: dict) -> Walk | None:
    """The walk of a compiled workout that is an open ladder; None for any other workout."""
    scoring = Scoring.of(document)
    if not is_open_ladder(scoring):
        return None
    return _walk(json.dumps(document.get("blocks", []), sort_keys=True), json.dumps(rep_distances(document)),
                 float(scoring.cap_seconds))


@lru_cache(maxsize=256)
def _walk(blocks_json: str, per_rep_json: str, cap: float) -> Walk | None:
    """The blocks before the open ladder done once, then its rungs, each at its own value."""
    blocks, per_rep = json.loads(blocks_json), json.loads(per_rep_json)
    seconds, reps = [0.0], [0.0]
    for block in blocks:
        ladder = _open_node(block)
        if ladder is None:  # a buy-in: done once, before the ladder
            seconds.append(seconds[-1] + block_work_seconds([block]))
            reps.append(reps[-1] + counted_work([block], per_rep))
            continue
        for value in _rung_values(ladder["reps"]):
            rung = _with_rung(block, ladder, value)
            seconds.append(seconds[-1] + block_work_seconds([rung]))
            reps.append(reps[-1] + counted_work([rung], per_rep))
            if seconds[-1] >= HORIZON_CAPS * cap or len(seconds) > MAX_RUNGS:
                break
        break  # what follows an open ladder is never reached
    if seconds[-1] <= 0:
        return None
    return Walk(np.array(seconds), np.array(reps), cap)


def work_walk(document: dict) -> Walk | None:
    """The walk, set by set in order, of a capped for-time workout whose capped athletes score their reps and
    whose work has a fixed total; None for any other workout."""
    scoring = Scoring.of(document)
    if scoring.kind != "time" or not scoring.cap_seconds or not scoring.capped_scores_reps or not scoring.total_reps:
        return None
    return _sets_walk(json.dumps(document.get("blocks", []), sort_keys=True), json.dumps(rep_distances(document)),
                      float(scoring.cap_seconds))


@lru_cache(maxsize=512)
def _sets_walk(blocks_json: str, per_rep_json: str, cap: float) -> Walk | None:
    per_rep = json.loads(per_rep_json)
    seconds, reps = [0.0], [0.0]
    for one in _set_blocks(json.loads(blocks_json)):
        seconds.append(seconds[-1] + block_work_seconds([one]))
        reps.append(reps[-1] + counted_work([one], per_rep))
    if seconds[-1] <= 0 or reps[-1] <= 0:
        return None
    return Walk(np.array(seconds), np.array(reps), cap)


def _set_blocks(nodes: list[dict], ladder_value: float | None = None) -> Iterator[dict]:
    """Each set of a body as a block of its own, in the order done: rounds repeated, rep ladders expanded
    (as structure.movement_sets counts them), a bare movement in a ladder at the ladder's value."""
    for node in nodes:
        if node.get("type") == "movement":
            if node.get("quantity") or ladder_value is None:
                yield {"type": "rounds", "rounds": 1, "items": [node]}
            else:
                yield {"type": "for_time", "reps": [ladder_value], "items": [node]}
            continue
        children = node.get("items", [])
        if node.get("reps"):
            for value in node["reps"]:
                yield from _set_blocks(children, float(value))
        else:
            for _ in range(int(node.get("rounds") or 1)):
                yield from _set_blocks(children, ladder_value)


def _open_node(node: dict) -> dict | None:
    if node.get("reps_open"):
        return node
    return next((found for child in node.get("items", []) if (found := _open_node(child)) is not None), None)


def _rung_values(written: list) -> Iterator[float]:
    """The written values, then on by the last step: 3-6-9 -> 12, 15, ...; a single value repeats its step."""
    values = [float(v) for v in written]
    step = values[-1] - values[-2] if len(values) > 1 else values[-1]
    yield from values
    value = values[-1]
    while True:
        value += step if step > 0 else values[-1]
        yield value


def _with_rung(node: dict, ladder: dict, value: float) -> dict:
    """`node` with its open ladder closed at one rung of `value` reps."""
    if node is ladder:
        closed = {**node, "reps": [value], "reps_open": False}
        closed.pop("cap_s", None)  # a rung's time is its work; the cap is the walk's
        return closed
    if "items" not in node:
        return node
    return {**node, "items": [_with_rung(child, ladder, value) for child in node["items"]]}
