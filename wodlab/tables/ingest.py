"""Import workouts: .wod files, folders, or wodcraft's standard library, with a LoadReport.

Every file is compiled before anything is written. A file that does not compile, cannot be read
as text, or holds no workout is rejected whole (its reason names the line) and writes nothing;
each other file is stored in one transaction, so a folder import always finishes with a report
of every file.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from wodcraft import library

from wodlab.core.errors import Diagnostic, WodCompileError, WodlabError
from wodlab.core.progress import progress as with_progress
from wodlab.load.loading import DEADLOCK_RETRIES, RETRYABLE, transaction
from wodlab.load.report import LoadReport, Outcome
from wodlab.store.cache import WODCraftCache
from wodlab.tables.wod_records import compile_records
from wodlab.tables.wods import insert_records, stored_ids
from wodlab.workouts.difficulty_model import BASELINE, DifficultyModel


@dataclass(frozen=True)
class WodFile:
    """One file of WODCraft text (or one library entry): what is compiled and reported as a unit."""

    name: str  # shown in reports and diagnostics: the path, or "library:girls/fran"
    text: str | None  # None: read from `path` when compiled, so a file that cannot be read is reported like the rest
    path: Path | None = None  # for `use` lines relative to the file


def read_wod_text(path: Path) -> str:
    """A .wod file's text: UTF-8, a BOM (as Windows editors save) dropped; WodCompileError naming the line otherwise."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise WodCompileError([Diagnostic("W001", line, column, f"byte 0x{data[exc.start]:02x} is not UTF-8 text",
                                          "save the file as UTF-8")], str(path)) from None
    if "\x00" in text:
        before = text[: text.index("\x00")]
        raise WodCompileError([Diagnostic("W002", before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1,
                                          "a NUL byte: this is not a text file")], str(path))
    return text


def expand_paths(paths) -> list[WodFile]:
    """Files as given; folders walked for *.wod, sorted so imports are reproducible."""
    found: list[WodFile] = []
    for raw in [paths] if isinstance(paths, (str, Path)) else paths:
        path = Path(raw)
        if path.is_dir():
            files = sorted(path.rglob("*.wod"))
        elif path.is_file():
            files = [path]
        else:
            raise WodlabError(f"{path}: no such file or folder")
        found += [WodFile(str(f), None, f) for f in files]
    return found


def library_files() -> list[WodFile]:
    """Every workout of wodcraft's standard library, read from the installed package."""
    return [WodFile(f"library:{e.path}", e.source, e.file) for e in library.entries()]


def compile_file(wod_file: WodFile, model: DifficultyModel = BASELINE, cache: WODCraftCache | None = None) -> list:
    """Every workout of one file as WodRecords; WodCompileError (with the file and line) otherwise."""
    text = read_wod_text(wod_file.path) if wod_file.text is None else wod_file.text
    name = str(wod_file.path) if wod_file.path else wod_file.name
    return compile_records(text, name, model=model, cache=cache)


# From this many files an import compiles in worker processes, one per core (wodcraft is pure Python:
# one core compiles ~1,300 workouts/s). Workers compile without the compile cache, which lives in
# this process (an LRU) or behind a client each worker would have to open; a bulk import of this
# size is a first import, where the cache would miss anyway.
PARALLEL_FILES = 400
MAX_WORKERS = 4


def _compile_one(wod_file: WodFile, model: DifficultyModel, cache: WODCraftCache | None) -> tuple:
    """(records, None, None), or (None, diagnostics, None) when it does not compile, or (None, None,
    what went wrong) when it could not be read or compiled at all; plain values, which a worker
    process can send back."""
    try:
        return compile_file(wod_file, model, cache), None, None
    except WodCompileError as exc:
        return None, list(exc.diagnostics), None
    except (OSError, RecursionError, ValueError, KeyError, TypeError) as exc:  # unreadable, or the compiler choked
        return None, None, repr(exc)


def _compiled(files: list[WodFile], model: DifficultyModel, cache: WODCraftCache | None):
    """_compile_one of each file, in order: here, or in worker processes for a large import."""
    workers = min(os.cpu_count() or 1, MAX_WORKERS)
    if len(files) < PARALLEL_FILES or workers < 2:
        yield from (_compile_one(f, model, cache) for f in files)
        return
    # fork: the workers start in milliseconds (spawn would import wodlab and wodcraft again, a second
    # each). They never touch the parent's database connections and leave by os._exit.
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        yield from pool.map(_compile_one, files, itertools.repeat(model), itertools.repeat(None), chunksize=32)


def import_files(target: Engine | Connection, files: list[WodFile], *, strict: bool = False,
                 progress: bool | None = None, model: DifficultyModel = BASELINE, cache: WODCraftCache | None = None
                 ) -> LoadReport:
    """Compile every file (through the compile `cache` when given) and store each file's workouts, all or
    none (a savepoint per file), committing every STORE_BATCH files.

    A rejected file writes nothing; the others are stored. With strict=True any rejection raises
    WodCompileError before anything is written. Otherwise files are stored as they compile: a large
    import's worker processes compile the next files while this one stores. Given a Connection,
    everything happens in the caller's transaction (a box loaded as one).
    """
    report = LoadReport("wod_definitions")
    accepted = _accepted(files, model, cache, report, strict)
    if strict:
        accepted = list(accepted)  # every file compiles before anything is written
    show = sys.stderr.isatty() if progress is None else progress
    pending = with_progress(accepted, show and len(files) >= 20, desc="storing workouts", unit="file",
                            total=len(files))
    for batch in _batches(pending, STORE_BATCH):
        with transaction(target) as conn:
            stored = _store_batch(conn, batch, target)
            # a text already present may be stored under another id (merged into another workout, or stored
            # first by another application): the report gives the id it resolves to
            present = [r for (_, records), created in zip(batch, stored) if not isinstance(created, Exception)
                       for r in records if not created[r.id]]
            ids = stored_ids(conn, present) if present else {}
            for (wod_file, records), created in zip(batch, stored):
                if isinstance(created, Exception):
                    report.add(Outcome(wod_file.name, None, None, None, "rejected", f"could not be stored: {created}"))
                    continue
                for record in records:
                    status = "new" if created[record.id] else "present"
                    report.add(Outcome(wod_file.name, record.first_line, record.title,
                                       str(record.id) if created[record.id] else ids[record.source_hash], status))
    report.rows_read = len(report.outcomes)
    return report


def _accepted(files: list[WodFile], model: DifficultyModel, cache: WODCraftCache | None, report: LoadReport,
              strict: bool):
    """(file, records) of each file that compiles, in order; the others reported rejected (strict: raised)."""
    for wod_file, (records, diagnostics, failure) in zip(files, _compiled(files, model, cache)):
        if records is not None:
            yield wod_file, records
        elif strict:
            if diagnostics is not None:
                raise WodCompileError(diagnostics, wod_file.name)
            raise WodCompileError([Diagnostic("W004", 1, 1, f"could not be compiled: {failure}")], wod_file.name)
        elif diagnostics is not None:
            first = diagnostics[0].line if diagnostics else None
            report.add(Outcome(wod_file.name, first, None, None, "rejected", "\n".join(str(d) for d in diagnostics)))
        else:
            report.add(Outcome(wod_file.name, None, None, None, "rejected", f"could not be compiled: {failure}"))


def _store_batch(conn: Connection, batch: list, target: Engine | Connection) -> list:
    """Each file's {id: created?}, or the database's error for a file that could not be stored.

    The batch goes in as one pipeline under one savepoint. Should the server refuse a row (rare:
    compiled workouts are valid rows), the savepoint is rolled back and each file is stored under
    a savepoint of its own, so that only the file at fault is rejected."""
    files = [records for _, records in batch]
    if isinstance(target, Connection):  # inside the caller's transaction (a box): any failure is the caller's
        return _created_by_file(files, conn)
    try:
        return _with_retries(conn, lambda: _created_by_file(files, conn))
    except sa.exc.DBAPIError:
        pass
    stored = []
    for _, records in batch:
        try:
            stored.append(_store(conn, records))
        except sa.exc.DBAPIError as exc:
            stored.append(exc.orig)
    return stored


def _created_by_file(files: list[list], conn: Connection) -> list[dict]:
    """insert_records of every workout of the files, in id order (two imports of the same workouts then lock
    them in the same order); a workout that two files share is new for the first of them only."""
    ordered = sorted((r for records in files for r in records), key=lambda r: str(r.id))
    created = dict.fromkeys((r.id for r in ordered), False)
    for record, new in zip(ordered, insert_records(conn, ordered)):
        created[record.id] |= new
    seen, by_file = set(), []
    for records in files:
        by_file.append({r.id: created[r.id] and r.id not in seen for r in records})
        seen.update(r.id for r in records)
    return by_file


# Files stored per transaction: each file is atomic on its own (a savepoint), and committing once per
# batch rather than once per file takes import from ~1,500 to ~2,000 files/s on the store side.
STORE_BATCH = 100


def _batches(items, size: int):
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _store(conn: Connection, records: list) -> dict:
    """Insert one file's workouts, all or none, under a savepoint of its own (a failure takes back this file
    only); {id: created?}."""
    return _with_retries(conn, lambda: _created_by_file([records], conn)[0])


def _with_retries(conn: Connection, store):
    """store() under a savepoint, retried a few times when it is chosen as a deadlock's victim."""
    for attempt in range(DEADLOCK_RETRIES):
        try:
            with conn.begin_nested():
                return store()
        except sa.exc.OperationalError as exc:
            if not isinstance(exc.orig, RETRYABLE) or attempt == DEADLOCK_RETRIES - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover
