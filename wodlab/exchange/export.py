"""`wodlab export DIR`: the database as a box folder, the backup the seed's notes ask for.

The folder is what `wodlab load box DIR` (wodlab.exchange.box) reads, in the loaders' own formats:

    wods/<title>-<id>.wod     every workout's DSL source, byte for byte (its id is the hash of that text)
    athletes.csv              external_id, name, gender, birth_year
    sessions.csv              id, wod (the workout's id), session_date, session_time, track, gender_mode,
                              team_size, location, coach_notes, max_participants
    results.csv               session_id, athlete (external id), score (canonical text), notes, recorded_at
    events.csv                id, session_id, athlete, timestamp_offset, movement, quantity_completed,
                              quantity_unit, event_type, metadata, recorded_at
    difficulty_models.jsonl   every difficulty model version, and which one is active
    competitions.csv, competition_workouts.csv, competition_entries.csv, result_judging.csv
                              the competitions (with their rules), each workout's label and session, each
                              athlete's division, each judged result
    load_history.csv          every correction's old and new row (what `--update` replaced)
    workout_merges.csv        every merge of duplicate workouts, with what its undo needs
    manifest.json             each file's rows, bytes and SHA-256, checked by `load box` before it writes

Consistent: every file is read in one REPEATABLE READ transaction, one snapshot of the database, so a
load committing meanwhile is in the export whole or not at all (results never name an athlete the
export lacks). Complete: `load box` refuses a folder whose files do not match the manifest (a file
cut short, missing, changed or added) before writing anything. Private: the folder is created 0700
and its files 0600 (wodlab.core.private). Into a folder that is not empty only with force=True, and only
over an earlier export's files (they are removed first, so none of a bigger old export stays).

Loading the folder into an empty database gives the same rows: workout, athlete, result ids come
from their natural keys; session and event ids are written out and read back verbatim (a live
event's id is random, a session's may come from a competition), scores are re-parsed from their
canonical text into the same values and rank keys, and the active difficulty model is applied again.
Not exported: result flags and the boards (both recomputed by the box loader from the results).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from wodlab.core.errors import WodlabError
from wodlab.core.private import open_private, private_folder, write_private
from wodlab.core.resources import wodlab_version
from wodlab.tables import wods

_ISO = "to_char({col} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"')"

# The loaders' files (wodlab.exchange.box reads them through the loaders).
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

# Tables no loader reads: written and restored as they are stored (restore_records), each with the
# statement that puts a file's rows back. Athletes are named by external id, as in results.csv.
RECORDS = {
    "competitions.csv": (
        f"SELECT id, name, notation, {_ISO.format(col='created_at')} AS created_at, rules FROM competitions ORDER BY id",
        "INSERT INTO competitions (id, name, notation, created_at, rules) "
        "SELECT id::uuid, name, notation, created_at::timestamptz, rules::jsonb FROM restored ON CONFLICT DO NOTHING"),
    "competition_workouts.csv": (
        "SELECT competition_id, label, ordinal, session_id FROM competition_workouts ORDER BY competition_id, ordinal",
        "INSERT INTO competition_workouts (competition_id, label, ordinal, session_id) "
        "SELECT competition_id::uuid, label, ordinal::int, session_id::uuid FROM restored ON CONFLICT DO NOTHING"),
    "competition_entries.csv": (
        "SELECT ce.competition_id, a.external_id AS athlete, ce.division FROM competition_entries ce "
        "JOIN athletes a ON a.id = ce.athlete_id ORDER BY ce.competition_id, a.external_id",
        "INSERT INTO competition_entries (competition_id, athlete_id, division) "
        "SELECT r.competition_id::uuid, a.id, r.division FROM restored r JOIN athletes a ON a.external_id = r.athlete "
        "ON CONFLICT DO NOTHING"),
    "result_judging.csv": (
        f"SELECT result_id, session_date, status, penalty, penalty_unit, reason, {_ISO.format(col='judged_at')} AS judged_at "
        "FROM result_judging ORDER BY result_id",
        "INSERT INTO result_judging (result_id, session_date, status, penalty, penalty_unit, reason, judged_at) "
        "SELECT result_id::uuid, session_date::date, status, penalty::numeric, NULLIF(penalty_unit, ''), reason, "
        "judged_at::timestamptz FROM restored ON CONFLICT DO NOTHING"),
    "workout_merges.csv": (
        f"SELECT id, kept_id, dropped_id, kind, dropped_row, dropped_limits, moved_sessions, flags, "
        f"{_ISO.format(col='merged_at')} AS merged_at, {_ISO.format(col='undone_at')} AS undone_at "
        "FROM workout_merges ORDER BY id",
        "INSERT INTO workout_merges (id, kept_id, dropped_id, kind, dropped_row, dropped_limits, moved_sessions, flags, "
        "merged_at, undone_at) SELECT id::bigint, kept_id::uuid, dropped_id::uuid, kind, dropped_row::jsonb, "
        "NULLIF(dropped_limits, '')::jsonb, moved_sessions::uuid[], flags::jsonb, merged_at::timestamptz, "
        "NULLIF(undone_at, '')::timestamptz FROM restored ON CONFLICT DO NOTHING"),
    "load_history.csv": (
        f"SELECT id, table_name, row_id, old_row, new_row, source, {_ISO.format(col='replaced_at')} AS replaced_at "
        "FROM load_history ORDER BY id",
        "INSERT INTO load_history (id, table_name, row_id, old_row, new_row, source, replaced_at) "
        "SELECT id::bigint, table_name, row_id::uuid, old_row::jsonb, new_row::jsonb, source, replaced_at::timestamptz "
        "FROM restored ON CONFLICT DO NOTHING"),
}

MODELS_FILE = "difficulty_models.jsonl"
MANIFEST = "manifest.json"
FORMAT = 1  # the manifest's format; a newer one is refused by an older wodlab
_MODELS = """
    SELECT version, params, metrics, notes, applied_at IS NOT NULL AND applied_at = max(applied_at) OVER () AS active
    FROM difficulty_models ORDER BY fitted_at, version
"""
EXPORT_FILES = (*TABLES, *RECORDS, MODELS_FILE, MANIFEST)  # besides wods/


def _file_name(title: str, wod_id: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")[:60] or "workout"
    return f"{slug}-{wod_id}.wod"


def _copy_out(conn: Connection, sql: str, path: Path) -> int:
    """COPY (query) TO a CSV file with a header, in the export's transaction; the rows written, as COPY counts
    them (reading the file back would count the line breaks inside quoted notes as rows)."""
    with conn.connection.dbapi_connection.cursor() as cursor:
        with open_private(path, "wb") as out, cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER)") as copy:
            for block in copy:
                out.write(block)
        return cursor.rowcount


def export_box(engine: Engine, directory: Path | str, *, force: bool = False) -> dict[str, int]:
    """Write the database as a box folder (see the module's docstring); {file or folder: rows written}."""
    directory = Path(directory)
    _make_room(directory, force)
    private_folder(directory / "wods")
    private_folder(directory)
    counts: dict[str, int] = {}
    rows: dict[str, int] = {}
    # One snapshot for every file: a load that commits during the export is in all of them or in none.
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        conn.exec_driver_sql("SET TRANSACTION READ ONLY")
        stored = wods.documents(conn)
        models = conn.execute(sa.text(_MODELS)).all()
        for wod in stored:
            name = f"wods/{_file_name(wod.title, wod.id)}"
            write_private(directory / name, wod.source.encode("utf-8"))
            rows[name] = 1
        counts["wods"] = len(stored)
        for name, sql in [*TABLES.items(), *((name, select) for name, (select, _) in RECORDS.items())]:
            counts[name] = rows[name] = _copy_out(conn, sql, directory / name)
        conn.rollback()
    with open_private(directory / MODELS_FILE, encoding="utf-8") as out:
        for model in models:
            out.write(json.dumps({"version": model.version, "params": model.params, "metrics": model.metrics,
                                  "notes": model.notes, "active": bool(model.active)}) + "\n")
    counts[MODELS_FILE] = rows[MODELS_FILE] = len(models)
    _write_manifest(directory, rows)
    return counts


def _make_room(directory: Path, force: bool) -> None:
    """Refuse a folder that is not empty; with force, remove an earlier export's files (and only those)."""
    if not directory.exists():
        return
    if not directory.is_dir():
        raise WodlabError(f"{directory} is a file, not a folder: export into a new folder")
    present = sorted(directory.iterdir())
    if not present:
        return
    if not force:
        raise WodlabError(f"{directory} is not empty ({len(present)} entries): export into a new folder, or pass "
                          "--force (force=True) to replace an earlier export there")
    foreign = [p.name for p in present if p.name not in EXPORT_FILES and not (p.name == "wods" and p.is_dir())]
    foreign += [f"wods/{p.name}" for p in _children(directory / "wods") if p.suffix != ".wod" or not p.is_file()]
    if foreign:
        raise WodlabError(f"{directory} holds files an export does not write ({', '.join(foreign[:5])}): "
                          "--force only replaces an earlier export; choose another folder")
    for p in present:
        shutil.rmtree(p) if p.is_dir() else p.unlink()


def _children(folder: Path) -> list[Path]:
    return sorted(folder.iterdir()) if folder.is_dir() else []


def _digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as data:
        for block in iter(lambda: data.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def _write_manifest(directory: Path, rows: dict[str, int]) -> None:

    files = {name: {"rows": n, "bytes": (directory / name).stat().st_size, "sha256": _digest(directory / name)}
             for name, n in sorted(rows.items())}
    manifest = {"format": FORMAT, "wodlab": wodlab_version(),
                "exported_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "files": files}
    write_private(directory / MANIFEST, json.dumps(manifest, indent=1) + "\n")


def verify(directory: Path) -> dict | None:
    """Check a box folder against its manifest before anything is loaded: every file listed is there with
    its bytes and checksum, and no data file is there that the manifest does not list. None for a folder
    without a manifest (a box written by hand or by the simulator); WodlabError naming every mismatch."""
    path = directory / MANIFEST
    if not path.is_file():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        files = manifest["files"]
        newer = manifest["format"] > FORMAT
    except (ValueError, KeyError, TypeError) as problem:
        raise WodlabError(f"{path}: not an export's manifest ({problem!r})") from None
    if newer:
        raise WodlabError(f"{path}: written by a newer wodlab (format {manifest['format']}); upgrade wodlab to load it")
    problems = []
    for name, expected in files.items():
        file = directory / name
        if not file.is_file():
            problems.append(f"{name}: missing (the export wrote {expected['rows']} rows)")
        elif file.stat().st_size != expected["bytes"]:
            problems.append(f"{name}: {file.stat().st_size:,} bytes where the export wrote {expected['bytes']:,} "
                            "(cut short or changed)")
        elif _digest(file) != expected["sha256"]:
            problems.append(f"{name}: changed since the export (its SHA-256 differs)")
    data_files = [p.name for p in _children(directory) if p.suffix in (".csv", ".jsonl") and p.is_file()]
    data_files += [f"wods/{p.name}" for p in _children(directory / "wods") if p.suffix == ".wod"]
    problems += [f"{name}: not in the manifest (added after the export)" for name in data_files if name not in files]
    if problems:
        raise WodlabError(f"{directory} does not match its manifest; nothing was loaded "
                          "(restore an intact copy, or remove manifest.json to load the files as they are):\n  "
                          + "\n  ".join(problems))
    return manifest


def restore_records(conn: Connection, directory: Path) -> dict[str, int]:
    """The tables no loader reads (RECORDS), put back from their files in the box load's transaction; rows
    restored by file. A folder without them (an older export, a hand-made box) restores none."""
    restored = {}
    for name, (_, insert) in RECORDS.items():
        path = directory / name
        if not path.is_file():
            continue
        with path.open("rb") as data:
            header = data.readline().decode("utf-8").strip().split(",")
            conn.exec_driver_sql("CREATE TEMP TABLE restored (" + ", ".join(f'"{c}" TEXT' for c in header)
                                 + ") ON COMMIT DROP")
            with conn.connection.dbapi_connection.cursor() as cursor:
                data.seek(0)
                with cursor.copy("COPY restored FROM STDIN WITH (FORMAT csv, HEADER)") as copy:
                    for block in iter(lambda: data.read(1 << 20), b""):
                        copy.write(block)
        restored[name] = conn.exec_driver_sql(insert).rowcount
        conn.exec_driver_sql("DROP TABLE restored")
    # ids restored verbatim: the next correction's (and merge's) id comes after them
    for table in ("load_history", "workout_merges"):
        conn.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                             f"COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)")
    return restored
