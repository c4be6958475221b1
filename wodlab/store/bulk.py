"""Frames at the database's speed: a query's rows streamed with COPY ... TO STDOUT, read by pandas.

`pandas.read_sql` and psycopg's fetchall build one Python object per value; COPY hands over one
CSV stream that pyarrow's parser reads straight into typed columns. This is the path of every
documented query (queries.run); a column of dtype object (a list, a document) comes as JSON text,
which the query writes (to_jsonb of an array) and json.loads reads back.

COPY takes no bound parameters, so the query's named parameters are bound on the client by psycopg
(ClientCursor.mogrify: quoted and typed by the driver, never formatted by hand).

A query that returns a handful of rows (a top ten, one session's board) costs its planning more than
its reading: planned afresh by each COPY, a join over the results' month partitions took 1.5-3 ms of a
4 ms call. Those calls (`-- rows: few` in a query's header, or `-- rows: few when limit` and a small
limit: queries.few_rows) run as a prepared statement instead, with server-side parameters: the plan
is kept by the connection, the rows come back as PostgreSQL's text (the output functions COPY uses)
and are read by the same reader, so both paths give the same frame.
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
from psycopg.types.string import TextLoader
from sqlalchemy.engine import Connection

from wodlab.core.errors import QueryError
from wodlab.core.frames import OBJECT, Schema, arrow_type

# A :name parameter, as sqlalchemy.text reads one: not a cast (::int), not the minutes of a time ('10:00')
NAMED_PARAM = re.compile(r"(?<![:\w\\]):(\w+)(?!:)")


def _psycopg_sql(sql: str) -> str:
    """The statement without its comments, its :name parameters as psycopg's %(name)s."""
    body = re.sub(r"--[^\n]*", "", sql).strip().rstrip(";").replace("%", "%%")
    return NAMED_PARAM.sub(lambda m: f"%({m[1]})s", body)


def _client_sql(raw: psycopg.Connection, sql: str, params: dict) -> str:
    """The statement with its parameters bound on the client, as psycopg quotes them."""
    return psycopg.ClientCursor(raw).mogrify(_psycopg_sql(sql), params)


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


def prepared_frame(conn: Connection, sql: str, params: dict, schema: Schema) -> pd.DataFrame:
    """copy_frame's frame from a prepared statement (the connection keeps its plan): for queries of a few
    rows, where planning is most of the cost. Every value comes back as PostgreSQL's text and is written
    into the CSV that COPY would have sent, quoted, so that NULL (unquoted, empty) stays apart from ''.
    A connection made with prepare_threshold=None (behind a transaction-mode pooler) prepares nothing:
    psycopg's rule, which prepare=True does not override."""
    raw = conn.connection.driver_connection
    with psycopg.Cursor(raw) as cur:
        cur.execute(_psycopg_sql(sql), params, prepare=True)
        for oid in {column.type_code for column in cur.description}:  # psycopg allows it before the fetch
            cur.adapters.register_loader(oid, TextLoader)  # each value as its text, no Python object
        names, rows = [column.name for column in cur.description], cur.fetchall()
    text = "\n".join([",".join(map(_csv_cell, names)), *(",".join(map(_csv_cell, row)) for row in rows)]) + "\n"
    return _read(io.BytesIO(text.encode("utf-8")), schema)


def _csv_cell(value: str | None) -> str:
    return "" if value is None else '"' + value.replace('"', '""') + '"'


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
