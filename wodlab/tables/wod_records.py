"""Workout texts compiled into the rows wod_definitions stores (WodRecord): wodcraft's documents, the hash,
movements, limits and the baseline difficulty; in worker processes for big imports."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path

import wodcraft

from wodlab.core.errors import Diagnostic, WodCompileError
from wodlab.core.ids import stable_id
from wodlab.store.cache import WODCraftCache
from wodlab.workouts.catalog import FAMILIES, catalog_movements
from wodlab.workouts.compiler import compile_documents
from wodlab.workouts.difficulty_model import BASELINE, DifficultyModel
from wodlab.workouts.levels import resolved_versions
from wodlab.workouts.structure import Scoring, duration_seconds, fastest_seconds, most_work, walk_movements
from wodlab.workouts.texts import split_workouts
from wodlab.workouts.walks import ladder_walk


def generate_wod_hash(dsl_source: str) -> str:
    """The seed's hash, unchanged: SHA-256 of the stripped, lower-cased source."""
    normalized = dsl_source.strip().lower()
    return hashlib.sha256(normalized.encode()).hexdigest()


@dataclass
class WodRecord:
    """One wod_definitions row, before it is stored."""

    title: str
    dsl_source: str
    ast_json: dict
    compiled_json: dict
    source_hash: str
    movements_list: list[str]
    equipment_list: list[str]
    modality_tags: list[str]
    duration_seconds: int | None
    difficulty_score: int
    difficulty_version: str = BASELINE.version
    wodcraft_version: str = field(default=wodcraft.__version__)
    first_line: int = 1  # where the workout starts in its file (for reports; not stored)
    # its row of workout_limits (limits_of), worked out with the record: in the worker process that compiled
    # it, for a big import, not in the one storing every workout
    limits: dict = field(default=None, compare=False, repr=False)

    def __post_init__(self):
        if self.limits is None:
            self.limits = limits_of(self.ast_json)

    @property
    def id(self):
        return stable_id("wod", self.source_hash)

    @property
    def document(self) -> dict:
        """The compiled workout, by the name every module outside this one uses (StoredWod.document)."""
        return self.ast_json


def limits_of(document: dict) -> dict:
    """What no one can do on the workout (wodlab.workouts.structure), as workout_limits stores it for the
    "impossible" check the database applies to every result written (migration 019)."""
    walk = ladder_walk(document)  # an open ladder's most work is its most reps by the cap (migration 027)
    return {"fastest_seconds": fastest_seconds(document),
            "most_work": walk.most_reps if walk else most_work(document),
            "reps_per_round": Scoring.of(document).reps_per_round or None}


def _compile(source: str, name: str | None, library_paths: list[Path], cache: WODCraftCache | None) -> list[dict]:
    if cache is None:
        return compile_documents(source, name, library_paths)
    compiled = cache.get_compiled_session(source, lambda text: compile_documents(text, name, library_paths), library_paths)
    return compiled["documents"]


def movements_of(document: dict) -> list[str]:
    """The catalog ids of the Rx work, each once, in order of first appearance."""
    return list(dict.fromkeys(item["movement"] for item in walk_movements(document.get("blocks", []))))


def modality_tags(document: dict) -> list[str]:
    """The modalities of the workout's movements (strength, gymnastics, cardio), sorted."""
    catalog = catalog_movements()
    return sorted({FAMILIES[catalog[m].family][1] for m in movements_of(document)})


def record_from_document(dsl_source: str, document: dict, model: DifficultyModel = BASELINE) -> WodRecord:
    movements = movements_of(document)
    catalog = catalog_movements()
    equipment = sorted({catalog[m].equipment for m in movements} - {"bodyweight"})
    modalities = modality_tags(document)
    duration = duration_seconds(document)
    return WodRecord(
        title=document.get("title") or "Untitled",
        dsl_source=dsl_source,
        ast_json=document,
        compiled_json=resolved_versions(document),
        source_hash=generate_wod_hash(dsl_source),
        movements_list=movements,
        equipment_list=equipment,
        modality_tags=modalities,
        duration_seconds=duration,
        difficulty_score=model.score(document),
        difficulty_version=model.version,
    )


def compile_records(source: str, name: str | None = None, library_paths: list[Path] | None = None,
                    model: DifficultyModel = BASELINE, cache: WODCraftCache | None = None) -> list[WodRecord]:
    """Every workout of a source as a WodRecord; WodCompileError (with every error) if it does not compile.
    With a `cache` (wodlab.store.cache), wodcraft's output is taken from it when it holds this source.

    The whole source is compiled first so diagnostics carry the file's own line numbers; then
    each workout text is compiled alone, so each row's ast_json is exactly its dsl_source's.
    """
    paths = list(library_paths or [])
    if name and Path(name).exists():
        paths.insert(0, Path(name).resolve().parent)
    # wodcraft turns comment lines before the first heading into an empty, untitled document.
    documents = [d for d in _compile(source, name, paths, cache) if d.get("title") or d.get("blocks") or d.get("sections")]
    if not documents:
        raise WodCompileError([Diagnostic("W003", 1, 1, "no workout in this text (empty, or only comments)",
                                          "a workout starts with a '# Title' line")], name)
    pieces = split_workouts(source)
    expected = sum(len(d.get("sections", [])) if d.get("kind") == "session" else 1 for d in documents)
    if len(pieces) != expected:  # pragma: no cover - would mean our splitter disagrees with wodcraft
        raise WodCompileError([Diagnostic("W000", 1, 1, f"found {len(pieces)} workouts, wodcraft found {expected}")], name)
    if len(pieces) == 1 and documents[0].get("kind") == "workout":
        return titles_that_fit([record_from_document(source, documents[0], model)], name)
    return titles_that_fit([replace(record_from_document(piece.text, _compile(piece.text, name, paths, cache)[0], model),
                                     first_line=piece.first_line)
                             for piece in pieces], name)


TITLE_CHARACTERS = 255  # wod_definitions.title VARCHAR(255) (the seed's schema)


def titles_that_fit(records: list[WodRecord], name: str | None) -> list[WodRecord]:
    """The records, or WodCompileError naming each title longer than the column holds (the database would
    refuse the row with no field named)."""
    long = [Diagnostic("W005", r.first_line, 1, f"the title is {len(r.title):,} characters; at most "
                       f"{TITLE_CHARACTERS} are stored", "shorten the '# Title' line")
            for r in records if len(r.title) > TITLE_CHARACTERS]
    if long:
        raise WodCompileError(long, name)
    return records
