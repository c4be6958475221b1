"""Scratch copies of a database on the same server (CREATE DATABASE ... TEMPLATE), for trying writes on real data."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from wodlab.core.errors import DatabaseError
from wodlab.store.server import quoted_literal

SCRATCH_COMMENT = "wodlab scratch copy of "


def _identifier(name: str) -> str:
    """A database name quoted for DDL, which takes no bound parameters."""
    return '"' + name.replace('"', '""') + '"'


def copy_database(url, target: str) -> str:
    """Copy the database at `url` to `target` on the same server (CREATE DATABASE ... TEMPLATE); its URL.

    An earlier scratch copy named `target` is replaced; any other database of that name, and the
    source itself, is refused, never dropped. PostgreSQL copies a database only while nobody else is
    connected to it: another client (another kernel) makes it fail with a clear error.
    """
    url = make_url(str(url)) if not hasattr(url, "set") else url
    source = url.database
    if not target or target == source:
        raise DatabaseError(f"a copy needs a name other than the database it copies ({source!r})")
    # template1 for the admin connection: a copy cannot start while anyone is connected to the source.
    admin = sa.create_engine(url.set(database="template1"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            existing = conn.execute(sa.text(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = :n"), {"n": target}).first()
            if existing is not None:
                if not (existing[0] or "").startswith(SCRATCH_COMMENT):
                    raise DatabaseError(f"database {target!r} exists and is not a wodlab scratch copy: choose another name")
                conn.exec_driver_sql(f"DROP DATABASE {_identifier(target)} WITH (FORCE)")
            conn.exec_driver_sql(f"CREATE DATABASE {_identifier(target)} TEMPLATE {_identifier(source)}")
            conn.exec_driver_sql(f"COMMENT ON DATABASE {_identifier(target)} IS {quoted_literal(SCRATCH_COMMENT + source)}")
    except sa.exc.OperationalError as exc:
        raise DatabaseError(f"cannot copy {source!r}: {exc.orig} (close other connections to it first)") from exc
    finally:
        admin.dispose()
    return url.set(database=target).render_as_string(hide_password=False)
