"""One real PostgreSQL for the whole test run: the embedded server, in a temporary folder.

Each test that writes gets its own database, cloned from a template that already holds the
schema and the movement catalog (CREATE DATABASE ... TEMPLATE takes a few milliseconds).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from wodcraft import library

import wodlab
from wodlab.store import db
from wodlab.store.server import HOME_ENV, temporary_server

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
BOX = FIXTURES / "box"
TEMPLATE = "wodlab_template"
_names = itertools.count()


@pytest.fixture(scope="session")
def _embedded():
    """The run's server (db.temporary_server), and WODLAB_HOME pointing at it: never the user's ./.wodlab."""
    # A short path: the server's Unix socket lives in the data folder, and socket paths are short.
    home = Path(tempfile.mkdtemp(prefix="wlt-", dir="/tmp"))
    saved = {k: os.environ.get(k) for k in (HOME_ENV, db.URL_ENV)}
    os.environ[HOME_ENV] = str(home)
    os.environ.pop(db.URL_ENV, None)
    with temporary_server(home) as url:
        yield home, url
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def pg_home(_embedded) -> Path:
    """WODLAB_HOME of the run."""
    return _embedded[0]


@pytest.fixture(scope="session")
def server_url(_embedded) -> str:
    """URL of the `postgres` database on the test server (the admin connection; tests make their own)."""
    return database_url(_embedded[1], "postgres")


def database_url(server_url: str, name: str) -> str:
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def admin(server_url):
    engine = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def template(admin, server_url) -> str:
    """A database with wodlab's schema and catalog, to clone."""
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {TEMPLATE}"))
    lab = wodlab.connect(database_url(server_url, TEMPLATE))
    lab.engine.dispose()
    return TEMPLATE


@pytest.fixture
def new_database(admin, server_url, template):
    """A factory of fresh databases cloned from the template; all dropped at the end of the test."""
    created = []

    def make(from_template: str = template) -> str:
        name = f"t{os.getpid()}_{next(_names)}"
        with admin.connect() as conn:
            # FILE_COPY: a small template copied file by file (0.15 s, and a faster drop) rather than
            # through the WAL (0.21 s): hundreds of tests make one each
            conn.execute(sa.text(f"CREATE DATABASE {name} TEMPLATE {from_template} STRATEGY FILE_COPY"))
        created.append(name)
        return database_url(server_url, name)

    yield make
    with admin.connect() as conn:
        for name in created:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@pytest.fixture
def lab(new_database):
    """A connected Lab on an empty wodlab database of its own."""
    handle = wodlab.connect(new_database())
    yield handle
    handle.engine.dispose()


@pytest.fixture(scope="session")
def library_lab(admin, server_url, template):
    """A read-only Lab holding wodcraft's whole standard library (shared: do not write to it)."""
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE wodlab_library TEMPLATE {template}"))
    handle = wodlab.connect(database_url(server_url, "wodlab_library"))
    report = handle.load_wods(library=True, progress=False)
    assert report.ok, report.summary()
    yield handle
    handle.engine.dispose()


@pytest.fixture
def box_lab(lab):
    """The hand-written box of fixtures/box without its results: Fran, fixtures/wods, athletes, sessions."""
    from wodcraft.library import get

    lab.store_wod(get("girls/fran").source)
    lab.load_wods(FIXTURES / "wods", progress=False)
    lab.load_athletes(FIXTURES / "box" / "athletes.csv")
    lab.load_sessions(FIXTURES / "box" / "sessions.csv")
    return lab


@pytest.fixture(scope="session")
def sim_lab(admin, server_url, template):
    """The committed simulated box (fixtures/sim), loaded through the loaders. Shared: read only."""
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE wodlab_sim TEMPLATE {template}"))
    handle = wodlab.connect(database_url(server_url, "wodlab_sim"))
    handle.load_reports = handle.load_box(FIXTURES / "sim", progress=False)
    yield handle
    handle.engine.dispose()


@pytest.fixture
def sim_copy(sim_lab, new_database):
    """A writable copy of the simulated box."""
    sim_lab.engine.dispose()  # a template database must have no open connection
    handle = wodlab.connect(new_database(from_template="wodlab_sim"))
    yield handle
    handle.engine.dispose()


@pytest.fixture(scope="module")
def box(admin, server_url, template):
    """Read only: fixtures/wods + Fran, with the athletes, sessions, results and events of fixtures/box."""
    with lab_on_new_database(admin, server_url, template, "wodlab_box") as lab:
        _fill_box(lab)
        yield lab


@contextlib.contextmanager
def lab_on_new_database(admin, server_url: str, template: str, name: str):
    """A Lab on a database cloned from the template for a module's tests; dropped at the end."""
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name} TEMPLATE {template} STRATEGY FILE_COPY"))
    lab = wodlab.connect(database_url(server_url, name))
    try:
        yield lab
    finally:
        lab.engine.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE {name} WITH (FORCE)"))


def _fill_box(lab) -> None:
    assert lab.load_wods(FIXTURES / "wods", progress=False).ok
    lab.store_wod(library.get("girls/fran").source)
    # Fixed difficulties, so the filters below test the query, not the heuristic.
    difficulty = {"Fran": 45, "Push Pull Twelve": 55, "Pull Day": 60, "Deadlift Ladder": 72,
                  "Tuesday Class / Warm-up": 10, "Tuesday Class / Metcon": 50}
    with lab.engine.begin() as conn:
        for title, score in difficulty.items():
            conn.execute(sa.text("UPDATE wod_definitions SET difficulty_score = :s WHERE title = :t"), {"s": score, "t": title})
    lab.load_athletes(BOX / "athletes.csv")
    lab.load_sessions(BOX / "sessions.csv")
    lab.load_results(BOX / "results.csv")
    lab.load_events(BOX / "events.jsonl")


def count_rows(lab, table: str) -> int:
    with lab.engine.connect() as conn:
        return conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()


@pytest.fixture
def count():
    """count(lab, table) -> number of rows."""
    return count_rows


@pytest.fixture
def wodlab_cli(monkeypatch, capsys):
    """The `wodlab` command run in this process (cli.main), as a test would run it in a shell: its environment
    (a dict like os.environ: keys it lacks are unset), its working folder, and what comes back (returncode,
    stdout, stderr). Only the tests of a real process (a server that starts or stops, a process killed
    halfway, two processes at once) start one."""
    import types

    from wodlab import cli

    def run(*args, env: dict | None = None, cwd: Path | None = None):
        with monkeypatch.context() as scope:
            if env is not None:
                for key in set(os.environ) - set(env):
                    scope.delenv(key)
                for key, value in env.items():
                    scope.setenv(key, str(value))
            if cwd is not None:
                scope.chdir(cwd)
            capsys.readouterr()  # what came before is not this command's
            try:
                code = cli.main([str(a) for a in args])
            except SystemExit as exit_:  # argparse: a usage error, or --help
                code = exit_.code if isinstance(exit_.code, int) else 1
            out, err = capsys.readouterr()
        return types.SimpleNamespace(returncode=code, stdout=out, stderr=err)

    return run
