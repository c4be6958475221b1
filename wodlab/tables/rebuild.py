"""Recompile stored workouts after a wodcraft upgrade (seed §"Notes": versioning).

Each row keeps its DSL source (the seed's "Sauvegarder le DSL source pour régénération"), so a new
compiler can regenerate everything derived from it: the compiled documents, movements,
equipment, duration, modalities, difficulty. `rebuild()` takes the rows whose `wodcraft_version`
differs from the installed one, in id order, in batches of one transaction each:

- a batch locks its rows, recompiles them, rewrites them and commits; an interrupted rebuild loses
  at most the batch in flight (rolled back, so still marked with the old version), and a re-run
  carries on from the rows still outdated;
- `version` + 1 and `updated_at` move only when the stored document changes; a row whose document
  comes out the same only gets the new compiler stamp;
- a source the new compiler refuses is left as it was and reported (`failed`, with the reason).

`dry_run=True` compiles the same rows, writes nothing, and says what would change.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import wodcraft
from sqlalchemy.engine import Engine

from wodlab.core.errors import WodCompileError, WodlabError
from wodlab.core.frames import OBJECT, TEXT, typed_frame
from wodlab.tables import wods
from wodlab.tables.wod_records import WodRecord, compile_records
from wodlab.workouts.difficulty_model import BASELINE, DifficultyModel

REBUILD_SCHEMA = {"wod_id": TEXT, "title": TEXT, "stored_wodcraft_version": TEXT, "status": TEXT, "changes": OBJECT,
                  "reason": TEXT}
DEFAULT_BATCH = 100


def _recompile(row, model: DifficultyModel) -> tuple[WodRecord | None, str | None]:
    try:
        records = compile_records(row.dsl_source, model=model)
    except WodCompileError as problem:
        return None, str(problem)
    if len(records) != 1:  # a stored source is one workout; two would mean the splitter changed its mind
        return None, f"the source now compiles to {len(records)} workouts"
    return records[0], None


def _outcome(row, status: str, changes: list[str], reason: str | None = None) -> dict:
    return {"wod_id": row.id, "title": row.title, "stored_wodcraft_version": row.wodcraft_version, "status": status,
            "changes": changes, "reason": reason}


def rebuild(engine: Engine, *, dry_run: bool = False, batch_size: int = DEFAULT_BATCH, model: DifficultyModel = BASELINE,
            current: str = wodcraft.__version__, on_batch: Callable[[int, list[dict]], None] | None = None) -> pd.DataFrame:
    """Recompile every row compiled by another wodcraft version than `current`; one frame row per workout."""
    if batch_size < 1:
        raise WodlabError(f"batch_size must be at least 1; got {batch_size}")
    if dry_run:
        with engine.connect() as conn:
            rows = wods.outdated(conn, current)
        return typed_frame([_dry_outcome(row, model) for row in rows], REBUILD_SCHEMA)
    outcomes, after, batch = [], "00000000-0000-0000-0000-000000000000", 0
    while True:
        with engine.begin() as conn:
            rows = wods.outdated(conn, current, after, batch_size, lock=True)
            if not rows:
                break
            done = [_rebuild_row(conn, row, model) for row in rows]
        batch += 1
        after = rows[-1].id
        outcomes += done
        if on_batch is not None:
            on_batch(batch, done)
    return typed_frame(outcomes, REBUILD_SCHEMA)


def _dry_outcome(row, model: DifficultyModel) -> dict:
    record, reason = _recompile(row, model)
    if record is None:
        return _outcome(row, "failed", [], reason)
    changes = wods.changed_columns(row, record)
    return _outcome(row, "would change" if changes else "unchanged", changes)


def _rebuild_row(conn, row, model: DifficultyModel) -> dict:
    record, reason = _recompile(row, model)
    if record is None:
        return _outcome(row, "failed", [], reason)
    changes = wods.changed_columns(row, record)
    wods.rewrite_record(conn, row.id, record, changed=bool(changes))
    return _outcome(row, "rewritten" if changes else "restamped", changes)
