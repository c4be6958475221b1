"""`wodlab export DIR`: the database as a box folder, the backup the seed's notes ask for.

The folder is what `wodlab load box DIR` (wodlab.box) reads, in the loaders' own formats:

    wods/<title>-<id>.wod   every workout's DSL source, byte for byte (its id is the hash of that text)
    athletes.csv            external_id, name, gender, birth_year
    sessions.csv            id, wod (the workout's id), session_date, session_time, track, gender_mode,
                            team_size, location, coach_notes, max_participants
    results.csv             session_id, athlete (external id), score (canonical text), notes, recorded_at
    events.csv              id, session_id, athlete, timestamp_offset, movement, quantity_completed,
                            quantity_unit, event_type, metadata, recorded_at
    difficulty_models.jsonl every difficulty model version, and which one is active

Loading the folder into an empty database gives the same rows: workout, athlete, result ids come
from their natural keys; session and event ids are written out and read back verbatim (a live
event's id is random, a session's may come from a competition), scores are re-parsed from their
canonical text into the same values and rank keys, and the active difficulty model is applied again.
Not exported: competitions, result flags (recomputed by the box loader), load history.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from wodlab import wods

_ISO = "to_char({col} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"')"

TABLES = {
    "athletes.csv": """
        SELECT external_id, display_name AS name, gender, birth_year FROM athletes ORDER BY external_id""",
    "sessions.csv": """
        SELECT id, wod_definition_id AS wod, session_date, to_char(session_time, 'HH24:MI:SS') AS session_time, track,
               gender_mode, team_size, location, coach_notes, max_participants
        FROM scheduled_sessions ORDER BY session_date, id""",
    "results.csv": f"""
        SELECT ar.session_id, a.external_id AS athlete, ar.score_text AS score, ar.notes,
               {_ISO.format(col="ar.recorded_at")} AS recorded_at
        FROM athlete_results ar JOIN athletes a ON a.id = ar.athlete_id ORDER BY ar.session_id, a.external_id""",
    "events.csv": f"""
        SELECT e.id, e.session_id, a.external_id AS athlete, e.timestamp_offset, e.movement, e.quantity_completed,
               e.quantity_unit, e.event_type, e.metadata, {_ISO.format(col="e.recorded_at")} AS recorded_at
        FROM realized_events e JOIN athletes a ON a.id = e.athlete_id ORDER BY e.session_id, e.timestamp_offset, e.id""",
}

MODELS_FILE = "difficulty_models.jsonl"
_MODELS = """
    SELECT version, params, metrics, notes, applied_at IS NOT NULL AND applied_at = max(applied_at) OVER () AS active
    FROM difficulty_models ORDER BY fitted_at, version
"""


def _file_name(title: str, wod_id: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")[:60] or "workout"
    return f"{slug}-{wod_id}.wod"


def _copy_out(engine: Engine, sql: str, path: Path) -> int:
    """COPY (query) TO a CSV file with a header; returns the rows written, as COPY counts them (reading the
    file back would count the line breaks inside quoted notes as rows)."""
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cursor:
            with path.open("wb") as out, cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER)") as copy:
                for block in copy:
                    out.write(block)
            written = cursor.rowcount
        raw.rollback()
    finally:
        raw.close()
    return written


def export_box(engine: Engine, directory: Path | str) -> dict[str, int]:
    """Write the database as a box folder (see the module's docstring); {file or folder: rows written}."""
    directory = Path(directory)
    (directory / "wods").mkdir(parents=True, exist_ok=True)
    with engine.connect() as conn:
        stored = wods.documents(conn)
        models = conn.execute(sa.text(_MODELS)).all()
    for wod in stored:
        (directory / "wods" / _file_name(wod.title, wod.id)).write_bytes(wod.source.encode("utf-8"))
    counts = {"wods": len(stored)}
    for name, sql in TABLES.items():
        counts[name] = _copy_out(engine, sql, directory / name)
    with (directory / MODELS_FILE).open("w", encoding="utf-8") as out:
        for model in models:
            out.write(json.dumps({"version": model.version, "params": model.params, "metrics": model.metrics,
                                  "notes": model.notes, "active": bool(model.active)}) + "\n")
    counts[MODELS_FILE] = len(models)
    return counts
