"""Frames at the database's speed: a query's rows streamed with COPY ... TO STDOUT, read by pandas.

`pandas.read_sql` and psycopg's fetchall build one Python object per value; COPY hands pandas one
CSV stream that its C parser reads straight into typed columns. This is the path of every
documented query whose columns are scalars (queries.run); columns holding lists or JSON documents
(dtype object) keep the row path.

COPY takes no bound parameters, so the query's named parameters are bound on the client by psycopg
(ClientCursor.mogrify: quoted and typed by the driver, never formatted by hand).
"""

from __future__ import annotations

import io
import re

import pandas as pd
import psycopg
from sqlalchemy.engine import Engine

from wodlab.errors import QueryError
from wodlab.frames import BOOL, DATE, FLOAT, INT, OBJECT, TEXT, TIMESTAMP, Schema

_NAMED = re.compile(r"(?<!:):(\w+)")


def columnar(schema: Schema) -> bool:
    """Whether every column can come through CSV (no lists, no JSON documents)."""
    return OBJECT not in schema.values()


def _client_sql(raw: psycopg.Connection, sql: str, params: dict) -> str:
    """The statement with its parameters bound on the client, as psycopg quotes them."""
    body = re.sub(r"--[^\n]*", "", sql).strip().rstrip(";").replace("%", "%%")
    body = _NAMED.sub(lambda m: f"%({m[1]})s", body)
    return psycopg.ClientCursor(raw).mogrify(body, params)


def copy_frame(engine: Engine, sql: str, params: dict, schema: Schema) -> pd.DataFrame:
    """Run a SELECT through COPY (...) TO STDOUT as CSV and read it with the schema's dtypes."""
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        statement = _client_sql(raw, sql, params)
        buffer = io.BytesIO()
        with raw.cursor() as cur, cur.copy(f"COPY ({statement}) TO STDOUT WITH (FORMAT csv, HEADER true)") as copy:
            for chunk in copy:
                buffer.write(chunk)
    buffer.seek(0)
    return _read(buffer, schema)


_READ_DTYPES = {TEXT: "string", INT: "Int64", FLOAT: "Float64", BOOL: "boolean"}


def _read(buffer: io.BytesIO, schema: Schema) -> pd.DataFrame:
    dtypes = {c: _READ_DTYPES[t] for c, t in schema.items() if t in _READ_DTYPES}
    frame = pd.read_csv(buffer, dtype=dtypes, true_values=["t"], false_values=["f"], keep_default_na=False,
                        na_values={c: [""] for c in schema}, encoding="utf-8")
    if list(frame.columns) != list(schema):
        raise QueryError(f"the query returns {list(frame.columns)}, its header declares {list(schema)}")
    for column, dtype in schema.items():
        if dtype == DATE:
            frame[column] = pd.to_datetime(frame[column], format="ISO8601").astype(DATE)
        elif dtype == TIMESTAMP:
            frame[column] = pd.to_datetime(frame[column], format="ISO8601", utc=True).astype(TIMESTAMP)
    return frame
