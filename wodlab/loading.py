"""The shared path of every tabular load: read, validate every row, then COPY in one transaction.

A loader (wodlab/results.py) describes a table with a TableSpec: its columns, and a function
turning one input row into one table row or raising RowProblem. This module does the rest:

- reads CSV, JSON Lines or a DataFrame, everything as text;
- validates every row before writing anything, and collects every problem (row, column, reason);
- loads nothing when any row is bad, unless skip_bad, which loads the good rows and writes the
  bad ones, with their reasons, to a reject file;
- writes with COPY into a temporary table, then INSERT ... ON CONFLICT DO NOTHING, all in one
  transaction: loading the same file twice adds nothing, and a failure leaves the table as it was.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import psycopg
from sqlalchemy.engine import Connection, Engine

from wodlab.errors import DatabaseError, WodlabError
from wodlab.progress import progress as with_progress

MAX_PROBLEMS_SHOWN = 50


class RowProblem(Exception):
    """Raised by a row function: what is wrong, and in which column."""

    def __init__(self, column: str, reason: str):
        super().__init__(reason)
        self.column, self.reason = column, reason


@dataclass(frozen=True)
class Problem:
    row: int  # the line of the file (header = line 1), or the DataFrame's index label
    column: str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column!r}: {self.reason}"


class LoadError(WodlabError):
    """Bad rows: nothing was loaded. Carries every problem."""

    def __init__(self, source: str, problems: list[Problem]):
        self.source, self.problems = source, problems
        shown = "\n".join(f"  {p}" for p in problems[:MAX_PROBLEMS_SHOWN])
        more = f"\n  ... and {len(problems) - MAX_PROBLEMS_SHOWN} more" if len(problems) > MAX_PROBLEMS_SHOWN else ""
        super().__init__(
            f"{source}: {len(problems)} bad row(s), nothing was loaded (fix them, or load the good rows with "
            f"--skip-bad / skip_bad=True):\n{shown}{more}"
        )


@dataclass(frozen=True)
class TableSpec:
    table: str
    columns: tuple[str, ...]  # table columns the row function returns, in order
    required: tuple[str, ...]  # input columns that must be present in the file
    optional: tuple[str, ...]  # input columns that may be
    row: Callable  # (dict of input text, context) -> tuple of column values; raises RowProblem
    context: Callable  # (connection, DataFrame) -> whatever the row function needs to look up
    casts: dict = field(default_factory=dict)  # column -> SQL expression over the staged column (defaults)


@dataclass
class LoadResult:
    table: str
    rows_read: int
    inserted: int
    already_present: int
    rejected: int
    reject_file: Path | None = None

    def summary(self) -> str:
        text = f"{self.table}: {self.rows_read} rows read, {self.inserted} new, {self.already_present} already present"
        if self.rejected:
            text += f", {self.rejected} rejected (written to {self.reject_file})"
        return text


def read_rows(source) -> tuple[pd.DataFrame, str, int]:
    """(all-text frame, name for messages, offset from position to reported row number)."""
    if isinstance(source, pd.DataFrame):  # problems then name the frame's own index labels
        return source.astype(object).where(source.notna(), "").astype(str), "DataFrame", 0
    path = Path(source)
    if not path.is_file():
        raise WodlabError(f"{path}: no such file")
    if path.suffix in (".jsonl", ".ndjson"):
        records = []
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip():
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise WodlabError(f"{path}: line {number} is not JSON: {exc.msg}, column {exc.colno}") from None
        frame = pd.DataFrame(records)
        as_text = frame.apply(lambda col: col.map(_json_text))
        return as_text, str(path), 1
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    return frame, str(path), 2


def _json_text(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def _check_header(spec: TableSpec, frame: pd.DataFrame, name: str) -> None:
    known = spec.required + spec.optional
    problems = [Problem(1, c, "required column is missing") for c in spec.required if c not in frame.columns]
    problems += [Problem(1, c, f"unknown column; expected some of: {', '.join(known)}")
                 for c in frame.columns if c not in known]
    if problems:
        raise LoadError(name, problems)


def validate(spec: TableSpec, frame: pd.DataFrame, context, offset: int, progress: bool) -> tuple[list, list[Problem], list[int]]:
    """Every row through the row function: (good rows, problems, positions of bad rows)."""
    good, problems, bad = [], [], []
    records = frame.to_dict("records")
    labels = list(frame.index)
    for position, record in enumerate(with_progress(records, progress, desc=f"checking {spec.table}", unit="row")):
        try:
            good.append(spec.row(record, context))
        except RowProblem as problem:
            row = labels[position] + offset if offset else labels[position]
            problems.append(Problem(row, problem.column, problem.reason))
            bad.append(position)
    return good, problems, bad


def write_rejects(frame: pd.DataFrame, bad: list[int], problems: list[Problem], path: Path) -> Path:
    rejected = frame.iloc[bad].copy()
    rejected.insert(0, "reject_reason", [p.reason for p in problems])
    rejected.insert(0, "reject_column", [p.column for p in problems])
    rejected.insert(0, "reject_row", [p.row for p in problems])
    rejected.to_csv(path, index=False)
    return path


def copy_insert(conn: Connection, spec: TableSpec, rows: list[tuple]) -> int:
    """COPY rows into a temporary table, then insert the ones not already there; return how many."""
    raw = conn.connection.driver_connection  # the psycopg connection, inside SQLAlchemy's transaction
    staging = f"staging_{spec.table}"
    columns = ", ".join(spec.columns)
    selected = ", ".join(spec.casts.get(c, c) for c in spec.columns)
    with raw.cursor() as cur:
        cur.execute(f"CREATE TEMP TABLE {staging} (LIKE {spec.table} INCLUDING DEFAULTS) ON COMMIT DROP")
        with cur.copy(f"COPY {staging} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cur.execute(f"INSERT INTO {spec.table} ({columns}) SELECT {selected} FROM {staging} ON CONFLICT DO NOTHING")
        inserted = cur.rowcount
        cur.execute(f"DROP TABLE {staging}")
    return inserted


def load(engine: Engine, spec: TableSpec, source, *, skip_bad: bool = False, rejects: Path | str | None = None,
         progress: bool | None = None) -> LoadResult:
    frame, name, offset = read_rows(source)
    _check_header(spec, frame, name)
    for column in spec.optional:
        if column not in frame.columns:
            frame[column] = ""
    show = (sys.stderr.isatty() and len(frame) > 10_000) if progress is None else progress
    with engine.connect() as conn:
        context = spec.context(conn, frame)
    good, problems, bad = validate(spec, frame, context, offset, show)
    if problems and not skip_bad:
        raise LoadError(name, problems)
    reject_file = None
    if problems:
        default = Path(name).with_suffix(".rejects.csv") if name != "DataFrame" else Path(f"{spec.table}.rejects.csv")
        reject_file = write_rejects(frame, bad, problems, Path(rejects) if rejects else default)
    try:
        with engine.begin() as conn:
            inserted = copy_insert(conn, spec, good) if good else 0
    except psycopg.Error as exc:  # e.g. a session deleted between the checks and the write
        raise DatabaseError(f"{name}: writing {spec.table} failed, nothing was loaded: {exc}") from exc
    return LoadResult(spec.table, len(frame), inserted, len(good) - inserted, len(problems), reject_file)
