"""Engines on a PostgreSQL URL: the URL checked (never printed with its password), pooled connections
checked before use, a lost or refused connection turned into DatabaseUnavailable with what to do."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator

import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, make_url

from wodlab.core.errors import DatabaseError, DatabaseUnavailable

URL_ENV = "DATABASE_URL"


def to_sqlalchemy_url(url: str) -> str:
    """Any PostgreSQL URL, with the psycopg 3 driver SQLAlchemy needs. `postgres://` (what many hosts hand
    out) is PostgreSQL too. Errors never repeat the password."""
    try:
        parsed = make_url(url)
        parsed.port  # noqa: B018 - a port that is not a number fails here, not at the first connection
    except (ValueError, sa.exc.ArgumentError) as problem:
        raise DatabaseError(f"not a database URL: {hide_password(url)} ({first_line(problem)}); "
                            "expected postgresql://user:password@host:port/database") from None
    if parsed.get_backend_name() not in ("postgresql", "postgres"):
        raise DatabaseError(f"wodlab needs PostgreSQL, got a {parsed.get_backend_name()!r} URL: {hide_password(url)}")
    return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def hide_password(url: str) -> str:
    """A URL as it may be printed: its password (if any) replaced by ***."""
    return re.sub(r"(://[^:/@\s]*:)[^@\s]*@", r"\1***@", str(url))


def first_line(problem: BaseException) -> str:
    """The first line of an error's text (its type's name when it has none): what a message about it quotes."""
    text = str(problem).strip()
    return text.splitlines()[0] if text else type(problem).__name__


UNAVAILABLE_HINT = ("start it with `wodlab db start` (the embedded server), or check DATABASE_URL and that the "
                    "server runs")


# Seconds a new connection may take (libpq's connect_timeout) unless the URL says otherwise: a frozen
# server (stopped, not gone) accepts the socket and never answers, and a command waited for ever.
CONNECT_TIMEOUT = 10


def create_engine(url: str) -> Engine:
    """An engine whose pooled connections are checked before use (pool_pre_ping): after the server restarts,
    a stale connection is replaced on the spot instead of failing the next request. The pool hands out the
    connection returned last (pool_use_lifo): the plans a connection keeps for the small queries
    (wodlab.store.queries.few_rows) serve the next call, where handing the idle connections out in turn
    planned each call again on a connection that had not seen it (a top ten 6.6-8.2 ms against 4.8 ms)."""
    parsed = make_url(url)
    timeout = {} if "connect_timeout" in parsed.query else {"connect_timeout": CONNECT_TIMEOUT}
    engine = sa.create_engine(url, pool_pre_ping=True, pool_use_lifo=True, connect_args=timeout)
    sa.event.listen(engine, "handle_error", _unavailable)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:
        raise DatabaseUnavailable(f"cannot connect to {engine.url!r}: {first_line(exc.orig)}; {UNAVAILABLE_HINT}") from exc
    return engine


def lost_connection(exc: BaseException) -> bool:
    """A connection refused or lost (no SQLSTATE, class 08, or the server shutting down: 57P0x), not a
    deadlock or a serialization failure, which psycopg also files under OperationalError."""
    if not isinstance(exc, psycopg.OperationalError):
        return False
    sqlstate = getattr(exc, "sqlstate", None)
    return sqlstate is None or sqlstate.startswith(("08", "57P"))


def _unavailable(context) -> None:
    """A lost or refused connection, anywhere a Lab talks to the server, becomes DatabaseUnavailable with what to do."""
    original = context.original_exception
    if context.is_pre_ping:  # the pool's check of a stale connection: it reconnects, nothing to say
        return
    if context.is_disconnect or lost_connection(original):
        raise DatabaseUnavailable(f"the database is unavailable ({first_line(original)}); {UNAVAILABLE_HINT}") from original


@contextlib.contextmanager
def connected(target: Engine | Connection, *, begin: bool = False) -> Iterator[Connection]:
    """The caller's connection (a load inside a box's transaction, a read inside a verb's), or one of the
    engine's for the time of the call: in a transaction committed at the end with begin=True."""
    if isinstance(target, Connection):
        yield target
        return
    with target.begin() if begin else target.connect() as conn:
        yield conn
