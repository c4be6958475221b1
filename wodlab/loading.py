"""The shared path of every tabular load: read, validate every row, then COPY in one transaction.

A loader module (athletes.py, sessions.py, results.py, events.py) describes its table with a
TableSpec: its columns, and a function turning one input row into one table row or raising
RowProblem. This module does the rest:

- reads CSV, JSON Lines or a DataFrame, everything as text, each row labelled with the line the
  editor shows it on (blank lines and quoted line breaks counted), or the DataFrame's index;
- validates every row before writing anything, and collects every problem (row, column, reason);
- loads nothing when any row is bad, unless skip_bad, which loads the good rows and writes the
  bad ones, with their reasons, to a reject file;
- writes with COPY into a temporary table, then INSERT ... ON CONFLICT DO NOTHING, all in one
  transaction: loading the same file twice adds nothing, and a failure leaves the table as it was.

Every load returns a LoadReport, the one report type of wodlab's loads (workouts included).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import psycopg
from sqlalchemy.engine import Connection, Engine

from wodlab.errors import DatabaseError, WodlabError
from wodlab.fields import RowProblem
from wodlab.frames import INT, TEXT, typed_frame
from wodlab.progress import progress as with_progress

MAX_PROBLEMS_SHOWN = 50


@dataclass(frozen=True)
class Problem:
    row: int  # the line of the file as an editor shows it (header = line 1), or the DataFrame's index label
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


# --- the load report ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Outcome:
    """One line of a load report: a workout stored or found, a file or a row rejected."""

    source: str  # file path, "library:girls/fran", or "DataFrame"
    row: int | None  # the line where the workout or row starts in its file
    title: str | None
    wod_id: str | None
    status: str  # new | present | rejected
    reason: str | None = None


REPORT_SCHEMA = {"source": TEXT, "row": INT, "title": TEXT, "wod_id": TEXT, "status": TEXT, "reason": TEXT}
STATUSES = ("new", "present", "rejected")


@dataclass
class LoadReport:
    """What a load did: counts of new, already present and rejected rows, and why rows were rejected."""

    table: str
    source: str = ""
    rows_read: int = 0
    inserted: int = 0
    already_present: int = 0
    rejected: int = 0
    reject_file: Path | None = None
    outcomes: list[Outcome] = field(default_factory=list)  # workouts: each one; tables: each rejected row

    def add(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)
        if outcome.status == "new":
            self.inserted += 1
        elif outcome.status == "present":
            self.already_present += 1
        else:
            self.rejected += 1

    def count(self, status: str) -> int:
        return {"new": self.inserted, "present": self.already_present, "rejected": self.rejected}[status]

    @property
    def ok(self) -> bool:
        return self.rejected == 0

    @property
    def ids(self) -> list[str]:
        return [o.wod_id for o in self.outcomes if o.wod_id]

    def to_frame(self) -> pd.DataFrame:
        """REPORT_SCHEMA: one row per workout or rejected file (workouts), per rejected row (tables)."""
        return typed_frame([o.__dict__ for o in self.outcomes], REPORT_SCHEMA)

    def summary(self) -> str:
        if self.table == "wod_definitions":
            lines = [f"{self.inserted} new, {self.already_present} already present, {self.rejected} rejected"]
            lines += [f"  rejected {o.source}:\n    {o.reason.replace(chr(10), chr(10) + '    ')}"
                      for o in self.outcomes if o.status == "rejected"]
            return "\n".join(lines)
        text = f"{self.table}: {self.rows_read} rows read, {self.inserted} new, {self.already_present} already present"
        if self.rejected:
            text += f", {self.rejected} rejected (written to {self.reject_file})"
        return text


# --- table specs ---------------------------------------------------------------------------

@dataclass(frozen=True)
class TableSpec:
    table: str
    columns: tuple[str, ...]  # table columns the row function returns, in order
    required: tuple[str, ...]  # input columns that must be present in the file
    optional: tuple[str, ...]  # input columns that may be
    row: Callable  # (dict of input text, context) -> tuple of column values; raises RowProblem
    context: Callable  # (connection, DataFrame) -> whatever the row function needs to look up
    casts: dict = field(default_factory=dict)  # column -> SQL expression over the staged column (defaults)


# --- reading ---------------------------------------------------------------------------------------------------

def read_rows(source) -> tuple[pd.DataFrame, str]:
    """(all-text frame indexed by the row label problems are reported with, name for messages)."""
    if isinstance(source, pd.DataFrame):  # problems then name the frame's own index labels
        return source.astype(object).where(source.notna(), "").astype(str), "DataFrame"
    path = Path(source)
    if not path.is_file():
        raise WodlabError(f"{path}: no such file")
    if path.suffix in (".jsonl", ".ndjson"):
        return _read_jsonl(path), str(path)
    return _read_csv(path), str(path)


def _text_lines(path: Path) -> str:
    """The file's text (UTF-8, a BOM tolerated); WodlabError naming the line of the first undecodable byte."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise WodlabError(f"{path}: line {line} is not UTF-8 text (byte {exc.start}); save the file as UTF-8") from None


def _read_csv(path: Path) -> pd.DataFrame:
    text = _text_lines(path)
    reader = csv.reader(io.StringIO(text, newline=""), skipinitialspace=True, strict=True)
    header, rows, lines, last = None, [], [], 0
    try:
        for record in reader:
            first, last = last + 1, reader.line_num
            if not record or (len(record) == 1 and not record[0].strip()):
                continue  # a blank line: counted in the line numbers, not a row
            if header is None:
                header = [name.strip() for name in record]
                continue
            if len(record) > len(header):
                raise LoadError(str(path), [Problem(first, header[-1], f"{len(record)} fields, the header has {len(header)}")])
            rows.append(record + [""] * (len(header) - len(record)))
            lines.append(first)
    except csv.Error as exc:
        raise WodlabError(f"{path}: line {reader.line_num}: {exc} (an unclosed quote?)") from None
    if header is None:
        raise WodlabError(f"{path}: the file is empty; expected a header line naming the columns")
    return pd.DataFrame(rows, columns=header, index=pd.Index(lines, name="line"), dtype=str)


def _read_jsonl(path: Path) -> pd.DataFrame:
    records, lines = [], []
    for number, line in enumerate(_text_lines(path).splitlines(), start=1):
        if line.strip():
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                raise WodlabError(f"{path}: line {number} is not JSON: {exc.msg}, column {exc.colno}") from None
            if not isinstance(value, dict):
                raise WodlabError(f"{path}: line {number} is not a JSON object")
            records.append(value)
            lines.append(number)
    frame = pd.DataFrame(records, index=pd.Index(lines, name="line"))
    return frame.apply(lambda col: col.map(_json_text)) if len(frame.columns) else frame


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


# --- validating and writing -----------------------------------------------------------------------------------

def validate(spec: TableSpec, frame: pd.DataFrame, context, progress: bool) -> tuple[list, list[Problem], list[int]]:
    """Every row through the row function: (good rows, problems, positions of bad rows)."""
    good, problems, bad = [], [], []
    records = frame.to_dict("records")
    labels = list(frame.index)
    for position, record in enumerate(with_progress(records, progress, desc=f"checking {spec.table}", unit="row")):
        try:
            good.append(spec.row(record, context))
        except RowProblem as problem:
            problems.append(Problem(labels[position], problem.column, problem.reason))
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


@contextlib.contextmanager
def transaction(target: Engine | Connection) -> Iterator[Connection]:
    """A connection in a transaction: the caller's own (a box loaded as one), or a new one committed at the end."""
    if isinstance(target, Connection):
        yield target
        return
    with target.begin() as conn:
        yield conn


def load(target: Engine | Connection, spec: TableSpec, source, *, skip_bad: bool = False,
         rejects: Path | str | None = None, progress: bool | None = None) -> LoadReport:
    """Load one file or DataFrame into spec.table: all rows or none (unless skip_bad); see the module docstring."""
    frame, name = read_rows(source)
    _check_header(spec, frame, name)
    for column in spec.optional:
        if column not in frame.columns:
            frame[column] = ""
    show = (sys.stderr.isatty() and len(frame) > 10_000) if progress is None else progress
    report = LoadReport(spec.table, name, rows_read=len(frame))
    try:
        with transaction(target) as conn:
            good, problems, bad = validate(spec, frame, spec.context(conn, frame), show)
            if problems and not skip_bad:
                raise LoadError(name, problems)
            if problems:
                default = Path(name).with_suffix(".rejects.csv") if name != "DataFrame" else Path(f"{spec.table}.rejects.csv")
                report.reject_file = write_rejects(frame, bad, problems, Path(rejects) if rejects else default)
                for p in problems:
                    report.add(Outcome(name, p.row if isinstance(p.row, int) else None, None, None, "rejected",
                                       f"column {p.column!r}: {p.reason}"))
            report.inserted = copy_insert(conn, spec, good) if good else 0
            report.already_present = len(good) - report.inserted
    except psycopg.Error as exc:  # e.g. a session deleted between the checks and the write
        raise DatabaseError(f"{name}: writing {spec.table} failed, nothing was loaded: {exc}") from exc
    return report
