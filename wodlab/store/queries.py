"""Named SQL from sql/queries -> pandas DataFrame with a declared column -> dtype contract.

Each query file starts with a comment header that is its documentation and its contract:

    -- param NAME: TYPE[, optional] — what it means
    -- column NAME: DTYPE — what it holds
    -- instead OTHER when PARAM[, PARAM...]   (optional)
    -- rows: few[ when limit]                    (optional)

The last line routes a call: when any of those parameters is given (neither NULL nor false), the query
OTHER runs instead, with the same parameters, columns and order (checked when the catalog is read).
It lets a query whose common case reads a stored table keep its general case in a statement of its
own, so the planner plans only the statement that runs (leaderboard / leaderboard_from_results).
`rows: few` marks a query whose answer is a handful of rows (one session's board, one athlete in it):
it runs as a prepared statement whose plan the connection keeps, rather than through COPY, which plans
it afresh each call (wodlab.store.bulk.prepared_frame); `rows: few when limit` does so when the call
gives a `limit` of at most FEW_ROWS (a top ten). Big answers stay on COPY, which reads them several
times faster. A query earns the line by measurement (benchmarks/RESULTS.md): a prepared statement
ends up with a generic plan, which a query of optional filters (`:x IS NULL OR ...`) or of hundreds of
rows pays for more than it saves.

Parameters are checked before any I/O and always bound, never formatted into the SQL. Results
get exactly the declared columns and dtypes, and an empty result is an empty frame with them.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd
import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from wodlab.core.errors import QueryError
from wodlab.core.frames import check_schema, to_arrow
from wodlab.core.hints import did_you_mean
from wodlab.core.resources import sql_dir
from wodlab.store import names
from wodlab.store.bulk import NAMED_PARAM, copy_frame, prepared_frame
from wodlab.store.db import connected
from wodlab.workouts.catalog import resolve_movement

_PARAM = re.compile(r"^-- param (\w+): ([\w\[\]]+)(, optional)?\s*(?:—\s*(.*))?$")
_COLUMN = re.compile(r"^-- column (\w+): (.+?)\s*(?:—\s*(.*))?$")
_INSTEAD = re.compile(r"^-- instead (\w+) when (\w+(?:, \w+)*)\s*$")
_FEW_ROWS = re.compile(r"^-- rows: few(?: when (limit))?\s*$")


# Parameters that count rows: never negative.
COUNT_PARAMS = ("limit", "offset")
# `rows: few when limit`: a call asking for at most this many rows is read through a prepared statement.
FEW_ROWS = 1_000


@dataclass(frozen=True)
class Param:
    name: str
    type: str  # text, text[], int, uuid, date, bool; movement, movement[] (names resolved to catalog ids);
    #            workout, athlete, session (a name resolved to the stored row's id: wodlab.store.names)
    optional: bool
    doc: str


@dataclass(frozen=True)
class Column:
    name: str
    dtype: str  # a pandas dtype name
    doc: str


@dataclass(frozen=True)
class Instead:
    query: str  # the query that runs instead...
    when: tuple[str, ...]  # ...when any of these parameters is given (neither None nor False)


@dataclass(frozen=True)
class Query:
    name: str
    sql: str
    params: tuple[Param, ...]
    columns: tuple[Column, ...]
    description: str
    instead: Instead | None = None
    few_rows: str | None = None  # "always" or "limit": read through a prepared statement rather than COPY

    @property
    def dtypes(self) -> dict[str, str]:
        return {c.name: c.dtype for c in self.columns}


def _parse(name: str, sql: str) -> Query:
    params, columns, description, instead, few_rows = [], [], [], None, None
    for line in sql.splitlines():
        if not line.startswith("--"):
            break
        if m := _PARAM.match(line):
            params.append(Param(m[1], m[2], bool(m[3]), m[4] or ""))
        elif m := _COLUMN.match(line):
            columns.append(Column(m[1], m[2], m[3] or ""))
        elif m := _INSTEAD.match(line):
            instead = Instead(m[1], tuple(m[2].split(", ")))
        elif m := _FEW_ROWS.match(line):
            few_rows = m[1] or "always"
        else:
            description.append(line[2:].strip())
    bound = set(NAMED_PARAM.findall(re.sub(r"--[^\n]*", "", sql)))
    # the parameters that route the call elsewhere are only ever NULL or false here: not bound
    declared = {p.name for p in params} - set(instead.when if instead else ())
    if bound != declared:
        raise QueryError(f"query {name!r}: binds {sorted(bound)} but its header declares {sorted(declared)}")
    query = Query(name, sql, tuple(params), tuple(columns), " ".join(description), instead, few_rows)
    check_schema(query.dtypes, f"query {name!r}")
    return query


@lru_cache(maxsize=1)
def catalog() -> dict[str, Query]:
    """Every query shipped in sql/queries, by name."""
    found = {}
    for entry in sql_dir("queries").iterdir():
        if entry.name.endswith(".sql"):
            name = entry.name[: -len(".sql")]
            found[name] = _parse(name, entry.read_text(encoding="utf-8"))
    for query in found.values():
        _check_instead(query, found)
    return dict(sorted(found.items()))


def _check_instead(query: Query, found: dict[str, Query]) -> None:
    """A routed call must get what the query it was made to promises: same parameters, same columns."""
    if query.instead is None:
        return
    other = found.get(query.instead.query)
    if other is None or other.instead is not None:
        raise QueryError(f"query {query.name!r}: runs {query.instead.query!r} instead, which is not a query without "
                         f"an 'instead' line of its own")
    if other.params != query.params or other.columns != query.columns:
        raise QueryError(f"query {query.name!r} and {other.name!r}, which runs instead of it, must declare the same "
                         f"parameters and columns")
    unknown = set(query.instead.when) - {p.name for p in query.params}
    if unknown:
        raise QueryError(f"query {query.name!r}: 'instead ... when' names undeclared parameters {sorted(unknown)}")


def routed(query: Query, values: dict) -> Query:
    """The query that answers these (checked) values: the query itself, or the one its header says runs
    instead when one of the routing parameters is given."""
    if query.instead and any(values.get(p) not in (None, False) for p in query.instead.when):
        return get(query.instead.query)
    return query


def get(name: str) -> Query:
    queries = catalog()
    if name not in queries:
        raise QueryError(f"no query named {name!r}{did_you_mean(name, queries, list_known=True)}")
    return queries[name]


def _movements(where: str, kind: str, value):
    """Catalog ids from ids or any English or French name ("thrusters", "Pull-up", "pompes"); an unknown
    name raises QueryError with the closest ones, rather than matching nothing."""
    single = kind == "movement"
    if (single and not isinstance(value, str)) or (not single and (isinstance(value, str) or not all(
            isinstance(v, str) for v in value))):
        raise QueryError(f"{where} expects {'a movement name' if single else 'a list of movement names'}, got {value!r}")
    try:
        resolved = [resolve_movement(name) for name in ([value] if single else value)]
    except ValueError as problem:
        raise QueryError(f"{where}: {problem}") from None
    return resolved[0] if single else resolved


NAMES = {"workout": names.resolve_workout, "athlete": names.resolve_athlete, "session": names.resolve_session}
TEXT_FORMS = {"text[]": "a,b", "movement[]": "a,b", "int": "an integer", "bool": "true or false", "date": "YYYY-MM-DD"}


def _check_value(query: Query, param: Param, value, conn: Connection | None):
    """The value to bind, or QueryError saying what the parameter expects."""
    where = f"query {query.name!r}, parameter {param.name!r}"
    if value is None:
        if param.optional:
            return None
        raise QueryError(f"{where} is required ({param.type}): {param.doc}")
    if param.type in ("movement", "movement[]"):
        return _movements(where, param.type, value)
    if param.type in NAMES:
        if not isinstance(value, str | uuid.UUID):
            raise QueryError(f"{where} expects a {param.type}'s name or id, got {value!r}")
        try:
            return NAMES[param.type](conn, value)
        except QueryError as unknown:
            raise QueryError(f"{where}: {unknown}") from None
    if param.type == "text[]":
        if isinstance(value, str) or not all(isinstance(v, str) for v in value):
            raise QueryError(f"{where} expects a list of strings, got {value!r}")
        return list(value)
    if param.type == "text":
        if not isinstance(value, str):
            raise QueryError(f"{where} expects a string, got {value!r}")
        return value
    if param.type == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise QueryError(f"{where} expects an integer, got {value!r}")
        low = 0 if param.name in COUNT_PARAMS else -(2**31)
        if not low <= value < 2**31:
            raise QueryError(f"{where} expects an integer from {low} to {2**31 - 1:,}, got {value}")
        return value
    if param.type == "date":
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            raise QueryError(f"{where} expects a date (YYYY-MM-DD), got {value!r}") from None
    if param.type == "bool":
        if not isinstance(value, bool):
            raise QueryError(f"{where} expects True or False, got {value!r}")
        return value
    if param.type == "uuid":
        try:
            return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
        except ValueError:
            raise QueryError(f"{where} expects a UUID, got {value!r}") from None
    raise QueryError(f"{where} has an unknown declared type {param.type!r}")  # pragma: no cover


def _from_text(param: Param, raw: str):
    """A parameter written as text (the command line's name=value) as the value _check_value checks."""
    if param.type in ("text[]", "movement[]"):
        return [v.strip() for v in raw.split(",") if v.strip()]
    if param.type == "int":
        try:
            return int(raw)
        except ValueError:
            return raw  # _check_value names what an integer parameter expects
    if param.type == "bool":
        return {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}.get(raw.strip().lower(), raw)
    return raw


def params_from_text(query: Query, pairs: list[str]) -> dict:
    """`name=value` pairs (the command line's) as the parameters of `query`, each typed by its header; bind
    then checks them as it checks a caller's."""
    declared = {p.name: p for p in query.params}
    params = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep:
            raise QueryError(f"parameters are written name=value, got {pair!r}")
        params[name] = _from_text(declared[name], raw) if name in declared else raw
    return params


def bind(query: Query, params: dict, conn: Connection | None = None) -> dict:
    """Check the caller's parameters against the header: unknown, missing and mistyped ones raise; names
    (workout, athlete, session) are resolved to ids on `conn`."""
    known = {p.name: p for p in query.params}
    unknown = sorted(set(params) - set(known))
    if unknown:
        raise QueryError(
            f"query {query.name!r} has no parameter {', '.join(map(repr, unknown))}; "
            f"it takes: {', '.join(known) or 'nothing'}"
        )
    return {name: _check_value(query, p, params.get(name), conn) for name, p in known.items()}


def run(engine: Engine | Connection, name: str, **params) -> pd.DataFrame:
    """The query's rows as a frame with its declared dtypes, read through COPY (wodlab.store.bulk; lists and
    documents come as JSON), or a prepared statement for a query of few rows, on one connection."""
    query = get(name)
    # committed, not rolled back, at the end: psycopg forgets every prepared statement on a rollback
    # (and the pool rolls back a connection left in a transaction), which would re-plan each call
    with connected(engine, begin=True) as conn:
        values = bind(query, params, conn)
        answering = routed(query, values)
        read = prepared_frame if few_rows(answering, values) else copy_frame
        return read(conn, answering.sql, values, query.dtypes)


def few_rows(query: Query, values: dict) -> bool:
    """Whether a call's answer is small enough that planning it costs more than reading it, as the query's
    header says: always, or when the call asks for at most FEW_ROWS rows."""
    if query.few_rows == "limit":
        return values.get("limit") is not None and values["limit"] <= FEW_ROWS
    return query.few_rows == "always"


def run_arrow(engine: Engine | Connection, name: str, **params) -> pa.Table:
    """run(), as a pyarrow Table with the declared types."""
    return to_arrow(run(engine, name, **params), get(name).dtypes)


def _explained(engine: Engine, name: str, options: str, params: dict) -> list:
    """The rows of EXPLAIN `options` for a query with these (checked) parameters."""
    query = get(name)
    with engine.connect() as conn:
        values = bind(query, params, conn)
        statement = routed(query, values).sql.strip().rstrip(";")
        return conn.execute(sa.text(f"EXPLAIN {options}" + statement), values).all()


def explain(engine: Engine, name: str, **params) -> str:
    """PostgreSQL's plan for a query with these parameters (EXPLAIN, text format)."""
    return "\n".join(row[0] for row in _explained(engine, name, "", params))


def plan_nodes(engine: Engine, name: str, *, executed: bool = False, **params) -> list[dict]:
    """Every node of the plan (EXPLAIN (FORMAT JSON)), depth first: to assert which index serves a query.
    executed=True runs the query (EXPLAIN ANALYZE): each node then tells how often it ran ("Actual Loops")."""
    document = _explained(engine, name, "(ANALYZE, FORMAT JSON) " if executed else "(FORMAT JSON) ", params)[0][0]
    nodes, stack = [], [document[0]["Plan"]]
    while stack:
        node = stack.pop()
        nodes.append(node)
        stack.extend(reversed(node.get("Plans", [])))
    return nodes


def reference_markdown() -> str:
    """The README's query reference (parameters and column dictionary), generated from the headers."""
    out = []
    for name, query in catalog().items():
        out.append(f"## `{name}`\n\n{query.description}\n")
        if query.instead:
            given = " or ".join(f"`{p}`" for p in query.instead.when)
            out.append(f"When {given} is given, `{query.instead.query}` runs instead (same parameters and columns).\n")
        if query.few_rows:
            when = f" when `limit` is at most {FEW_ROWS:,}" if query.few_rows == "limit" else ""
            out.append(f"A few rows{when}: read through a prepared statement, whose plan the connection keeps.\n")
        if query.params:
            out.append("| parameter | type | meaning |\n|---|---|---|")
            out += [f"| `{p.name}` | {p.type}{' (optional)' if p.optional else ''} | {p.doc} |" for p in query.params]
            out.append("")
        out.append("| column | dtype | meaning |\n|---|---|---|")
        out += [f"| `{c.name}` | {c.dtype} | {c.doc} |" for c in query.columns]
        out.append("")
    return "\n".join(out)
