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
  (wodlab.columnar: batches, each distinct value checked once, COPY as CSV); at the first doubt it
  is rolled back and the file goes the row path below, which names every problem;
- writes with COPY straight into the table when none of the rows' ids is stored yet, otherwise
  into a temporary table, then INSERT ... ON CONFLICT DO NOTHING, all in one transaction: loading
  the same file twice adds nothing, and a failure leaves the table as it was;
- makes the month partitions the rows go to (TableSpec.monthly); the leaderboards follow in the
  same transaction, kept by the database's triggers for exactly the rows written (wodlab.standings);
- a row whose id is stored with other values is a correction: the load is refused (ConflictError,
  each conflict with its row, old and new values) unless update=True, which updates the row and
  keeps its previous values in load_history, with when and from which file;
- a deadlock with a concurrent load of the same rows is retried (rows are written in id order,
  which makes deadlocks rare; a few retries make them harmless).

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
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from wodlab import columnar
from wodlab.db import lost_connection
from wodlab.errors import DatabaseError, DatabaseUnavailable, WodlabError
from wodlab.fields import RowProblem
from wodlab.frames import INT, TEXT, typed_frame
from wodlab.private import open_private
from wodlab.progress import progress as with_progress

MAX_PROBLEMS_SHOWN = 50


@dataclass(frozen=True)
class Problem:
    row: int  # the line of the file as an editor shows it (header = line 1), or the DataFrame's index label
    column: str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column!r}: {self.reason}"


def _listed(problems: list) -> str:
    shown = "\n".join(f"  {p}" for p in problems[:MAX_PROBLEMS_SHOWN])
    more = f"\n  ... and {len(problems) - MAX_PROBLEMS_SHOWN} more" if len(problems) > MAX_PROBLEMS_SHOWN else ""
    return shown + more


class LoadError(WodlabError):
    """Bad rows: nothing was loaded. Carries every problem."""

    def __init__(self, source: str, problems: list[Problem]):
        self.source, self.problems = source, problems
        super().__init__(
            f"{source}: {len(problems)} bad row(s), nothing was loaded (fix them, or load the good rows with "
            f"--skip-bad / skip_bad=True):\n{_listed(problems)}"
        )


@dataclass(frozen=True)
class Conflict:
    """A row whose id is stored with other values: a correction."""

    row: int
    row_id: str
    changes: dict  # column -> (stored value, value in the file)

    def __str__(self) -> str:
        shown = "; ".join(f"{c} stored {old!r}, file says {new!r}" for c, (old, new) in list(self.changes.items())[:3])
        return f"row {self.row}: {shown}"


class ConflictError(LoadError):
    """Rows that would change stored rows: nothing was loaded. Carries every conflict."""

    def __init__(self, source: str, conflicts: list[Conflict]):
        self.source, self.conflicts = source, conflicts
        self.problems = [Problem(c.row, next(iter(c.changes)), str(c)) for c in conflicts]
        WodlabError.__init__(
            self, f"{source}: {len(conflicts)} row(s) would change what is stored, nothing was loaded (load with "
                  f"--update / update=True to apply the corrections; the old values are kept in load_history):\n"
                  f"{_listed(conflicts)}")


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


@dataclass
class LoadReport:
    """What a load did: counts of new, unchanged, updated and rejected rows, and why rows were rejected."""

    table: str
    source: str = ""
    rows_read: int = 0
    inserted: int = 0
    unchanged: int = 0  # already stored with the same values
    updated: int = 0  # corrections applied (update=True); the old values are in load_history
    rejected: int = 0
    reject_file: Path | None = None
    outcomes: list[Outcome] = field(default_factory=list)  # workouts: each one; tables: each rejected or updated row

    @property
    def already_present(self) -> int:
        """Rows that were there already, whether unchanged or updated."""
        return self.unchanged + self.updated

    def add(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)
        if outcome.status == "new":
            self.inserted += 1
        elif outcome.status == "present":
            self.unchanged += 1
        elif outcome.status == "updated":
            self.updated += 1
        else:
            self.rejected += 1

    def count(self, status: str) -> int:
        return {"new": self.inserted, "present": self.unchanged, "updated": self.updated, "rejected": self.rejected}[status]

    @property
    def ok(self) -> bool:
        return self.rejected == 0

    @property
    def ids(self) -> list[str]:
        return [o.wod_id for o in self.outcomes if o.wod_id]

    def to_frame(self) -> pd.DataFrame:
        """REPORT_SCHEMA: one row per workout or rejected file (workouts), per rejected or updated row (tables)."""
        return typed_frame([o.__dict__ for o in self.outcomes], REPORT_SCHEMA)

    def summary(self) -> str:
        if self.table == "wod_definitions":
            lines = [f"{self.inserted} new, {self.unchanged} already present, {self.rejected} rejected"]
            lines += [f"  rejected {o.source}:\n    {o.reason.replace(chr(10), chr(10) + '    ')}"
                      for o in self.outcomes if o.status == "rejected"]
            return "\n".join(lines)
        text = (f"{self.table}: {self.rows_read} rows read, {self.inserted} new, {self.unchanged} unchanged, "
                f"{self.updated} updated")
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
    key_names: str = "id"  # how a row's id is named in messages ("external_id", "athlete and session"...)
    shown: tuple[str, ...] = ()  # columns a conflict message shows first (what a person reads: the score as written)
    # (batch of text columns, context) -> the batch's table columns as CSV text (pyarrow), or None: the
    # columnar path of a clean file (wodlab.columnar), giving exactly the rows `row` would
    # (tests/test_columnar.py compares them); None sends the whole load to the row path.
    columnar: Callable | None = None
    # the date column a table is partitioned on by month (migration 011): its months' partitions are
    # made before the rows are written
    monthly: str | None = None

    @property
    def compared(self) -> tuple[str, ...]:
        """The columns a reload may correct: all but the id and the defaulted ones (recorded_at)."""
        return tuple(c for c in self.columns[1:] if c not in self.casts)


# --- reading ---------------------------------------------------------------------------------------------------

def read_rows(source) -> tuple[pd.DataFrame, str]:
    """(all-text frame indexed by the row label problems are reported with, name for messages), every cell
    in Unicode's composed form (NFC)."""
    if isinstance(source, pd.DataFrame):  # problems then name the frame's own index labels
        return composed(source.astype(object).where(source.notna(), "").astype(str)), "DataFrame"
    path = Path(source)
    if not path.is_file():
        raise WodlabError(f"{path}: no such file")
    if path.suffix in (".jsonl", ".ndjson"):
        return composed(_read_jsonl(path)), str(path)
    return composed(_read_csv(path)), str(path)


def composed(frame: pd.DataFrame) -> pd.DataFrame:
    """Every text cell in NFC (columnar.nfc, the rule the columnar path applies too): stored text is NFC."""
    for position in range(frame.shape[1]):  # by position: a header may repeat a name (refused later, by name)
        text = pa.array(frame.iloc[:, position].to_numpy(dtype=object), type=pa.string())
        composed_text = columnar.nfc(text)
        if composed_text is not text:
            frame.isetitem(position, composed_text.to_numpy(zero_copy_only=False))
    return frame


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

def column_limits(conn: Connection, table: str) -> dict[str, int]:
    """The table's text columns of bounded length (VARCHAR(n)): {column: n}."""
    rows = conn.execute(sa.text("SELECT column_name, character_maximum_length FROM information_schema.columns "
                                "WHERE table_schema = current_schema() AND table_name = :t "
                                "AND character_maximum_length IS NOT NULL"), {"t": table}).all()
    return {name: size for name, size in rows}


def _within_limits(spec: TableSpec, values: tuple, limits: dict[str, int]) -> None:
    """RowProblem naming the first text value longer than its column holds (the database would refuse the
    whole COPY, naming a line of its own stream, not the file's row)."""
    for column, value in zip(spec.columns, values):
        if isinstance(value, str) and column in limits and len(value) > limits[column]:
            raise RowProblem(column, f"{len(value):,} characters; {column} holds at most {limits[column]}")


def validate(spec: TableSpec, frame: pd.DataFrame, context, progress: bool,
             limits: dict[str, int] | None = None) -> tuple[list, list, list[Problem], list[int]]:
    """Every row through the row function: (good rows, their row labels, problems, positions of bad rows).

    The first column of a row is its id (from its natural key): a second row with the same id and the
    same values is dropped (loaded once); with other values it is a problem naming the first row. A text
    value longer than its column (limits, from column_limits) is a problem of its row and column.
    """
    good, rows, problems, bad = [], [], [], []
    first_seen: dict = {}
    records = frame.to_dict("records")
    labels = list(frame.index)
    for position, record in enumerate(with_progress(records, progress, desc=f"checking {spec.table}", unit="row")):
        try:
            values = spec.row(record, context)
            _within_limits(spec, values, limits or {})
            if values[0] in first_seen:
                earlier, earlier_values = first_seen[values[0]]
                if earlier_values != values:
                    raise RowProblem(spec.key_names, f"the same {spec.key_names} as row {earlier}, with other values")
                continue
            first_seen[values[0]] = (labels[position], values)
            good.append(values)
            rows.append(labels[position])
        except RowProblem as problem:
            problems.append(Problem(labels[position], problem.column, problem.reason))
            bad.append(position)
    return good, rows, problems, bad


def write_rejects(frame: pd.DataFrame, bad: list[int], problems: list[Problem], path: Path) -> Path:
    rejected = frame.iloc[bad].copy()
    rejected.insert(0, "reject_reason", [p.reason for p in problems])
    rejected.insert(0, "reject_column", [p.column for p in problems])
    rejected.insert(0, "reject_row", [p.row for p in problems])
    with open_private(path, newline="", encoding="utf-8") as out:  # athletes' data: owner-only (wodlab.private)
        rejected.to_csv(out, index=False)
    return path


@dataclass
class Written:
    inserted: int
    unchanged: int
    updated: list  # ids updated
    conflicts: list  # (id, old row, new row) of stored rows the file would change


def copy_insert(conn: Connection, spec: TableSpec, rows: list[tuple], *, update: bool = False, source: str = "") -> Written:
    """COPY rows into a temporary table, compare them with what is stored, then write.

    New ids are inserted in id order (concurrent loads of the same rows then lock them in the same
    order). Ids stored with other values are conflicts: returned untouched, or with update=True,
    updated after their stored values are copied to load_history.
    """
    raw = conn.connection.driver_connection  # the psycopg connection, inside SQLAlchemy's transaction
    if spec.monthly:
        position = spec.columns.index(spec.monthly)
        make_month_partitions(raw, spec.table, {row[position] for row in rows})
    if rows and _copy_straight(raw, spec, rows):
        return Written(len(rows), 0, [], [])
    staging = f"staging_{spec.table}"
    columns = ", ".join(spec.columns)
    selected = ", ".join(spec.casts.get(c, c) for c in spec.columns)
    differs = (f"ROW({', '.join('s.' + c for c in spec.compared)}) IS DISTINCT FROM "
               f"ROW({', '.join('t.' + c for c in spec.compared)})")
    with raw.cursor() as cur:
        cur.execute(f"CREATE TEMP TABLE {staging} (LIKE {spec.table} INCLUDING DEFAULTS) ON COMMIT DROP")
        with cur.copy(f"COPY {staging} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cur.execute(f"SELECT s.id, to_jsonb(t), to_jsonb(s) FROM {staging} s JOIN {spec.table} t ON t.id = s.id "
                    f"WHERE {differs} ORDER BY s.id")
        conflicts = cur.fetchall()
        updated = []
        if conflicts and update:
            cur.execute(f"INSERT INTO load_history (table_name, row_id, old_row, new_row, source) "
                        f"SELECT %s, s.id, to_jsonb(t), to_jsonb(s), %s FROM {staging} s JOIN {spec.table} t ON t.id = s.id "
                        f"WHERE {differs} ORDER BY s.id", (spec.table, source))
            assignments = ", ".join(f"{c} = s.{c}" for c in spec.compared)
            cur.execute(f"UPDATE {spec.table} t SET {assignments} FROM {staging} s WHERE t.id = s.id AND {differs}")
            updated = [c[0] for c in conflicts]
            conflicts = []
        if conflicts:
            cur.execute(f"DROP TABLE {staging}")
            return Written(0, 0, [], conflicts)
        cur.execute(f"INSERT INTO {spec.table} ({columns}) SELECT {selected} FROM {staging} ORDER BY id ON CONFLICT DO NOTHING")
        inserted = cur.rowcount
        cur.execute(f"DROP TABLE {staging}")
    return Written(inserted, len(rows) - inserted - len(updated), updated, [])


def make_month_partitions(raw, table: str, days: set) -> None:
    """The month partitions of these days, made when missing (wodlab_month_partition, migration 011)."""
    with raw.cursor() as cur:
        for month in sorted({day.replace(day=1) for day in days}):
            cur.execute("SELECT wodlab_month_partition(%s, %s)", (table, month))


_BINARY_AS = {"bpchar": "text"}  # char(n) takes text's binary form
_TEXT_ONLY = {"json", "jsonb"}  # our rows carry JSON as text, which binary jsonb does not take


def _binary_types(cur, spec: TableSpec) -> list[str] | None:
    """Each column's type, for binary COPY; None when a column is better sent as text."""
    cur.execute("SELECT a.attname, t.typname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
                "WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped", (spec.table,))
    found = dict(cur.fetchall())
    types = [found[c] for c in spec.columns]
    if _TEXT_ONLY & set(types):
        return None
    return [_BINARY_AS.get(t, t) for t in types]


def _copy_straight(raw, spec: TableSpec, rows: list[tuple]) -> bool:
    """COPY the rows straight into the table, in id order, when none of their ids is stored yet: the
    common case of a first load, which then skips the staging table and the comparison (half the
    writing). A stored id makes COPY fail on the primary key: the savepoint takes every row back,
    and the caller goes the staging way, which compares and reports. True when the rows are in."""
    if any(expression != f"COALESCE({column}, NOW())" for column, expression in spec.casts.items()):
        return False  # a default this path cannot apply itself
    defaulted = {spec.columns.index(column) for column in spec.casts}
    with raw.cursor() as cur:
        cur.execute("SAVEPOINT straight_copy")
        try:
            now = cur.execute("SELECT NOW()").fetchone()[0]  # what COALESCE(column, NOW()) would give
            types = _binary_types(cur, spec)  # binary: no text rendering of UUIDs, decimals and times
            options = " (FORMAT BINARY)" if types else ""
            with cur.copy(f"COPY {spec.table} ({', '.join(spec.columns)}) FROM STDIN{options}") as copy:
                if types:
                    copy.set_types(types)
                for row in sorted(rows, key=lambda r: r[0]):  # id order: concurrent loads lock alike
                    if defaulted and any(row[i] is None for i in defaulted):
                        row = tuple(now if i in defaulted and v is None else v for i, v in enumerate(row))
                    copy.write_row(row)
        except psycopg.errors.UniqueViolation:
            cur.execute("ROLLBACK TO SAVEPOINT straight_copy")
            return False
        cur.execute("RELEASE SAVEPOINT straight_copy")
    return True


def conflicts_of(spec: TableSpec, found: list, rows: list, good: list) -> list[Conflict]:
    """Conflicts in the order of the file, each with the row label it came from."""
    position = {r[0]: i for i, r in enumerate(good)}
    out = []
    order = [*spec.shown, *(c for c in spec.compared if c not in spec.shown)]
    for row_id, old, new in sorted(found, key=lambda f: position[f[0]]):
        changes = {c: (old.get(c), new.get(c)) for c in order if old.get(c) != new.get(c)}
        out.append(Conflict(rows[position[row_id]], str(row_id), changes))
    return out


@contextlib.contextmanager
def transaction(target: Engine | Connection) -> Iterator[Connection]:
    """A connection in a transaction: the caller's own (a box loaded as one), or a new one committed at the end."""
    if isinstance(target, Connection):
        yield target
        return
    with target.begin() as conn:
        yield conn


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
                return _load_columnar(conn, spec, source, name, show) or _load_rows(conn, spec, source, name, skip_bad,
                                                                                    update, rejects, show)
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


def _load_columnar(conn: Connection, spec: TableSpec, source, name: str, show: bool) -> LoadReport | None:
    """The load by the columnar path (wodlab.columnar) when the spec has one and the input suits it; None
    otherwise, with nothing written. Every row it reads it writes (it declines a file with any problem
    or repeat), so the report's rows read are its rows written."""
    batches = _columnar_batches(spec, source)
    if batches is None:
        return None
    context = spec.context(conn, None)
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
               show: bool) -> LoadReport:
    """The row path: every row read, checked and reported with its line; see the module docstring."""
    frame, _ = read_rows(source)
    _check_header(spec, frame, name)
    for column in spec.optional:
        if column not in frame.columns:
            frame[column] = ""
    report = LoadReport(spec.table, name, rows_read=len(frame))
    good, rows, problems, bad = validate(spec, frame, spec.context(conn, frame), show, column_limits(conn, spec.table))
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
