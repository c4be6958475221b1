"""athlete_results and realized_events partitioned by the month of their session (migration 011)."""

from __future__ import annotations

import datetime as dt
import uuid

import pandas as pd
import sqlalchemy as sa

import wodlab
from conftest import BOX, database_url
from wodlab.store import queries, schema

PARTITIONED = ("athlete_results", "realized_events")


def _rows_by_partition(lab, table: str) -> dict[str, int]:
    found = lab.sql(f"SELECT tableoid::regclass::text AS part, count(*) AS n FROM {table} GROUP BY 1 ORDER BY 1")
    return dict(zip(found["part"], found["n"].astype(int)))


def _months(lab, table: str) -> dict[str, int]:
    found = lab.sql(f"SELECT to_char(ss.session_date, 'YYYY_MM') AS month, count(*) AS n FROM {table} t "
                    f"JOIN scheduled_sessions ss ON ss.id = t.session_id GROUP BY 1 ORDER BY 1")
    return {f"{table}_{m}": int(n) for m, n in zip(found["month"], found["n"])}


def test_loaded_rows_sit_in_the_partition_of_their_sessions_month(sim_lab):
    for table in PARTITIONED:
        stored = _rows_by_partition(sim_lab, table)
        assert stored == _months(sim_lab, table), table  # the default partition holds nothing
        assert len(stored) >= 2
    wrong = sim_lab.sql("SELECT count(*) AS n FROM athlete_results ar JOIN scheduled_sessions ss ON ss.id = ar.session_id "
                        "WHERE ar.session_date <> ss.session_date")
    assert wrong["n"].iloc[0] == 0


def _scanned(nodes: list[dict], table: str) -> set[str]:
    return {n["Relation Name"] for n in nodes if n.get("Relation Name", "").startswith(table)}


def _month_bounds(partition: str) -> tuple[dt.date, dt.date]:
    first = dt.date(int(partition[-7:-3]), int(partition[-2:]), 1)
    return first, (pd.Timestamp(first) + pd.offsets.MonthEnd(0)).date()


def test_a_date_bounded_slice_reads_only_its_months(sim_lab):
    for name, table in (("results", "athlete_results"), ("events", "realized_events")):
        months = _months(sim_lab, table)
        partition = sorted(months)[-1]
        first, end = _month_bounds(partition)
        nodes = queries.plan_nodes(sim_lab.engine, name, start=first, end=end)
        assert _scanned(nodes, table) == {partition}, name  # pruned at planning: the other months are not read
        every = set(sim_lab.sql("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                                f"WHERE i.inhparent = '{table}'::regclass")["relname"])
        assert {*months, f"{table}_default"} <= every  # a load makes the months of every session (one COPY)
        assert _scanned(queries.plan_nodes(sim_lab.engine, name), table) == every
        sliced = getattr(sim_lab, name)(start=first, end=end)
        assert len(sliced) == months[partition]
        assert sliced["session_date"].between(pd.Timestamp(first), pd.Timestamp(end)).all()


def test_a_live_event_of_a_month_without_partition_waits_in_the_default_then_moves(box_lab):
    from wodlab.tables.tracker import RealtimeTracker

    session = uuid.uuid4()
    with box_lab.engine.begin() as conn:  # a session in a month nothing was loaded for yet
        conn.execute(sa.text("INSERT INTO scheduled_sessions (id, wod_definition_id, session_date) "
                             "SELECT :s, id, DATE '2031-07-14' FROM wod_definitions WHERE title = 'Fran'"), {"s": session})
    athlete = box_lab.sql("SELECT external_id FROM athletes ORDER BY external_id LIMIT 1")["external_id"].iloc[0]
    tracker = RealtimeTracker(box_lab.engine, session, start_time=0)
    event = tracker.record_movement_completion(athlete, "thruster", 21, offset=42)
    assert _rows_by_partition(box_lab, "realized_events") == {"realized_events_default": 1}
    with box_lab.engine.begin() as conn:
        conn.execute(sa.text("SELECT wodlab_month_partition('realized_events', DATE '2031-07-01')"))
    assert _rows_by_partition(box_lab, "realized_events") == {"realized_events_2031_07": 1}
    kept = box_lab.sql("SELECT id::text AS id, quantity_completed FROM realized_events")
    assert kept["id"].tolist() == [event["id"]] and float(kept["quantity_completed"].iloc[0]) == 21


def test_a_session_moved_to_another_month_takes_its_results_events_and_flags(box_lab, count):
    box_lab.load_results(BOX / "results.csv")
    box_lab.load_events(BOX / "events.jsonl")
    tracked = box_lab.sql("SELECT session_id, count(*) AS n FROM realized_events GROUP BY 1 ORDER BY 1")
    session, events = tracked["session_id"].iloc[0], int(tracked["n"].iloc[0])
    results = box_lab.sql("SELECT id FROM athlete_results WHERE session_id = :s ORDER BY id", s=session)["id"].tolist()
    with box_lab.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO result_flags (result_id, flag, reason, severity) VALUES (:r, 'outlier', 'test', 3)"),
                     {"r": results[0]})
        conn.execute(sa.text("UPDATE scheduled_sessions SET session_date = DATE '2030-02-03' WHERE id = :s"), {"s": session})
    assert _rows_by_partition(box_lab, "athlete_results")["athlete_results_2030_02"] == len(results)
    assert _rows_by_partition(box_lab, "realized_events")["realized_events_2030_02"] == events
    assert count(box_lab, "result_flags") == 1  # moving a row between partitions keeps its flag
    with box_lab.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM athlete_results WHERE id = :r"), {"r": results[0]})
    assert count(box_lab, "result_flags") == 0  # deleting the result takes its flag


def _apply_up_to(url: str, version: int) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        schema._ensure_ledger(conn)
        for migration in schema.migrations():
            if migration.version <= version:
                with conn.connection.driver_connection.cursor() as cur:
                    cur.execute(migration.sql)
                conn.execute(sa.text("INSERT INTO schema_migrations (version, name, checksum) VALUES (:v, :n, :c)"),
                             {"v": migration.version, "n": migration.name, "c": migration.checksum})
    engine.dispose()


def test_the_migration_from_unpartitioned_tables_keeps_every_row(admin, server_url, template):
    name = f"wl_unpartitioned_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    url = database_url(server_url, name)
    try:
        _apply_up_to(url, 10)
        engine = sa.create_engine(url)
        with engine.begin() as conn:  # a database as wodlab 010 left it: rows over three months, a flag
            conn.execute(sa.text("""
                INSERT INTO wod_definitions (id, title, dsl_source, ast_json, source_hash)
                VALUES ('00000000-0000-0000-0000-000000000001', 'Old', 'x', '{}', 'h');
                INSERT INTO scheduled_sessions (id, wod_definition_id, session_date)
                SELECT ('00000000-0000-0000-0001-' || lpad(m::text, 12, '0'))::uuid, '00000000-0000-0000-0000-000000000001',
                       DATE '2024-01-15' + make_interval(months => m)
                FROM generate_series(0, 2) m;
                INSERT INTO athlete_results (id, session_id, athlete_id, score_type, score_value, score_text, rank_tier, rank_value)
                SELECT gen_random_uuid(), s.id, gen_random_uuid(), 'TIME', 100 + a, (100 + a)::text, 0, 100 + a
                FROM scheduled_sessions s, generate_series(1, 40) a;
                INSERT INTO realized_events (id, session_id, athlete_id, timestamp_offset, movement, quantity_completed)
                SELECT gen_random_uuid(), ar.session_id, ar.athlete_id, 30, 'thruster', 21 FROM athlete_results ar;
                INSERT INTO result_flags (result_id, flag, reason, severity)
                SELECT id, 'outlier', 'kept', 2 FROM athlete_results ORDER BY id LIMIT 1;"""))
        before = pd.read_sql("SELECT id, session_id, score_value, realized_events::text AS timeline FROM athlete_results "
                             "ORDER BY id", engine)
        events_before = pd.read_sql("SELECT id, session_id, quantity_completed FROM realized_events ORDER BY id", engine)
        assert [m.version for m in schema.apply_migrations(engine)][0] == 11  # what `wodlab init` does
        engine.dispose()
        lab = wodlab.connect(url)
        after = lab.sql("SELECT id, session_id, score_value, realized_events::text AS timeline FROM athlete_results ORDER BY id")
        assert after.astype(str).values.tolist() == before.astype(str).values.tolist()
        assert before["timeline"].notna().all()  # the timelines came along
        events_after = lab.sql("SELECT id, session_id, quantity_completed FROM realized_events ORDER BY id")
        assert events_after.astype(str).values.tolist() == events_before.astype(str).values.tolist()
        assert _rows_by_partition(lab, "athlete_results") == {
            "athlete_results_2024_01": 40, "athlete_results_2024_02": 40, "athlete_results_2024_03": 40}
        assert lab.sql("SELECT count(*) AS n FROM result_flags")["n"].iloc[0] == 1
        assert lab.sql("SELECT relkind FROM pg_class WHERE relname = 'athlete_results'")["relkind"].iloc[0] == "p"
        lab.engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE {name} WITH (FORCE)"))


def test_truncating_results_or_events_keeps_flags_and_timelines_true(box_lab, count):
    box_lab.load_results(BOX / "results.csv")
    box_lab.load_events(BOX / "events.jsonl")
    assert box_lab.sql("SELECT count(*) AS n FROM athlete_results WHERE realized_events IS NOT NULL")["n"].iloc[0] > 0
    with box_lab.engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE realized_events"))
    assert box_lab.sql("SELECT count(*) AS n FROM athlete_results WHERE realized_events IS NOT NULL")["n"].iloc[0] == 0
    with box_lab.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO result_flags (result_id, flag, reason, severity) "
                             "SELECT id, 'outlier', 'test', 3 FROM athlete_results LIMIT 1"))
        conn.execute(sa.text("TRUNCATE athlete_results"))
    assert count(box_lab, "result_flags") == 0
