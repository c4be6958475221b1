"""Load a box folder: its workouts, athletes, sessions, results and events, all or nothing.

A box folder holds what a box exports (and what `wodlab simulate --out` writes):

    wods/*.wod      the box's own workouts (optional; wodcraft's standard library is always loaded first)
    athletes.csv    required        sessions.csv    required        results.csv    required
    events.csv or events.jsonl      optional
    difficulty_models.jsonl         optional (written by `wodlab export`): the model versions, restored
                                    after the load, and the active one applied again
    competitions.csv, competition_workouts.csv, competition_entries.csv, load_history.csv
                                    optional (written by `wodlab export`): restored as they were stored
    manifest.json                   optional (written by `wodlab export`): every file is checked against it
                                    (rows, bytes, SHA-256) before anything is written

Everything goes in one transaction: a bad .wod file, a bad row in any table, or a database error
leaves the database as it was, and the error names the file and the line.
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy.engine import Engine

from wodlab.core.errors import WodlabError
from wodlab.difficulty import versions
from wodlab.exchange import export
from wodlab.exchange.export import MODELS_FILE
from wodlab.load import loading
from wodlab.load.report import LoadReport
from wodlab.store import statistics, workout_standings
from wodlab.tables import ingest
from wodlab.tables.athletes import ATHLETES
from wodlab.tables.events import EVENTS
from wodlab.tables.results import RESULTS
from wodlab.tables.sessions import SESSIONS
from wodlab.workouts.difficulty_model import BASELINE, DifficultyModel

TABLES = (("athletes", ATHLETES, "athletes.csv"), ("sessions", SESSIONS, "sessions.csv"), ("results", RESULTS, "results.csv"))


def box_files(directory: Path) -> dict[str, Path]:
    """The files of a box folder by table; WodlabError naming what is missing before anything is read."""
    directory = Path(directory)
    if not directory.is_dir():
        raise WodlabError(f"{directory}: no such folder (a box folder holds athletes.csv, sessions.csv, results.csv)")
    files = {name: directory / file for name, _, file in TABLES}
    missing = [str(p) for p in files.values() if not p.is_file()]
    if missing:
        raise WodlabError(f"{directory} is not a box folder: missing {', '.join(missing)}")
    events = [directory / n for n in ("events.csv", "events.jsonl") if (directory / n).is_file()]
    if len(events) > 1:
        raise WodlabError(f"{directory}: both events.csv and events.jsonl; keep one")
    if events:
        files["events"] = events[0]
    return files


def load_box(engine: Engine, directory: Path | str, *, model: DifficultyModel = BASELINE, update: bool = False,
             progress: bool | None = None) -> dict[str, LoadReport]:
    """Load a box folder in one transaction; return a LoadReport per part (wods, athletes, sessions, results, events).

    update: rows stored with other values take the folder's (a restore over a database that was corrected
    since), the old values kept in load_history, as every loader's update=True does; without it such a
    row is a conflict and nothing is loaded."""
    directory = Path(directory)
    files = box_files(directory)
    export.verify(directory)  # an export's folder: cut, missing or added files refused before any write
    wod_files = ingest.library_files()  # first: when a box file repeats a library workout, the library's title is kept
    if (directory / "wods").is_dir():
        wod_files += ingest.expand_paths(directory / "wods")
    reports: dict[str, LoadReport] = {}
    with engine.begin() as conn:
        reports["wods"] = ingest.import_files(conn, wod_files, strict=True, progress=progress, model=model)
        for name, spec, _ in TABLES:
            reports[name] = loading.load(conn, spec, files[name], update=update, progress=progress)
        if "events" in files:
            reports["events"] = loading.load(conn, EVENTS, files["events"], update=update, progress=progress)
        export.restore_records(conn, directory)
    restore_models(engine, directory / MODELS_FILE)
    statistics.analyze(engine, ANALYZED)  # every table of the box: one transaction, so one ANALYZE at the end
    return reports


# Planner statistics after a box is loaded: without them PostgreSQL plans the first queries for the empty
# tables it last saw (wodlab.store.statistics).
ANALYZED = ("wod_definitions", "athletes", "scheduled_sessions", "athlete_results", "realized_events", *workout_standings.TABLES)


def restore_models(engine: Engine, path: Path) -> str | None:
    """Save the difficulty model versions of an exported box and apply the one that was active; its version."""
    if not path.is_file():
        return None
    active = None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        try:
            entry = json.loads(line)
            model = DifficultyModel.from_params(entry["version"], entry["params"], entry.get("notes") or "")
        except (ValueError, KeyError, TypeError) as problem:
            raise WodlabError(f"{path}, line {number}: not a difficulty model ({problem!r})") from None
        versions.save_model(engine, model, entry.get("metrics"))
        active = model.version if entry.get("active") else active
    if active is not None:
        versions.apply_model(engine, active)
    return active
