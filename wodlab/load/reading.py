"""Rows from a file or a frame, labelled with their place; a table's spec; checks of each row against it; rejects written aside."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from wodlab.core.errors import WodlabError
from wodlab.core.fields import RowProblem
from wodlab.core.private import open_private
from wodlab.core.progress import progress as with_progress
from wodlab.load import columnar
from wodlab.load.report import LoadError, Problem


@dataclass(frozen=True)
class TableSpec:
    table: str
    columns: tuple[str, ...]  # table columns the row function returns, in order
    required: tuple[str, ...]  # input columns that must be present in the file
    optional: tuple[str, ...]  # input columns that may be
    row: Callable  # (dict of input text, context) -> tuple of column values; raises RowProblem
    context: Callable  # (connection) -> whatever the row function needs to look up (made once per load)
    casts: dict = field(default_factory=dict)  # column -> SQL expression over the staged column (defaults)
    key_names: str = "id"  # how a row's id is named in messages ("external_id", "athlete and session"...)
    shown: tuple[str, ...] = ()  # columns a conflict message shows first (what a person reads: the score as written)
    # (batch of text columns, context) -> the batch's table columns as CSV text (pyarrow), or None: the
    # columnar path of a clean file (wodlab.load.columnar), giving exactly the rows `row` would
    # (tests/test_columnar.py compares them); None sends the whole load to the row path.
    columnar: Callable | None = None
    # the date column a table is partitioned on by month (migration 011): its months' partitions are
    # made before the rows are written
    monthly: str | None = None

    @property
    def compared(self) -> tuple[str, ...]:
        """The columns a reload may correct: all but the id and the defaulted ones (recorded_at)."""
        return tuple(c for c in self.columns[1:] if c not in self.casts)


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


def check_header(spec: TableSpec, frame: pd.DataFrame, name: str) -> None:
    known = spec.required + spec.optional
    problems = [Problem(1, c, "required column is missing") for c in spec.required if c not in frame.columns]
    problems += [Problem(1, c, f"unknown column; expected some of: {', '.join(known)}")
                 for c in frame.columns if c not in known]
    if problems:
        raise LoadError(name, problems)


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
    with open_private(path, newline="", encoding="utf-8") as out:  # athletes' data: owner-only (wodlab.core.private)
        rejected.to_csv(out, index=False)
    return path
