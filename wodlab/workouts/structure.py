"""What a compiled WODCraft workout asks for: its score, cap, reps per round and volume.

Read from wodcraft's compiled JSON (and its resolved versions): scores are checked and ranked
against it, and the difficulty features start from it.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache

# Quantities counted as "reps" when a round or a workout is summed up: a calorie is a rep, a metre
# is a rep (how box apps and the Open count mixed work), a timed hold counts nothing.
_COUNTED = {"reps": "reps", "calories": "cal", "distance": "m"}


@lru_cache(maxsize=1)
def block_forms() -> list[str]:
    """The block types a compiled workout can start with, from the installed wodcraft's own JSON schema."""
    from importlib.resources import files

    schema = json.loads((files("wodcraft") / "spec" / "workout.schema.json").read_text(encoding="utf-8"))
    found: set[str] = set()

    def visit(node) -> None:
        if isinstance(node, dict):
            if "amrap" in (node.get("enum") or []):
                found.update(node["enum"])
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(schema)
    return sorted(found)


def walk_movements(nodes: list[dict]):
    """Every movement item of a body, in source order, alternatives (`or`) included."""
    for node in nodes:
        if node.get("type") == "movement":
            yield node
            yield from node.get("or", [])
        yield from walk_movements(node.get("items", []))


def men_value(value) -> float:
    """A quantity's men's value: dual values are {'men': ..., 'women': ...}, single ones are numbers."""
    if isinstance(value, dict):
        return float(value.get("men", next(iter(value.values()))))
    return float(value or 0)


@dataclass(frozen=True)
class MovementSet:
    """One set of a body, rounds and ladders expanded: `amount` units of `kind` (reps, distance, calories)."""

    movement: str
    amount: float  # men's value when the body has dual values; a level factor already applied
    kind: str  # reps, distance (metres), calories


def movement_sets(nodes: list[dict], ladder_value: float | None = None, *, holds: bool = False) -> list[MovementSet]:
    """The counted sets of a body in order: rounds repeated, rep ladders expanded, an AMRAP's body once.

    A movement without a quantity inside a ladder does the ladder's value; a level factor
    ("A -> 2x B") multiplies; timed holds and rests count nothing, unless `holds` asks for the
    holds too (kind "time", in seconds: the programming review weighs a plank by its time). The one
    walker of a body's work: volumes, scores' totals and the simulator's live events all come from it.
    """
    out: list[MovementSet] = []
    for node in nodes:
        if node.get("type") == "movement":
            quantity = node.get("quantity") or {}
            kind, factor = quantity.get("kind"), float(node.get("factor", 1))
            if kind in _COUNTED:
                out.append(MovementSet(node["movement"], men_value(quantity.get(_COUNTED[kind])) * factor, kind))
            elif kind == "time" and holds:
                out.append(MovementSet(node["movement"], men_value(quantity.get("s")) * factor, "time"))
            elif not quantity and ladder_value is not None:
                out.append(MovementSet(node["movement"], ladder_value * factor, "reps"))
            continue
        children = node.get("items", [])
        if node.get("reps"):  # a rep ladder: one pass per value
            for value in node["reps"]:
                out += movement_sets(children, float(value), holds=holds)
        else:
            out += movement_sets(children, ladder_value, holds=holds) * int(node.get("rounds") or 1)
    return out


def volume_by_kind(nodes: list[dict], ladder_value: float | None = None) -> dict[str, float]:
    """Reps, metres and calories of a body (men's values), rounds and rep ladders expanded once."""
    totals = {"reps": 0.0, "distance": 0.0, "calories": 0.0}
    for item in movement_sets(nodes, ladder_value):
        totals[item.kind] += item.amount
    return totals


def total_work(rounds: float, reps: float | None, per_round: float) -> float:
    """Units of work of a rounds+reps score: rounds x the round's work + the reps past the last round."""
    return rounds * per_round + (reps or 0)


# --- the time a workout takes, from wodcraft's estimate -------------------------------------------------

def estimated_seconds(document: dict) -> float | None:
    """The middle of wodcraft's estimate (min_s..max_s, from catalog paces; exactly the clock for
    AMRAP, EMOM, Every, Tabata); None when wodcraft gives none (open-ended work). Not bounded by a cap."""
    estimate = document.get("estimate") or {}
    if "min_s" not in estimate:
        return None
    return (estimate["min_s"] + estimate["max_s"]) / 2


def bounded_by_cap(duration: float | None, cap: float | None) -> float | None:
    """An estimated duration bounded by the cap when there is one (both in the same unit)."""
    if duration is None:
        return None
    return min(duration, cap) if cap else duration


def duration_seconds(document: dict) -> int | None:
    """wod_definitions.duration_seconds: the middle of the estimate, bounded by the cap (capped_s)."""
    estimate = document.get("estimate") or {}
    middle = bounded_by_cap(estimated_seconds(document), estimate.get("capped_s"))
    return None if middle is None else round(middle)


def volume(nodes: list[dict]) -> float:
    """Units of work in a body: a rep, a calorie and a metre each count one (as box apps count)."""
    return sum(volume_by_kind(nodes).values())


def round_volume(nodes: list[dict], per_rep: dict[str, float] | None = None) -> float:
    """Units of work in one round of the first AMRAP (its body done once); counted with `per_rep` when given."""
    for node in nodes:
        if node.get("type") == "amrap":
            items = node.get("items", [])
            return counted_work(items, per_rep) if per_rep is not None else volume(items)
        found = round_volume(node.get("items", []), per_rep)
        if found:
            return found
    return 0.0


# --- reps as competitions count them ---------------------------------------------------------------------------

FOOT_M = 0.3048
# "each 15 ft section counting as 1 rep", "every 5 ft counts as one rep"
_SECTION_RULE = re.compile(r"(\d+(?:\.\d+)?)\s*(ft|feet|foot|m|metres?|meters?)\b(?:\s+\w+)?\s+count(?:ing|s)?\s+as\s+(?:1|one)\s+rep",
                           re.IGNORECASE)


def rep_distances(document: dict) -> dict[str, float]:
    """Metres per rep of each distance movement of a workout scored in reps, as competitions count it.

    The workout's own note wins ("each 15 ft section counting as 1 rep" applies to the distance
    movements it names, or to the only one); otherwise the reviewed default of the movement
    enrichment (a handstand walk: 5 ft). A distance movement with neither counts its metres.
    """
    from wodlab.workouts.catalog import enrichment

    distance = {s.movement for s in movement_sets(document.get("blocks", [])) if s.kind == "distance"}
    found = {m: enrichment()[m]["rep_distance_ft"] * FOOT_M for m in distance if "rep_distance_ft" in enrichment().get(m, {})}
    notes = " ".join((document.get("meta") or {}).get("notes") or [])
    for sentence in re.split(r"(?<=[.;])\s+", notes):
        rule = _SECTION_RULE.search(sentence)
        if not rule:
            continue
        metres = float(rule[1]) * (FOOT_M if rule[2].lower().startswith(("f", "foot")) else 1.0)
        named = [m for m in distance if m.replace("_", " ") in sentence.lower() or m.split("_")[0] in sentence.lower()]
        for movement in named or (sorted(distance) if len(distance) == 1 else []):
            found[movement] = metres
    return found


def counted_work(nodes: list[dict], per_rep: dict[str, float]) -> float:
    """Units of work as a competition counts them: a distance with a rep rule in reps, the rest as volume()."""
    return sum(s.amount / per_rep[s.movement] if s.kind == "distance" and s.movement in per_rep else s.amount
               for s in movement_sets(nodes))


def _open_ended(nodes: list[dict]) -> bool:
    """An open ladder ("3-6-9 ..."): the work has no fixed total."""
    return any(node.get("reps_open") or _open_ended(node.get("items", [])) for node in nodes)


def _cap(document: dict) -> float | None:
    caps = [b.get("cap_s") for b in document.get("blocks", []) if b.get("cap_s")]
    if document.get("cap_s"):
        return float(document["cap_s"])
    return float(caps[0]) if len(caps) == 1 else None


def _load_unit(nodes: list[dict]) -> str | None:
    for node in nodes:
        if node.get("type") == "movement" and node.get("load"):
            return node["load"].get("unit")
        unit = _load_unit(node.get("items", []))
        if unit:
            return unit
    return None


@dataclass(frozen=True)
class Scoring:
    """How a workout is scored, in the terms scores are checked and ranked by."""

    kind: str  # time, rounds+reps, rounds, reps, load, calories, distance, multi, none
    capped_scores_reps: bool  # for time with a cap: capped athletes score their reps
    cap_seconds: float | None
    reps_per_round: float  # AMRAP: units in one round (0 when not an AMRAP)
    total_reps: float  # units of the whole Rx prescription as competitions count reps (0 when open-ended)
    load_unit: str  # the unit a bare load number is read in
    rounds: int = 1  # "N rounds for time": N, so a capped "4+10" can be turned into reps
    clock_seconds: float | None = None  # AMRAP: its clock (wodcraft's estimate is exactly the clock)

    @classmethod
    def of(cls, document: dict) -> Scoring:
        """From a compiled workout document (StoredWod.document); quantities are read for the men's Rx values."""
        score = document.get("score") or {"type": "none"}
        kind = score.get("type", "none")
        if kind == "multi" and score.get("unit"):
            kind = score["unit"]  # "score: load, total": the parts add up to one load
        blocks = document.get("blocks", [])
        per_rep = rep_distances(document)
        return cls(
            kind=kind,
            capped_scores_reps=score.get("capped") == "reps",
            cap_seconds=_cap(document),
            reps_per_round=round_volume(blocks, per_rep),
            total_reps=0.0 if _open_ended(blocks) else counted_work(blocks, per_rep),
            load_unit=_load_unit(blocks) or "kg",
            rounds=int(blocks[0].get("rounds") or 1) if blocks else 1,
            clock_seconds=estimated_seconds(document) if kind == "rounds+reps" else None,
        )


# --- the standard performance a result is measured against -------------------------------------------

# A Max-load part with no Rx reference: a box-average best lift per part, in kg (men, women).
STANDARD_LIFT_KG = {"men": 100.0, "women": 70.0}


def _round_seconds(items: list[dict]) -> float:
    """wodcraft's estimate of one round of these items, fatigue included."""
    from wodcraft.catalog import load_catalog
    from wodcraft.semantics.estimate import effort_seconds

    return effort_seconds({"type": "rounds", "rounds": 1, "items": items}, load_catalog())


def _amrap_items(nodes: list[dict]) -> list[dict] | None:
    for node in nodes:
        if node.get("type") == "amrap":
            return node.get("items", [])
        found = _amrap_items(node.get("items", []))
        if found is not None:
            return found
    return None


def standard_performance(document: dict, category: str = "men") -> float | None:
    """What an athlete at the standard does, in the unit the workout is scored by; None if unknown.

    - time: seconds, the middle of wodcraft's estimate (catalog paces; not bounded by the cap);
    - rounds+reps: units of work (reps, calories, metres) in the clock at wodcraft's pace for a round;
    - reps (an AMRAP scored in total reps, e.g. Open 15.1): the same, when every unit of the round is a
      rep; a workout that counts only some of its work (Nicole: the pull-ups, not the runs) has none;
    - load: STANDARD_LIFT_KG per lift, for the athlete's category.
    Results are put on one unit-free scale by comparing them to this standard (log pace ratio).
    """
    scoring = Scoring.of(document)
    estimate = document.get("estimate") or {}
    if scoring.kind == "time":
        return estimated_seconds(document)
    if scoring.kind in ("rounds+reps", "reps"):
        items = _amrap_items(document.get("blocks", []))
        if scoring.kind == "reps" and (not items or any(s.kind != "reps" for s in movement_sets(items))):
            return None
        seconds = _round_seconds(items) if items else 0.0
        clock = estimate.get("min_s")
        return clock / seconds * scoring.reps_per_round if seconds and clock and scoring.reps_per_round else None
    if scoring.kind == "load":
        lifts = sum(1 for b in document.get("blocks", []) if b.get("type") == "max_load") or 1
        return STANDARD_LIFT_KG[category] * lifts
    return None


def team_size_of(document: dict, session_team_size: int | None = 1) -> int:
    """How many athletes share one result: the workout's own "teams of N", else the session's team size."""
    written = int((document.get("team") or {}).get("size") or 1)
    return written if written > 1 else max(1, int(session_team_size or 1))


def item_version(version: dict, team_size: int = 1) -> dict:
    """The work one result stands for, re-estimated by wodcraft: the version of the workout the athlete did
    (a level as wodcraft resolves it) and, for a team, the team's share of it.

    A resolved level keeps the Rx estimate (a scaled Fran's lighter thrusters would take as long as the
    Rx ones), so the estimate is redone from the version's own blocks. A team of N shares the written work,
    one member working at a time (the partner-workout rule): a line marked `each` is done by every member,
    so it counts N times; `split`, `sync` and unmarked lines count once. The rest a member gets while
    another works is the team's advantage, which the item's own difficulty measures."""
    from wodcraft.catalog import load_catalog
    from wodcraft.diagnostics import DiagnosticBag
    from wodcraft.semantics.estimate import estimate_workout

    out = dict(version)
    if team_size > 1:
        out["blocks"] = [_for_team(block, team_size) for block in version.get("blocks", [])]
    out["estimate"] = estimate_workout(out, load_catalog(), DiagnosticBag(), None) or version.get("estimate")
    return out


def _for_team(node: dict, team_size: int) -> dict:
    if "items" not in node:
        return node
    items = []
    for item in node["items"]:
        copies = team_size if item.get("type") == "movement" and "each" in item.get("modifiers", []) else 1
        items.extend([_for_team(item, team_size)] * copies)
    return {**node, "items": items}


# --- what no one can do ---------------------------------------------------------------------------------------

# The fastest anyone does a workout's work: four times wodcraft's catalog pace (which describes an
# average Rx athlete, heavier loads slower), with no fatigue and no transitions. The binding case
# is Diane: its catalog work time is 7:38 (225 lb deadlifts count slow) and world-class athletes
# finish it in about 1:55, a ratio of 0.25; Fran (about 1:55 of 3:00) is 0.64, Grace (about 1:00
# of 2:30) 0.4. A result beyond this bound is a logging error, not a record; results that are only
# unlikely are caught by the athlete-level check (wodlab.audit.flags).
FASTEST_PACE_FACTOR = 0.25


def block_work_seconds(blocks: list[dict]) -> float:
    """wodcraft's catalog seconds of these blocks' work."""
    from wodcraft.catalog import load_catalog
    from wodcraft.semantics.estimate import block_seconds

    catalog = load_catalog()
    return sum(block_seconds(block, catalog) for block in blocks)


def fastest_seconds(document: dict) -> float | None:
    """The shortest time anyone finishes a for-time workout in (FASTEST_PACE_FACTOR); None when not for time."""
    if Scoring.of(document).kind != "time":
        return None
    seconds = block_work_seconds(document.get("blocks", []))
    return seconds * FASTEST_PACE_FACTOR if seconds else None


def most_work(document: dict) -> float | None:
    """The most units of work (reps, calories, metres) anyone does in an AMRAP's clock; None when not an AMRAP."""
    scoring = Scoring.of(document)
    items = _amrap_items(document.get("blocks", []))
    if scoring.kind != "rounds+reps" or not items or not scoring.clock_seconds or not scoring.reps_per_round:
        return None
    round_seconds = block_work_seconds([{"type": "rounds", "rounds": 1, "items": items}])
    return scoring.clock_seconds / (round_seconds * FASTEST_PACE_FACTOR) * scoring.reps_per_round if round_seconds else None


# Time domains a coach speaks of, from a workout's duration (seconds): short < 5 min, medium 5-15,
# long > 15. A workout without a duration (open-ended work) has the domain "unknown". The
# programming review balances them; the difficulty diagnostics group residuals by them.
SHORT_BELOW_S = 5 * 60
LONG_ABOVE_S = 15 * 60
TIME_DOMAINS = ("short", "medium", "long")


def time_domain(duration_seconds: float | None) -> str:
    """short (< 5 min), medium (5-15 min), long (> 15 min), or unknown without a duration."""
    if duration_seconds is None or (isinstance(duration_seconds, float) and math.isnan(duration_seconds)):
        return "unknown"
    if duration_seconds < SHORT_BELOW_S:
        return "short"
    return "long" if duration_seconds > LONG_ABOVE_S else "medium"
