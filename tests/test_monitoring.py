"""Slow-query monitoring (seed §"Notes": "Logger les requêtes lentes") on the embedded server."""

from __future__ import annotations

import os

from conftest import ROOT
from wodlab.core.frames import dtypes_of
from wodlab.store import queries
from wodlab.store.server import SETTINGS


def test_the_embedded_server_loads_pg_stat_statements_and_logs_slow_statements(lab):
    settings = {name: lab.sql(f"SHOW {name}").iloc[0, 0] for name in SETTINGS}
    assert settings == SETTINGS


def test_slow_queries_lists_the_slowest_statements_and_the_log_keeps_them(lab, pg_home):
    lab.sql("SELECT pg_sleep(0.3) AS slept")
    slow = lab.slow_queries(limit=5)
    assert dtypes_of(slow) == queries.get("slow_statements").dtypes
    top = slow.iloc[0]
    assert "pg_sleep" in top["query"] and top["max_ms"] >= 300 and top["calls"] >= 1
    assert list(slow["mean_ms"]) == sorted(slow["mean_ms"], reverse=True)
    log = (pg_home / "pgdata" / "log").read_text(errors="replace")
    assert "duration:" in log and "pg_sleep(0.3)" in log  # statements over 200 ms are in the server's log


def test_wodlab_db_slow_prints_them(wodlab_cli, lab):
    lab.sql("SELECT pg_sleep(0.25) AS slept")
    env = {**os.environ, "DATABASE_URL": lab.engine.url.render_as_string(hide_password=False)}
    run = wodlab_cli("db", "slow", "--limit", "3", env=env, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert "pg_sleep" in run.stdout and "mean_ms" in run.stdout
