"""What one small change reads: a corrected score looks its row up, it does not scan every month of results;
a competition board analyzes the month it wrote, not every month; a batch of workouts writes its limits in
one statement.

They read PostgreSQL's own counters: pg_stat_xact_user_tables (this transaction's scans of each table),
pg_stat_user_tables (how often each table was analyzed) and pg_stat_xact_user_functions (this transaction's
calls of each function)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa

from conftest import FIXTURES
from wodlab.bench.workouts import write_numbered_workouts
from wodlab.load import loading
from wodlab.sim.open_board import open_board
from wodlab.tables import wods
from wodlab.tables.results import RESULTS
from wodlab.tables.wod_records import compile_records

_SCANS = sa.text("SELECT COALESCE(sum(seq_scan), 0) AS seq, COALESCE(sum(idx_scan), 0) AS idx "
                 "FROM pg_stat_xact_user_tables WHERE relname LIKE 'athlete_results%' "
                 "AND relname <> 'athlete_results_default'")  # always empty, scanned in a blink


def test_a_corrected_score_is_compared_through_the_id_index(sim_copy, tmp_path):
    """The correction goes through a staging table compared with the stored row; planned for the
    staging's true size (one row) the comparison probes the primary key of each month instead of hashing
    every stored result (the unanalyzed staging table looked like hundreds of rows)."""
    results = pd.read_csv(FIXTURES / "sim" / "results.csv", dtype=str, keep_default_na=False)
    timed = results[results["score"].str.fullmatch(r"\d+:\d\d")].iloc[[-1]].copy()
    minutes, seconds = (int(part) for part in timed["score"].iloc[0].split(":"))
    timed["score"] = f"{minutes}:{seconds + 1:02d}" if seconds < 59 else f"{minutes + 1}:00"
    path = tmp_path / "correction.csv"
    timed.to_csv(path, index=False)
    with sim_copy.engine.begin() as conn:
        report = loading.load(conn, RESULTS, path, update=True)
        scans = conn.execute(_SCANS).one()
    assert report.updated == 1
    assert scans.seq == 0 and scans.idx > 0


def test_a_board_analyzes_only_the_month_it_wrote(sim_copy):
    months = sim_copy.sql("SELECT DISTINCT to_char(session_date, 'YYYY_MM') AS m FROM athlete_results")["m"]
    day = dt.date(2026, 1, 20)  # a month the simulated box's results are in, and one they are not
    before = _analyzed(sim_copy)
    sim_copy.load_leaderboard(open_board(400, seed=3), competition="Counted Open", date=day)  # 2,000 scores
    after = _analyzed(sim_copy)
    changed = {name for name in after.index if after[name] != before.get(name, 0)}
    assert "athlete_results_2026_01" in changed and "athlete_results" in changed
    untouched = {f"athlete_results_{m}" for m in months} - {"athlete_results_2026_01"}
    assert untouched and not (changed & untouched)


def _analyzed(lab) -> pd.Series:
    counts = lab.sql("SELECT relname, analyze_count FROM pg_stat_user_tables WHERE relname LIKE 'athlete_results%'")
    return counts.set_index("relname")["analyze_count"]


def test_a_batch_of_workouts_writes_its_limits_in_one_statement(sim_copy, tmp_path):
    """The limits of a batch of workouts go in as one statement: the limits' statement trigger (migration 019,
    which checks the workouts' results again) runs once per batch, not once per workout (a folder of 2,000
    spent two thirds of its import there), and every workout of the batch gets its row."""
    folder = write_numbered_workouts(tmp_path / "wods", 40)
    records = [r for path in sorted(folder.iterdir()) for r in compile_records(path.read_text(encoding="utf-8"), str(path))]
    with sim_copy.engine.begin() as conn:
        conn.execute(sa.text("SET LOCAL track_functions = 'pl'"))
        assert all(wods.insert_records(conn, records))
        calls = conn.execute(sa.text("SELECT calls FROM pg_stat_xact_user_functions "
                                     "WHERE funcname = 'wodlab_flags_after_limits_changed'")).scalar_one()
        limited = conn.execute(sa.text("SELECT count(*) FROM workout_limits WHERE wod_id = ANY (:ids)"),
                               {"ids": [r.id for r in records]}).scalar_one()
    assert calls == 2  # one statement: an INSERT ... ON CONFLICT DO UPDATE fires its INSERT and UPDATE triggers
    assert limited == len(records)


def test_the_boards_upkeep_looks_its_keys_up_when_statistics_say_the_boards_are_empty(sim_copy):
    """Migration 032. pandas' to_sql sends a file as one transaction of multi-row INSERTs; autovacuum, analyzing
    workout_standings meanwhile, counts none of that transaction's rows and records an empty table over full
    pages. Planned for that, the upkeep's delete of keys no longer backed by a result walked every stored board
    row per statement (a 3,120-row INSERT went from 0.3 s to 11 s). Faked here as autovacuum writes it: three
    statements' upkeep reads the boards they touch (each counted for its size) and looks their keys up; it must
    not read every stored board row once per statement (34,000 rows read before migration 032, 9,000 after)."""
    with sim_copy.engine.connect() as conn:
        sessions = conn.execute(sa.text("SELECT session_id FROM athlete_results GROUP BY session_id "
                                        "ORDER BY count(*) DESC, session_id LIMIT 3")).scalars().all()
        conn.execute(sa.text("CREATE TEMP TABLE again AS SELECT * FROM athlete_results WHERE session_id = ANY (:s)"),
                     {"s": sessions})
        conn.execute(sa.text("DELETE FROM athlete_results WHERE session_id = ANY (:s)"), {"s": sessions})
        conn.commit()
        stored = conn.execute(sa.text("SELECT count(*) FROM workout_standings")).scalar_one()
        conn.execute(sa.text("UPDATE pg_class SET reltuples = 0 WHERE oid = 'workout_standings'::regclass"))
        for session in sessions:
            conn.execute(sa.text("INSERT INTO athlete_results SELECT * FROM again WHERE session_id = :s"), {"s": session})
        added = conn.execute(sa.text("SELECT count(*) FROM again")).scalar_one()
        read = conn.execute(sa.text("SELECT COALESCE(seq_tup_read, 0) + COALESCE(idx_tup_fetch, 0) "
                                    "FROM pg_stat_xact_user_tables WHERE relname = 'workout_standings'")).scalar_one()
        conn.commit()
    assert stored > 10 * added  # the boards are much bigger than what the statements touched
    assert read < 2 * stored, (read, added, stored)

