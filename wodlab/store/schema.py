"""Versioned migrations from sql/migrations, applied once each and recorded in schema_migrations."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from wodlab.core.errors import DatabaseError
from wodlab.core.resources import sql_dir

_NAME = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")
# Any constant works; it only has to be the same for every wodlab process migrating this database.
_LOCK_KEY = 0x5744_4C41_4200


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def migrations() -> list[Migration]:
    found = []
    for entry in sql_dir("migrations").iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise DatabaseError(f"two migrations share a version number: {versions}")
    return found


def latest_version() -> int:
    return migrations()[-1].version


def _ensure_ledger(conn: Connection) -> None:
    conn.execute(sa.text("""
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version INT PRIMARY KEY,
            name TEXT NOT NULL,
            checksum CHAR(64) NOT NULL,
            applied_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
        )"""))


def serialize(conn: Connection) -> None:
    """Wait for any other wodlab process initialising this database (held until the transaction ends)."""
    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})


def has_ledger(conn: Connection) -> bool:
    """Whether wodlab ever initialised this database."""
    return bool(conn.execute(sa.text("SELECT to_regclass('schema_migrations') IS NOT NULL")).scalar())


def applied_versions(conn: Connection) -> dict[int, str]:
    """version -> checksum of every migration recorded in this database (empty if none)."""
    if not has_ledger(conn):
        return {}
    rows = conn.execute(sa.text("SELECT version, checksum FROM schema_migrations"))
    return {version: checksum for version, checksum in rows}


def pending(engine: Engine) -> list[Migration]:
    with engine.connect() as conn:
        done = applied_versions(conn)
    return [m for m in migrations() if m.version not in done]


def apply_migrations(engine: Engine) -> list[Migration]:
    """Apply every migration not yet recorded, all in one transaction; return those applied.

    An advisory lock serialises concurrent callers (two kernels opening a new database at once):
    the second waits, then finds nothing left to do.
    """
    applied = []
    with engine.begin() as conn:
        serialize(conn)
        _ensure_ledger(conn)
        done = applied_versions(conn)
        for migration in migrations():
            if migration.version in done:
                if done[migration.version] != migration.checksum:
                    raise DatabaseError(
                        f"migration {migration.version:03d}_{migration.name}.sql changed after it was "
                        "applied to this database; add a new migration instead of editing an old one"
                    )
                continue
            with conn.begin_nested():
                # the driver's own execute, with no parameters: a '%' in the SQL (format()) is SQL, not a placeholder
                with conn.connection.driver_connection.cursor() as cur:
                    cur.execute(migration.sql)
                conn.execute(
                    sa.text("INSERT INTO schema_migrations (version, name, checksum) VALUES (:v, :n, :c)"),
                    {"v": migration.version, "n": migration.name, "c": migration.checksum},
                )
            applied.append(migration)
    return applied
