"""Frames at the database's speed: a query's rows streamed with COPY ... TO STDOUT, read by pandas.

`pandas.read_sql` and psycopg's fetchall build one Python object per value; COPY hands over one
CSV stream that pyarrow's parser reads straight into typed columns. This is the path of every
documented query (queries.run); a column of dtype object (a list, a document) comes as JSON text,
which the query writes (to_jsonb of an array) and json.loads reads back.

COPY takes no bound parameters, so the query's named parameters are bound on the client by psycopg
(ClientCursor.mogrify: quoted and typed by the driver, never formatted by hand).
"""

from __future__ import annotations

import csv
import io
import json
import re

import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.csv as pacsv
from sqlalchemy.engine import Connection

from wodlab.core.errors import QueryError
from wodlab.core.frames import OBJECT, Schema, arrow_type

_NAMED = re.compile(r"(?<!:):(\w+)")


def _client_sql(raw: psycopg.Connection, sql: str, params: dict) -> str:
    """The statement with its parameters bound on the client, as psycopg quotes them."""
    body = re.sub(r"--[^\n]*", "", sql).strip().rstrip(";").replace("%", "%%")
    body = _NAMED.sub(lambda m: f"%({m[1]})s", body)
    return psycopg.ClientCursor(raw).mogrify(body, params)


def copy_frame(conn: Connection, sql: str, params: dict, schema: Schema) -> pd.DataFrame:
    """Run a SELECT through COPY (...) TO STDOUT as CSV on the connection and read it with the schema's dtypes."""
    raw = conn.connection.driver_connection
    statement = _client_sql(raw, sql, params)
    buffer = io.BytesIO()
    with raw.cursor() as cur, cur.copy(f"COPY ({statement}) TO STDOUT WITH (FORMAT csv, HEADER true)") as copy:
        for chunk in copy:
            buffer.write(chunk)
    buffer.seek(0)
    return _read(buffer, schema)


def _wire_type(dtype: str) -> pa.DataType:
    """The Arrow type a column is read as from COPY's CSV: its declared one, lists and documents as JSON text."""
    return arrow_type(dtype) or pa.string()


# The Arrow types as pandas holds them.
_PANDAS_TYPES = {pa.string(): pd.StringDtype(), pa.int64(): pd.Int64Dtype(), pa.float64(): pd.Float64Dtype(),
                 pa.bool_(): pd.BooleanDtype()}


def _read(buffer: io.BytesIO, schema: Schema) -> pd.DataFrame:
    """The CSV of COPY ... TO STDOUT read by pyarrow (several threads, no Python object per cell) into the
    schema's dtypes. PostgreSQL writes NULL as an empty unquoted cell and an empty text as "": only
    the first is missing."""
    header = buffer.readline().decode("utf-8").rstrip("\r\n")
    names = next(csv.reader([header])) if header else []
    if names != list(schema):
        raise QueryError(f"the query returns {names}, its header declares {list(schema)}")
    if not buffer.getbuffer()[buffer.tell():].nbytes:  # no row: pyarrow refuses an empty stream
        empty = pa.table({c: pa.array([], _wire_type(t)) for c, t in schema.items()}).to_pandas(
            types_mapper=_PANDAS_TYPES.get)
        return _documents(empty, schema)
    table = pacsv.read_csv(
        buffer,
        read_options=pacsv.ReadOptions(column_names=names),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(column_types={c: _wire_type(t) for c, t in schema.items()},
                                             null_values=[""], strings_can_be_null=True, quoted_strings_can_be_null=False,
                                             true_values=["t"], false_values=["f"]))
    frame = table.to_pandas(types_mapper=_PANDAS_TYPES.get)
    return _documents(frame, schema)


def _documents(frame: pd.DataFrame, schema: Schema) -> pd.DataFrame:
    """Object columns (JSON text on the wire) as the Python lists and dicts they hold."""
    for column in (c for c, t in schema.items() if t == OBJECT):
        values = [None if text is None or text is pd.NA else json.loads(text) for text in frame[column].tolist()]
        frame[column] = pd.Series(values, index=frame.index, dtype=object)
    return frame
