"""The shared path of every tabular load: read, validate every row, then COPY in one transaction.

A loader module (athletes.py, sessions.py, results.py, events.py) describes its table with a
TableSpec: its columns, and a function turning one input row into one table row or raising
RowProblem. This module does the rest:

- reads CSV, JSON Lines or a DataFrame, everything as text, each row labelled with the line the
  editor shows it on (blank lines and quoted line breaks counted), or the DataFrame's index;
- validates every row before writing anything, and collects every problem (row, column, reason);
- loads nothing when any row is bad, unless skip_bad, which loads the good rows and writes the
  bad ones, with their reasons, to a reject file;
- a clean CSV file or DataFrame of a spec with a `columnar` function first goes the columnar path
  (wodlab.load.columnar: batches, each distinct value checked once, COPY as CSV); at the first doubt it
  is rolled back and the file goes the row path below, which names every problem;
- writes with COPY straight into the table when none of the rows' ids is stored yet, otherwise
  into a temporary table, then INSERT ... ON CONFLICT DO NOTHING, all in one transaction: loading
  the same file twice adds nothing, and a failure leaves the table as it was;
- makes the month partitions the rows go to (TableSpec.monthly); the leaderboards follow in the
  same transaction, kept by the database's triggers for exactly the rows written (wodlab.store.workout_standings);
- a row whose id is stored with other values is a correction: the load is refused (ConflictError,
  each conflict with its row, old and new values) unless update=True, which updates the row and
  keeps its previous values in load_history, with when and from which file;
- a load that changed much of its table analyzes it before returning (wodlab.store.statistics): the
  next query is planned for the rows now there;
- a deadlock with a concurrent load of the same rows is retried (rows are written in id order,
  which makes deadlocks rare; a few retries make them harmless).

Every load returns a LoadReport, the one report type of wodlab's loads (workouts included).
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy.engine import Connection, Engine

from wodlab.core.errors import DatabaseError, DatabaseUnavailable
from wodlab.load import columnar
from wodlab.load.reading import TableSpec, check_header, column_limits, read_rows, validate, write_rejects
from wodlab.load.report import ConflictError, LoadError, LoadReport, Outcome, Problem
from wodlab.load.writing import Written, conflicts_of, copy_insert, make_month_partitions
from wodlab.store import statistics
from wodlab.store.db import connected, lost_connection

# --- validating and writing -----------------------------------------------------------------------------------


def transaction(target: Engine | Connection):
    """A connection in a transaction: the caller's own (a box loaded as one), or a new one committed at the end."""
    return connected(target, begin=True)


DEADLOCK_RETRIES = 3
RETRYABLE = (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure)


def load(target: Engine | Connection, spec: TableSpec, source, *, skip_bad: bool = False, update: bool = False,
         rejects: Path | str | None = None, progress: bool | None = None, source_name: str | None = None) -> LoadReport:
    """Load one file or DataFrame into spec.table: all rows or none (unless skip_bad); see the module docstring.
    source_name: what messages call a DataFrame made from a file (its path), instead of "DataFrame"."""
    name = source_name or ("DataFrame" if isinstance(source, pd.DataFrame) else str(source))
    show = (sys.stderr.isatty() and _large(source)) if progress is None else progress
    for attempt in range(DEADLOCK_RETRIES):
        try:
            with transaction(target) as conn:
                # what rows are checked against, read once for both paths: a correction the columnar
                # path declines (its id is stored) is checked by the row path without reading it again
                context = functools.cache(lambda: spec.context(conn))  # noqa: B023 - called in this iteration only
                report = _load_columnar(conn, spec, source, name, show, context) or _load_rows(
                    conn, spec, source, name, skip_bad, update, rejects, show, context)
            statistics.refresh_after_write(target, spec.table, report.inserted + report.updated)
            return report
        except RETRYABLE as exc:
            if isinstance(target, Connection) or attempt == DEADLOCK_RETRIES - 1:
                raise DatabaseError(f"{name}: writing {spec.table} failed after {attempt + 1} tries, nothing was loaded: "
                                    f"{exc}; load the file again") from exc
        except psycopg.OperationalError as exc:
            if not lost_connection(exc):
                raise DatabaseError(f"{name}: writing {spec.table} failed, nothing was loaded: {exc}") from exc
            # the server went away mid-load: the transaction is lost whole
            raise DatabaseUnavailable(f"{name}: the database went away while writing {spec.table}; nothing was "
                                      f"loaded ({str(exc).strip().splitlines()[0] if str(exc).strip() else exc!r})") from exc
        except psycopg.Error as exc:  # e.g. a session deleted between the checks and the write
            raise DatabaseError(f"{name}: writing {spec.table} failed, nothing was loaded: {exc}") from exc
    raise AssertionError("unreachable")  # pragma: no cover


def _large(source) -> bool:
    """Worth a progress bar: a file over 1 MB, or a DataFrame over 10,000 rows."""
    if isinstance(source, pd.DataFrame):
        return len(source) > 10_000
    path = Path(source)
    return path.is_file() and path.stat().st_size > 1 << 20


def _load_columnar(conn: Connection, spec: TableSpec, source, name: str, show: bool, context_of) -> LoadReport | None:
    """The load by the columnar path (wodlab.load.columnar) when the spec has one and the input suits it; None
    otherwise, with nothing written. Every row it reads it writes (it declines a file with any problem
    or repeat), so the report's rows read are its rows written."""
    batches = _columnar_batches(spec, source)
    if batches is None:
        return None
    context = context_of()
    raw = conn.connection.driver_connection
    now = raw.execute("SELECT NOW()::text").fetchone()[0]  # what COALESCE(column, NOW()) gives

    if spec.monthly:  # a monthly table's rows carry a session's date (its context, SessionRefs, knows them all):
        make_month_partitions(raw, spec.table, set(context.dates.values()))  # every month made before one COPY
    written = columnar.load_batches(raw, spec.table, spec.columns, batches,
                                    lambda batch: _columns_of(spec, context, now, batch), show)
    if written is None:
        return None
    return LoadReport(spec.table, name, rows_read=written, inserted=written)


def _columnar_batches(spec: TableSpec, source):
    """The input's batches of text columns (a CSV file streamed, a DataFrame whole), or None when the
    spec has no columnar path or the input is not one it reads (JSON Lines, unknown columns)."""
    if spec.columnar is None:
        return None
    known = spec.required + spec.optional
    if isinstance(source, pd.DataFrame):
        frame, _ = read_rows(source)
        return columnar.Batches(lambda: columnar.frame_batches(frame), several=False) if set(frame.columns) <= set(
            known) else None
    path = Path(source)
    if path.suffix.lower() != ".csv" or not path.is_file():
        return None
    return columnar.Batches(lambda: columnar.csv_batches(path, known), several=path.stat().st_size > columnar.BATCH_BYTES)


def _columns_of(spec: TableSpec, context, now: str, batch: dict) -> pa.Table | None:
    """One batch as the table's columns (spec.columnar), missing optional columns empty and defaults
    applied as the straight COPY applies them (COALESCE(column, NOW())); None to decline."""
    if not set(spec.required) <= set(batch):
        return None
    size = len(batch[spec.required[0]])
    for column in spec.optional:
        batch.setdefault(column, pa.array([""] * size, pa.string()))
    table = spec.columnar(batch, context)
    for column in spec.casts if table is not None else ():
        table = table.set_column(table.column_names.index(column), column, pc.fill_null(table[column], now))
    return table


def _load_rows(conn: Connection, spec: TableSpec, source, name: str, skip_bad: bool, update: bool, rejects,
               show: bool, context_of) -> LoadReport:
    """The row path: every row read, checked and reported with its line; see the module docstring."""
    frame, _ = read_rows(source)
    check_header(spec, frame, name)
    for column in spec.optional:
        if column not in frame.columns:
            frame[column] = ""
    report = LoadReport(spec.table, name, rows_read=len(frame))
    good, rows, problems, bad = validate(spec, frame, context_of(), show, column_limits(conn, spec.table))
    if problems and not skip_bad:
        raise LoadError(name, problems)
    repeated = len(frame) - len(good) - len(problems)  # identical rows given twice: stored once
    written = copy_insert(conn, spec, good, update=update, source=name) if good else Written(0, 0, [], [])
    if written.conflicts:
        conflicts = conflicts_of(spec, written.conflicts, rows, good)
        if not skip_bad:
            raise ConflictError(name, conflicts)
        clash = {c.row_id for c in conflicts}
        kept = [(r, label) for r, label in zip(good, rows) if str(r[0]) not in clash]
        positions = {label: i for i, label in enumerate(frame.index)}
        problems += [Problem(c.row, next(iter(c.changes)), f"{c} (load with --update to correct it)") for c in conflicts]
        bad += [positions[c.row] for c in conflicts]
        good, rows = [r for r, _ in kept], [label for _, label in kept]
        written = copy_insert(conn, spec, good, source=name) if good else Written(0, 0, [], [])
    if problems:
        default = Path(name).with_suffix(".rejects.csv") if name != "DataFrame" else Path(f"{spec.table}.rejects.csv")
        report.reject_file = write_rejects(frame, bad, problems, Path(rejects) if rejects else default)
        for p in problems:
            report.add(Outcome(name, p.row if isinstance(p.row, int) else None, None, None, "rejected",
                               f"column {p.column!r}: {p.reason}"))
    row_of = dict(zip((r[0] for r in good), rows))
    for row_id in written.updated:
        report.add(Outcome(name, _int_or_none(row_of.get(row_id)), None, None, "updated", "corrected; old values in load_history"))
    report.inserted, report.unchanged = written.inserted, written.unchanged + repeated
    return report


def _int_or_none(value) -> int | None:
    return value if isinstance(value, int) else None
