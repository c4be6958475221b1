"""Typed DataFrames: every frame wodlab returns has a declared column -> dtype contract.

One spelling per kind of column, the same in the query headers (sql/queries) and in frames built
in Python:

    TEXT "string" · INT "Int64" · FLOAT "Float64" · BOOL "boolean" · DATE "datetime64[ns]"
    TIMESTAMP "datetime64[ns, UTC]" · OBJECT "object" (lists, JSON documents)

A frame is built with `typed_frame(rows, SCHEMA)` or conformed with `conform(frame, SCHEMA)`: it
gets exactly the declared columns in the declared order with the declared dtypes, and no rows
gives an empty frame with the full schema (never a frame without columns).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping

import pandas as pd

from wodlab.core.errors import WodlabError

TEXT = "string"
INT = "Int64"
FLOAT = "Float64"
BOOL = "boolean"
DATE = "datetime64[ns]"
TIMESTAMP = "datetime64[ns, UTC]"
OBJECT = "object"

DTYPES = (TEXT, INT, FLOAT, BOOL, DATE, TIMESTAMP, OBJECT)

Schema = Mapping[str, str]


def check_schema(schema: Schema, where: str) -> None:
    """Every dtype of a schema is one of the spellings above (a typo would pass silently otherwise)."""
    wrong = {c: t for c, t in schema.items() if t not in DTYPES}
    if wrong:
        raise WodlabError(f"{where}: undeclared dtype spelling {wrong}; use one of {', '.join(DTYPES)}")


def _plain(value):
    """Values psycopg and Python code hand us, as pandas reads them (UUIDs as text)."""
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def convert(series: pd.Series, dtype: str) -> pd.Series:
    """One column to its declared dtype; missing values become <NA> (NaT for dates)."""
    if dtype == OBJECT:
        return series.astype(object)
    if dtype.startswith("datetime64"):
        values = [pd.Timestamp(v) if isinstance(v, (dt.date, dt.datetime)) else v for v in series]
        converted = pd.to_datetime(pd.Series(values, index=series.index, dtype=object), utc=(dtype == TIMESTAMP))
        return converted.astype(dtype)
    if dtype in (FLOAT, INT):
        numbers = series.map(lambda v: None if v is None or (isinstance(v, float) and v != v) or v is pd.NA else float(v))
        return pd.to_numeric(numbers).astype(dtype)
    if dtype == BOOL:
        return series.map(lambda v: None if v is None or v is pd.NA or (isinstance(v, float) and v != v) else bool(v)
                          ).astype(BOOL)
    if dtype == TEXT:
        return series.map(lambda v: None if v is None or v is pd.NA or (isinstance(v, float) and v != v) else str(_plain(v))
                          ).astype(TEXT)
    return series.astype(dtype)  # pragma: no cover - check_schema refuses other spellings


def typed_frame(rows: Iterable, schema: Schema) -> pd.DataFrame:
    """Rows (tuples in schema order, or dicts keyed by column) as a frame with exactly `schema`."""
    rows = list(rows)
    columns = list(schema)
    if rows and isinstance(rows[0], Mapping):
        rows = [[row.get(c) for c in columns] for row in rows]
    frame = pd.DataFrame([[_plain(v) for v in row] for row in rows], columns=columns, dtype=object)
    return _typed(frame, schema)


def conform(frame: pd.DataFrame, schema: Schema) -> pd.DataFrame:
    """A frame computed in Python, cut to `schema`'s columns in order, each with its declared dtype."""
    missing = [c for c in schema if c not in frame.columns]
    if missing:
        raise WodlabError(f"frame lacks declared columns {missing}")  # a bug in wodlab, not in the user's data
    return _typed(frame[list(schema)].reset_index(drop=True).astype(object), schema)


def _typed(frame: pd.DataFrame, schema: Schema) -> pd.DataFrame:
    for column, dtype in schema.items():
        frame[column] = convert(frame[column], dtype)
    return frame


def dtypes_of(frame: pd.DataFrame) -> dict[str, str]:
    """A frame's columns and dtypes, spelled as in schemas (for tests and docs)."""
    return {c: str(t) for c, t in frame.dtypes.items()}


def arrow_type(dtype: str):
    """The Arrow type of a declared dtype; None for OBJECT (lists and documents: their type is inferred)."""
    import pyarrow as pa

    return {TEXT: pa.string(), INT: pa.int64(), FLOAT: pa.float64(), BOOL: pa.bool_(), DATE: pa.timestamp("ns"),
            TIMESTAMP: pa.timestamp("ns", tz="UTC")}.get(dtype)


def to_arrow(frame: pd.DataFrame, schema: Schema):
    """A typed frame as a pyarrow Table, each column of the declared Arrow type (lists and JSON inferred)."""
    import json

    import pyarrow as pa

    arrays = []
    for column, dtype in schema.items():
        kind = arrow_type(dtype)
        if kind is not None:
            arrays.append(pa.array(frame[column], type=kind, from_pandas=True))
            continue
        values = frame[column].tolist()
        try:
            arrays.append(pa.array(values, from_pandas=True))
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed JSON documents: kept as their JSON text
            arrays.append(pa.array([None if v is None else json.dumps(v) for v in values], type=pa.string()))
    return pa.Table.from_arrays(arrays, names=list(schema))
