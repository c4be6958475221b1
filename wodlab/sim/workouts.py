"""The workouts a simulated box programmes: wodcraft's library, planted duplicates, extra files."""

from __future__ import annotations

import re
from dataclasses import dataclass

from wodcraft.api import compile_source
from wodcraft.library import entries

from wodlab.core.ids import stable_id
from wodlab.sim.config import (
    EXACT_TWIN,
    KINDS,
    NEAR_TWINS,
    SEMANTIC_TWINS,
)
from wodlab.tables.wod_records import generate_wod_hash
from wodlab.workouts.structure import (
    Scoring,
    standard_performance,
)


@dataclass
class Workout:
    key: str  # library path, "planted:..." for the simulator's own texts, "extra:..." for given files
    title: str
    source: str
    document: dict
    planted: bool = False

    @property
    def from_library(self) -> bool:
        return ":" not in self.key

    @property
    def scoring(self) -> Scoring:
        return Scoring.of(self.document)


def _compiled(source: str) -> dict:
    result = compile_source(source)
    if not result.ok:  # pragma: no cover - the planted texts are checked by the tests
        raise ValueError(result.report())
    return result.document


def _programmable(document: dict) -> bool:
    return Scoring.of(document).kind in KINDS and standard_performance(document) is not None


def _semantic_twin(source: str, title: str) -> str:
    """The same workout, written differently: new title, comments, upper case, kg instead of lb."""
    lines = source.splitlines()
    body = []
    for line in lines[1:]:
        if re.match(r"^\s*(tags|stimulus|note)\s*:", line, re.I):
            continue  # free text: leaving it out changes nothing the workout asks for
        line = re.sub(r"(\d+)/(\d+) lb\b", lambda m: _kg_pair(m[1], m[2]), line)
        body.append(line.upper() + ("  // same as always" if line.strip() and not line.strip().endswith(":") else ""))
    return "\n".join([f"# {title}", "// planted: a semantic duplicate", *body]) + "\n"


def _kg_pair(men: str, women: str) -> str:
    from wodcraft.catalog import load_equivalences

    table = load_equivalences()
    kg = [table.lb_to_kg(float(v)) for v in (men, women)]
    if None in kg:
        return f"{men}/{women} lb"
    return "/".join(f"{v:g}" for v in kg) + " kg"


def _near_twin(source: str, title: str) -> str:
    """The same workout with one quantity changed: the first movement line's reps, or the ladder."""
    lines = source.splitlines()
    out, changed = [f"# {title}", "// planted: a near-duplicate"], False
    for line in lines[1:]:
        if not changed and (m := re.match(r"^(\s+)(\d+)(\s+[A-Za-z].*)$", line)):
            line, changed = f"{m[1]}{int(m[2]) * 4 // 5}{m[3]}", True
        elif not changed and (m := re.match(r"^(\s*)(\d+(?:-\d+)+)(.*)$", line)):
            values = m[2].split("-")
            values[-1] = str(int(values[-1]) + 3)
            line, changed = f"{m[1]}{'-'.join(values)}{m[3]}", True
        out.append(line)
    return "\n".join(out) + "\n"


def _extra_workouts(paths: tuple[str, ...]) -> list[Workout]:
    """Workouts of the given files (sessions and multi-workout files included), as wodlab stores them."""
    from wodlab.tables.ingest import compile_file, expand_paths

    found = []
    for wod_file in expand_paths(list(paths)) if paths else []:
        for record in compile_file(wod_file):
            if _programmable(record.document):
                found.append(Workout(f"extra:{record.title}", record.title, record.dsl_source, record.document))
    return found


def build_workouts(extra_wods: tuple[str, ...] = ()) -> tuple[list[Workout], list[dict]]:
    """The pool the calendar draws from, and the planted duplicate pairs."""
    pool = []
    for entry in entries():
        document = _compiled(entry.source)
        if _programmable(document):
            pool.append(Workout(entry.path, document["title"], entry.source, document))
    pool += _extra_workouts(extra_wods)
    by_key = {w.key: w for w in pool}
    planted, pairs = [], []
    for keys, suffix, rewrite, kind in ((SEMANTIC_TWINS, " (coach's copy)", _semantic_twin, "semantic"),
                                        (NEAR_TWINS, " Lite", _near_twin, "near")):
        for key in keys:
            original = by_key[key]
            title = original.title + suffix
            text = rewrite(original.source, title)
            planted.append(Workout(f"planted:{title}", title, text, _compiled(text), planted=True))
            pairs.append({"a": original.title, "b": title, "kind": kind})
    exact = by_key[EXACT_TWIN]
    text = _respaced(exact.source)
    planted.append(Workout(f"planted:{exact.title} again", exact.title, text, _compiled(text), planted=True))
    pairs.append({"a": exact.title, "b": exact.title, "kind": "exact",
                  "note": "the same text with other spacing inside: another source_hash, a second row"})
    for pair in pairs:  # ids too: the exact twin shares its title with the original
        pair["a_id"] = _wod_id(by_key, pair["a"])
        pair["b_id"] = _wod_id({w.key: w for w in planted}, pair["b"], planted=True)
    return pool + planted, pairs


def _respaced(source: str) -> str:
    """The same text typed again: double spaces inside lines, trailing spaces, blank lines between."""
    lines = [re.sub(r"(\S) (\S)", r"\1  \2", line) + "  " for line in source.splitlines()]
    return "\n\n".join(lines) + "\n"


def _wod_id(workouts: dict, title: str, planted: bool = False) -> str:
    """The id wodlab will give the workout titled `title` (library first, unless planted)."""
    workout = next(w for w in workouts.values() if w.title == title and w.planted == planted)
    return workout_id(workout)


def workout_id(workout: Workout) -> str:
    return str(stable_id("wod", generate_wod_hash(workout.source)))


def wod_reference(workout: Workout, ambiguous: set[str]) -> str:
    """How the CSV files name a workout: its title, or its id when another workout has that title."""
    return workout_id(workout) if workout.title in ambiguous else workout.title


def mostly_capped(workout: Workout) -> bool:
    """A capped for-time workout whose standard athlete needs nearly the cap or more: most athletes are capped."""
    scoring = workout.scoring
    standard = standard_performance(workout.document)
    return bool(scoring.kind == "time" and scoring.cap_seconds and scoring.capped_scores_reps and scoring.total_reps
                and standard and standard >= 0.9 * scoring.cap_seconds)
