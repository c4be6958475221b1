"""connect(): explicit URL, DATABASE_URL, or the embedded server; migrations applied once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

import wodlab
from wodlab.core.errors import DatabaseError
from wodlab.store import db, schema
from wodlab.store.server import HOME_ENV, SECRET_FILE, embedded_status, stop_embedded, wodlab_home

# Every index the seed creates, except idx_wod_source_hash (the UNIQUE constraint is that index).
SEED_INDEXES = {
    "idx_wod_movements", "idx_wod_modality", "idx_wod_duration", "idx_wod_difficulty",
    "idx_events_session_time", "idx_events_athlete",
    "idx_movement_aliases", "idx_movement_equipment", "idx_movement_muscles",
}
SEED_TABLES = {"wod_definitions", "scheduled_sessions", "athlete_results", "realized_events", "movement_catalog"}


def test_an_empty_database_gets_every_seed_table_and_index(lab):
    with lab.engine.connect() as conn:
        tables = set(conn.execute(sa.text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars())
        indexes = set(conn.execute(sa.text("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")).scalars())
        gin = conn.execute(sa.text("SELECT indexdef FROM pg_indexes WHERE indexname = 'idx_wod_movements'")).scalar_one()
    assert SEED_TABLES | {"schema_migrations"} <= tables
    assert indexes >= SEED_INDEXES
    assert "USING gin (movements_list)" in gin


def test_seed_constraints_hold(lab):
    with lab.engine.connect() as conn, pytest.raises(sa.exc.IntegrityError):
        conn.execute(sa.text(
            "INSERT INTO wod_definitions (id, title, dsl_source, ast_json, source_hash, difficulty_score)"
            " VALUES (gen_random_uuid(), 't', 's', '{}', 'h', 101)"
        ))


def test_migrations_are_recorded_and_applied_once(lab):
    assert lab.init() == []  # connect() already applied them
    with lab.engine.connect() as conn:
        recorded = conn.execute(sa.text("SELECT version FROM schema_migrations ORDER BY version")).scalars().all()
    assert recorded == [m.version for m in schema.migrations()]


def test_a_database_missing_a_migration_is_refused_until_init(lab):
    with lab.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM schema_migrations WHERE version = :v"), {"v": schema.latest_version()})
    with pytest.raises(DatabaseError, match="wodlab init"):
        wodlab.connect(lab.engine.url.render_as_string(hide_password=False))


def test_an_edited_migration_is_detected(lab):
    with lab.engine.begin() as conn:
        conn.execute(sa.text("UPDATE schema_migrations SET checksum = repeat('0', 64) WHERE version = 1"))
    with pytest.raises(DatabaseError, match="changed after it was applied"):
        lab.init()


def test_database_url_is_used_when_no_argument_is_given(new_database, monkeypatch):
    url = new_database()
    monkeypatch.setenv(db.URL_ENV, url.replace("postgresql+psycopg", "postgresql"))
    lab = wodlab.connect()
    assert lab.engine.url.database == url.rsplit("/", 1)[1].split("?")[0]
    assert lab.engine.url.drivername == "postgresql+psycopg"
    lab.engine.dispose()


def test_a_non_postgresql_url_is_refused():
    with pytest.raises(DatabaseError, match="needs PostgreSQL"):
        wodlab.connect("sqlite:///x.db")


def test_wodlab_home_is_found_from_a_subfolder(tmp_path, monkeypatch):
    """A notebook kernel runs in notebooks/: it must find the repository's .wodlab, not make one."""
    (tmp_path / ".wodlab").mkdir()
    (tmp_path / "notebooks").mkdir()
    monkeypatch.delenv(HOME_ENV)
    monkeypatch.chdir(tmp_path / "notebooks")
    assert wodlab_home() == tmp_path / ".wodlab"


_CONNECT_AND_REPORT = """
import sqlalchemy as sa, wodlab
from wodlab.store.server import embedded_status
lab = wodlab.connect()
with lab.engine.connect() as conn:
    started = conn.execute(sa.text("SELECT pg_postmaster_start_time()")).scalar_one()
print(embedded_status()["pid"], started.isoformat())
"""


@pytest.mark.slow
def test_two_processes_connecting_at_once_share_one_embedded_server(tmp_path):
    home = Path("/tmp") / f"wlt-shared-{tmp_path.name[-6:]}"  # short: the socket lives in it
    env = {**__import__("os").environ, HOME_ENV: str(home)}
    env.pop(db.URL_ENV, None)
    try:
        procs = [subprocess.Popen([sys.executable, "-c", _CONNECT_AND_REPORT], env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(2)]
        outputs = [p.communicate(timeout=120) for p in procs]
        assert all(p.returncode == 0 for p in procs), outputs
        first, second = (out.strip() for out, _ in outputs)
        assert first == second  # same postmaster pid and start time
        status = embedded_status(home)
        assert status["running"] and str(status["pid"]) == first.split()[0]
        # The server outlives the processes that started it, until `wodlab db stop`.
        stop = subprocess.run([sys.executable, "-m", "wodlab.cli", "db", "stop"], env=env, capture_output=True, text=True)
        assert stop.stdout.strip() == "stopped"
        assert not embedded_status(home)["running"]
    finally:
        stop_embedded(home)
        import shutil

        shutil.rmtree(home, ignore_errors=True)


def test_the_embedded_server_demands_its_generated_password(pg_home, server_url):
    """No `trust`: a connection without the password kept (0600) in WODLAB_HOME is refused."""
    import psycopg
    from sqlalchemy.engine import make_url

    secret = pg_home / SECRET_FILE
    assert oct(secret.stat().st_mode & 0o777) == "0o600"
    assert make_url(server_url).password == secret.read_text().strip()
    assert "trust" not in (pg_home / "pgdata" / "pg_hba.conf").read_text().split("Written by wodlab")[1]
    socket_dir = make_url(server_url).query["host"]
    with pytest.raises(psycopg.OperationalError, match="password"):
        psycopg.connect(f"postgresql://postgres@/postgres?host={socket_dir}").close()
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(f"postgresql://postgres:wrong@/postgres?host={socket_dir}").close()
    with psycopg.connect(f"postgresql://postgres:{secret.read_text().strip()}@/postgres?host={socket_dir}") as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
