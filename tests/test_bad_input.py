"""Nothing lost, nothing crashes: each case of the fault-and-bad-input campaign, reproduced first.

Every test names the behaviour it pins. Bad input is refused with its place and loads nothing;
corrections are kept; faults of the database are explained.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys

import pandas as pd
import pytest
import sqlalchemy as sa
from wodcraft.library import get

import wodlab
from conftest import BOX, FIXTURES, ROOT
from wodlab.core.errors import QueryError, WodlabError
from wodlab.load.report import ConflictError, LoadError
from wodlab.scoring.scores import parse_score
from wodlab.scoring.values import ScoreMismatch, ScoreSyntaxError
from wodlab.store.names import athlete_id
from wodlab.store.server import HOME_ENV, _embedded_postgres, embedded_status, start_embedded, stop_embedded
from wodlab.workouts.structure import Scoring

FRAN_RESULT_HEADER = "wod,session_date,session_time,track,location,athlete,score\n"


def _env(lab) -> dict:
    return {**os.environ, "DATABASE_URL": lab.engine.url.render_as_string(hide_password=False)}


def _cli(wodlab_cli, lab, *args, cwd=ROOT):
    return wodlab_cli(*args, env=_env(lab), cwd=cwd)


def _results_file(path, *rows: str):
    path.write_text(FRAN_RESULT_HEADER + "".join(f"Fran,2026-09-01,18:00,RX,Main floor,{row}\n" for row in rows))
    return path


# --- 2. corrections are a feature ---------------------------------------------------------------------

def test_a_corrected_score_is_a_conflict_naming_row_old_and_new_values(box_lab, tmp_path, count):
    box_lab.load_results(_results_file(tmp_path / "first.csv", "alice,3:20"))
    with pytest.raises(ConflictError) as caught:
        box_lab.load_results(_results_file(tmp_path / "second.csv", "bruno,4:00", "alice,9:59"))
    (conflict,) = caught.value.conflicts
    assert conflict.row == 3 and conflict.changes["score_text"] == ("3:20", "9:59")
    assert "row 3: score_text stored '3:20', file says '9:59'" in str(caught.value)
    assert count(box_lab, "athlete_results") == 1  # bruno's new row was not loaded either


def test_update_applies_the_correction_and_keeps_the_old_value_in_history(box_lab, tmp_path):
    box_lab.load_results(_results_file(tmp_path / "first.csv", "alice,3:20", "bruno,4:00"))
    second = _results_file(tmp_path / "second.csv", "alice,9:59", "bruno,4:00", "chloe,5:00")
    report = box_lab.load_results(second, update=True)
    assert (report.inserted, report.unchanged, report.updated, report.rejected) == (1, 1, 1, 0)
    assert report.summary() == "athlete_results: 3 rows read, 1 new, 1 unchanged, 1 updated"
    stored = box_lab.sql("SELECT score_text FROM athlete_results WHERE athlete_id = :a", a=str(athlete_id("alice")))
    assert stored["score_text"].tolist() == ["9:59"]
    history = box_lab.sql("SELECT table_name, old_row, new_row, source FROM load_history")
    assert len(history) == 1 and history["table_name"][0] == "athlete_results"
    assert history["old_row"][0]["score_text"] == "3:20" and history["new_row"][0]["score_text"] == "9:59"
    assert history["source"][0] == str(second)
    again = box_lab.load_results(second, update=True)
    assert (again.inserted, again.unchanged, again.updated) == (0, 3, 0)


def test_skip_bad_rejects_conflicting_rows_and_loads_the_rest(box_lab, tmp_path, count):
    box_lab.load_results(_results_file(tmp_path / "first.csv", "alice,3:20"))
    report = box_lab.load_results(_results_file(tmp_path / "second.csv", "alice,9:59", "bruno,4:00"), skip_bad=True)
    assert (report.inserted, report.rejected) == (1, 1)
    rejects = pd.read_csv(report.reject_file, dtype=str)
    assert rejects["reject_row"].tolist() == ["2"] and "--update" in rejects["reject_reason"][0]


def test_an_athlete_file_with_one_external_id_under_two_names_names_both_rows(lab, tmp_path, count):
    path = tmp_path / "athletes.csv"
    path.write_text("external_id,name\nx1,Ann\nx2,Bob\nx1,Anne\n")
    with pytest.raises(LoadError) as caught:
        lab.load_athletes(path)
    assert [(p.row, p.column) for p in caught.value.problems] == [(4, "external_id")]
    assert "the same external_id as row 2" in str(caught.value)
    assert count(lab, "athletes") == 0


def test_a_renamed_athlete_and_a_changed_session_are_conflicts(box_lab, tmp_path):
    athletes = tmp_path / "athletes.csv"
    athletes.write_text("external_id,name,gender\nalice,Alicia,F\n")
    with pytest.raises(ConflictError, match="display_name stored 'Alice', file says 'Alicia'"):
        box_lab.load_athletes(athletes)
    sessions = tmp_path / "sessions.csv"
    sessions.write_text("wod,session_date,session_time,track,location,coach_notes\nFran,2026-09-01,18:00,RX,Main floor,Go fast\n")
    with pytest.raises(ConflictError, match="coach_notes"):
        box_lab.load_sessions(sessions)
    assert box_lab.load_sessions(sessions, update=True).updated == 1


def test_cli_reports_a_conflict_with_exit_2_and_update_applies_it(wodlab_cli, box_lab, tmp_path):
    box_lab.load_results(_results_file(tmp_path / "first.csv", "alice,3:20"))
    second = _results_file(tmp_path / "second.csv", "alice,9:59")
    run = _cli(wodlab_cli, box_lab, "load", "results", second)
    assert run.returncode == 2 and "score_text stored '3:20', file says '9:59'" in run.stderr and "Traceback" not in run.stderr
    run = _cli(wodlab_cli, box_lab, "load", "results", second, "--update")
    assert run.returncode == 0 and run.stdout.strip() == "athlete_results: 1 rows read, 0 new, 0 unchanged, 1 updated"


# --- 3. numbers that are not quantities --------------------------------------------------------------------

@pytest.mark.parametrize("quantity, reason", [("NaN", "not a finite number"), ("inf", "not a finite number"),
                                              ("-5", "below 0"), ("1e12", "too large")])
def test_event_quantities_must_be_finite_and_in_range(box_lab, tmp_path, quantity, reason):
    box_lab.load_results(BOX / "results.csv")
    path = tmp_path / "events.csv"
    path.write_text("wod,session_date,session_time,location,athlete,timestamp_offset,movement,quantity_completed\n"
                    f"Push Pull Twelve,2026-09-03,07:00,Main floor,alice,60,push_up,{quantity}\n")
    with pytest.raises(LoadError) as caught:
        box_lab.load_events(path)
    (problem,) = caught.value.problems
    assert (problem.row, problem.column) == (2, "quantity_completed") and reason in problem.reason


@pytest.mark.parametrize("kwargs, message", [
    ({"quantity": float("nan")}, "finite"), ({"quantity": float("inf")}, "finite"), ({"quantity": -5}, "at least 0"),
    ({"quantity": 5, "event_type": "BOGUS"}, "unknown event_type"), ({"quantity": 5, "offset": -1}, "timestamp_offset"),
    ({"quantity": 5, "metadata": {"x": float("nan")}}, "metadata is not JSON"),
])
def test_the_tracker_refuses_what_the_loader_refuses(box_lab, kwargs, message, count):
    session = box_lab.sql("SELECT id::text FROM scheduled_sessions LIMIT 1").iloc[0, 0]
    tracker = box_lab.tracker(session)
    with pytest.raises(WodlabError, match=message):
        tracker.record_movement_completion("alice", "thruster", **kwargs)
    assert count(box_lab, "realized_events") == 0


def test_a_nan_quantity_never_tops_the_live_leaderboard(box_lab):
    session = box_lab.sql("SELECT id::text FROM scheduled_sessions LIMIT 1").iloc[0, 0]
    tracker = box_lab.tracker(session)
    tracker.record_movement_completion("alice", "thruster", 10, offset=5)
    with pytest.raises(WodlabError):
        tracker.record_movement_completion("bruno", "thruster", float("nan"), offset=6)
    board = box_lab.live_leaderboard(session)
    assert board["total_reps"].notna().all() and len(board) == 1


def test_metadata_over_8_kb_is_stored_and_heard_whole(box_lab):
    session = box_lab.sql("SELECT id::text FROM scheduled_sessions LIMIT 1").iloc[0, 0]
    big = {"note": "x" * 20_000}
    ready = multiprocessing.get_context("spawn").Event()
    heard = []

    import threading

    def listen():
        heard.extend(box_lab.listen(session, timeout=20, stop_after=1, on_ready=ready.set))

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    assert ready.wait(20)
    box_lab.tracker(session).record_movement_completion("alice", "thruster", 3, metadata=big)
    thread.join(30)
    assert heard and heard[0]["metadata"] == big
    stored = box_lab.sql("SELECT metadata FROM realized_events")["metadata"][0]
    assert stored == big


# --- 4. impossible scores are refused, never normalised ---------------------------------------------------

@pytest.mark.parametrize("text, expected", [("4:75", "seconds below 60"), ("4:60", "seconds below 60"),
                                            ("1:75:00", "minutes below 60"), ("4:32 tb 99:99", "seconds below 60"),
                                            ("12.5 rounds", "whole number"), ("7.5+3", "whole number"),
                                            ("99999999999", "below 10,000,000")])
def test_impossible_scores_are_refused_with_their_column(text, expected):
    with pytest.raises(ScoreSyntaxError, match=expected):
        parse_score(text)


def test_a_long_workout_may_lead_with_60_minutes_or_more():
    assert parse_score("65:12").score_value == 65 * 60 + 12


def test_ten_million_reps_on_cindy_is_refused():
    cindy = Scoring.of(__import__("wodcraft.api", fromlist=["x"]).compile_source(get("girls/cindy").source).document)
    with pytest.raises(ScoreMismatch, match="no one does"):
        parse_score("9000000", cindy)
    with pytest.raises(ScoreSyntaxError):
        parse_score("10000000", cindy)
    assert parse_score("412", cindy).score_value == 13  # 13 rounds + 22 reps still reads


# --- 6. and 7. files as people save them --------------------------------------------------------------------

def test_a_wod_file_saved_with_a_bom_loads(lab, tmp_path):
    (tmp_path / "fran.wod").write_bytes(b"\xef\xbb\xbf" + get("girls/fran").source.encode())
    report = lab.load_wods(tmp_path, progress=False)
    assert report.ok and report.inserted == 1


@pytest.mark.parametrize("content, reason", [
    ("# Café\nFor time\n  10 Burpees\n".encode("latin-1"), "line 1, column 6: W001 byte 0xe9 is not UTF-8"),
    (b"# Fran\n\x00\n", "line 2, column 1: W002 a NUL byte"),
    (b"", "W003 no workout in this text"),
    (b"   \n\n", "W003 no workout in this text"),
])
def test_unreadable_wod_files_are_rejected_with_their_line_and_the_others_load(lab, tmp_path, content, reason):
    (tmp_path / "a_bad.wod").write_bytes(content)
    (tmp_path / "b_good.wod").write_text(get("girls/fran").source)
    report = lab.load_wods(tmp_path, progress=False)
    rejected = [o for o in report.outcomes if o.status == "rejected"]
    assert len(rejected) == 1 and reason in rejected[0].reason, rejected
    assert report.inserted == 1  # the file after the bad one was tried and stored


@pytest.mark.parametrize("content, message", [
    (b"", "the file is empty"),
    (b'external_id,name\nx1,"Ann\n', "unclosed quote"),
    ("external_id,name\nx1,Zoé\n".encode("latin-1"), "line 2 is not UTF-8"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "not UTF-8"),
])
def test_unreadable_csv_files_are_refused_with_their_line(lab, tmp_path, content, message, count):
    path = tmp_path / "athletes.csv"
    path.write_bytes(content)
    for skip_bad in (False, True):
        with pytest.raises(WodlabError, match=message):
            lab.load_athletes(path, skip_bad=skip_bad)
    assert count(lab, "athletes") == 0


def test_a_csv_saved_with_a_bom_loads(lab, tmp_path):
    path = tmp_path / "athletes.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (BOX / "athletes.csv").read_bytes())
    assert lab.load_athletes(path).inserted == 8


# --- 11. rows as the editor shows them -----------------------------------------------------------------------

def test_rows_are_named_by_their_line_after_blank_lines_and_quoted_line_breaks(box_lab, tmp_path):
    path = tmp_path / "results.csv"
    path.write_text(FRAN_RESULT_HEADER + "\n"
                    'Fran,2026-09-01,18:00,RX,"Main\nfloor",alice,4:00\n'   # lines 3-4: no such session
                    "\n"
                    "Fran,2026-09-01,18:00,RX,Main floor,nobody,4:00\n")   # line 6
    with pytest.raises(LoadError) as caught:
        box_lab.load_results(path)
    assert [p.row for p in caught.value.problems] == [3, 6]
    report = box_lab.load_results(path, skip_bad=True)
    assert pd.read_csv(report.reject_file)["reject_row"].tolist() == [3, 6]


# --- 12. out-of-range numbers are named in the row checks ------------------------------------------------------

@pytest.mark.parametrize("column, value", [("max_participants", "100000000000000000000"), ("team_size", "3000000000")])
def test_numbers_beyond_the_columns_are_named_before_copy(box_lab, tmp_path, column, value):
    path = tmp_path / "sessions.csv"
    path.write_text(f"wod,session_date,{column}\nFran,2026-10-01,{value}\nFran,2026-10-02,5\n")
    with pytest.raises(LoadError) as caught:
        box_lab.load_sessions(path)
    (problem,) = caught.value.problems
    assert (problem.row, problem.column) == (2, column) and "above" in problem.reason
    assert box_lab.load_sessions(path, skip_bad=True).inserted == 1


def test_a_score_beyond_the_column_is_named(box_lab, tmp_path):
    with pytest.raises(LoadError) as caught:
        box_lab.load_results(_results_file(tmp_path / "r.csv", "alice,99999999999"))
    assert [(p.row, p.column) for p in caught.value.problems] == [(2, "score")]


# --- 1. scratch copies ------------------------------------------------------------------------------------------

def test_a_scratch_copy_of_itself_under_its_own_name_is_refused_and_kept(sim_copy):
    copy = sim_copy.scratch_copy("mine")
    with pytest.raises(WodlabError):
        copy.scratch_copy("mine")
    assert copy.require_results() > 0
    copy.engine.dispose()


# --- 8. concurrent loads ----------------------------------------------------------------------------------------

def _load_in_order(url: str, path: str, barrier) -> str:
    lab = wodlab.connect(url)
    barrier.wait()
    return lab.load_results(path).summary()


@pytest.mark.slow
def test_two_loads_of_the_same_rows_in_opposite_orders_both_succeed(box_lab, tmp_path, count):
    athletes = pd.DataFrame({"external_id": [f"m{i:04d}" for i in range(400)], "name": [f"M {i}" for i in range(400)]})
    box_lab.load_athletes(athletes)
    rows = [f"m{i:04d},{3 + i % 5}:{i % 60:02d}" for i in range(400)]
    forward = _results_file(tmp_path / "forward.csv", *rows)
    backward = _results_file(tmp_path / "backward.csv", *reversed(rows))
    url = box_lab.engine.url.render_as_string(hide_password=False)
    context = multiprocessing.get_context("spawn")
    barrier = context.Manager().Barrier(2)
    with context.Pool(2) as pool:
        done = pool.starmap(_load_in_order, [(url, str(forward), barrier), (url, str(backward), barrier)])
    assert all("rows read" in summary for summary in done)
    assert count(box_lab, "athlete_results") == 400


# --- 9. and 10. the database's faults, and bad parameters ------------------------------------------------------

@pytest.mark.parametrize("limit", [-1, 99999999999999999999])
def test_out_of_range_limits_are_query_errors(wodlab_cli, box_lab, limit):
    with pytest.raises(QueryError, match="expects an integer from 0"):
        box_lab.query("search_wods", limit=limit)
    run = _cli(wodlab_cli, box_lab, "query", "search_wods", f"limit={limit}")
    assert run.returncode == 2 and "Traceback" not in run.stderr


@pytest.fixture
def own_server_home():
    """A data folder for a server of the test's own, stopped and deleted after.

    Made like the run's own server (tests/conftest.py): a fresh folder directly under /tmp, short
    because the socket lives in it, outside pytest's per-run folders.
    """
    import shutil
    import tempfile
    from pathlib import Path


    home = Path(tempfile.mkdtemp(prefix="wls-", dir="/tmp"))
    yield home
    stop_embedded(home)
    shutil.rmtree(home, ignore_errors=True)


def _answers(url: str) -> bool:
    with sa.create_engine(url).connect() as conn:
        return conn.execute(sa.text("SELECT 1")).scalar() == 1


@pytest.mark.slow
def test_a_stale_postmaster_pid_of_a_live_process_does_not_block_the_server(own_server_home):

    home = own_server_home
    start_embedded(home)
    stop_embedded(home)
    pgdata = home / "pgdata"
    (pgdata / "postmaster.pid").write_text(f"{os.getpid()}\n{pgdata}\n1700000000\n5432\n{pgdata}\n\n  1 2\nready   \n")
    assert not embedded_status(home)["running"]
    url = start_embedded(home)
    assert embedded_status(home)["running"] and _answers(url)


@pytest.mark.slow
def test_an_empty_handle_pids_file_does_not_block_the_server(own_server_home):

    start_embedded(own_server_home)
    (own_server_home / "pgdata" / ".handle_pids.json").write_text("")
    assert _answers(start_embedded(own_server_home))


@pytest.mark.slow
def test_every_command_against_a_stopped_server_exits_3_without_traceback(wodlab_cli, own_server_home, tmp_path):

    url = start_embedded(own_server_home)
    stop_embedded(own_server_home)
    env = {**os.environ, "DATABASE_URL": url}
    bad = tmp_path / "athletes.csv"
    bad.write_text("external_id,name\nx,X\n")
    commands = [["init"], ["query", "athletes"], ["load", "athletes", bad], ["load", "wods", "--library"],
                ["load", "box", FIXTURES / "sim"], ["difficulty", "list"], ["difficulty", "fit"],
                ["load", "leaderboard", FIXTURES / "leaderboards" / "open_wide.csv", "--competition", "X"],
                ["simulate", "--athletes", "5", "--weeks", "1", "--load", "--out", tmp_path / "box"]]
    for command in commands:
        run = wodlab_cli(*command, env=env)
        assert run.returncode == 3, (command, run.stderr)
        assert "Traceback" not in run.stderr and "wodlab db start" in run.stderr, command


@pytest.mark.slow
def test_a_lab_whose_server_stopped_says_what_to_do(own_server_home):
    from wodlab.core.errors import DatabaseUnavailable

    lab = wodlab.connect(start_embedded(own_server_home))
    stop_embedded(own_server_home)
    with pytest.raises(DatabaseUnavailable, match="wodlab db start"):
        lab.athletes()


def test_every_cli_command_with_a_bad_file_exits_2_without_traceback(wodlab_cli, box_lab, tmp_path):
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(b"\xff\xfe\x00garbage")
    wod = tmp_path / "bad.wod"
    wod.write_bytes(b"\xff\xfe")
    for command in (["load", "athletes", garbage], ["load", "sessions", garbage], ["load", "results", garbage],
                    ["load", "events", garbage], ["load", "box", tmp_path], ["load", "wods", wod],
                    ["load", "results", tmp_path / "missing.csv"]):
        run = _cli(wodlab_cli, box_lab, *command)
        assert run.returncode in (1, 2), (command, run.stderr)
        assert "Traceback" not in run.stderr, command


def test_json_lines_that_are_not_objects_are_named(box_lab, tmp_path):
    path = tmp_path / "events.jsonl"
    path.write_text(json.dumps({"athlete": "alice"}) + "\n[1, 2]\n")
    with pytest.raises(WodlabError, match="line 2 is not a JSON object"):
        box_lab.load_events(path)


def test_a_failed_compile_of_one_workout_in_a_folder_is_reported_and_the_rest_load(lab, tmp_path):
    (tmp_path / "a.wod").write_text("# Broken\nFor time\n  10 Flying unicorns\n")
    (tmp_path / "b.wod").write_text(get("girls/fran").source)
    (tmp_path / "c.wod").write_text(get("girls/grace").source)
    report = lab.load_wods(tmp_path, progress=False)
    assert [o.status for o in report.outcomes] == ["rejected", "new", "new"]
    assert report.inserted == 2


def _connect_in_worker(_):
    import wodlab as w

    w.connect().engine.dispose()
    return True


@pytest.mark.slow
def test_connect_works_after_a_pool_of_workers_is_terminated_mid_connection(own_server_home, monkeypatch):
    """Workers killed while embedded-postgres rewrites .handle_pids.json must not break later connects."""
    from wodlab.store import db

    start_embedded(own_server_home)
    monkeypatch.setenv(HOME_ENV, str(own_server_home))
    monkeypatch.delenv(db.URL_ENV, raising=False)
    context = multiprocessing.get_context("fork")
    with context.Pool(8) as pool:
        pending = pool.map_async(_connect_in_worker, range(16))
        pending.wait(0.5)
        pool.terminate()  # mid-connection for some of them
    for _ in range(3):
        lab = wodlab.connect()
        assert lab.sql("SELECT 1 AS one")["one"][0] == 1
        lab.engine.dispose()


def test_a_deadlock_is_not_mistaken_for_a_lost_server():
    """psycopg files deadlocks under OperationalError too: they are retried, never reported as 'unavailable'."""
    import psycopg

    from wodlab.store.db import lost_connection

    assert not lost_connection(psycopg.errors.DeadlockDetected())
    assert not lost_connection(psycopg.errors.SerializationFailure())
    assert lost_connection(psycopg.OperationalError("connection refused"))
    assert lost_connection(psycopg.errors.AdminShutdown())


@pytest.mark.slow
def test_a_data_folder_of_another_postgresql_version_says_what_to_do(wodlab_cli, own_server_home):

    pgdata = own_server_home / "pgdata"
    pgdata.mkdir(parents=True)
    (pgdata / "PG_VERSION").write_text("13\n")
    with pytest.raises(WodlabError, match=r"made by PostgreSQL 13.*embedded server is PostgreSQL \d+") as caught:
        start_embedded(own_server_home)
    assert "wodlab export" in str(caught.value) and "DATABASE_URL" in str(caught.value)
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    run = wodlab_cli("db", "start", env={**env, "WODLAB_HOME": str(own_server_home)}, cwd=ROOT)
    assert run.returncode == 2 and "PostgreSQL 13" in run.stderr
    assert (pgdata / "PG_VERSION").read_text() == "13\n"  # nothing was touched


@pytest.mark.slow
def test_a_lab_reconnects_after_the_server_restarts(own_server_home):
    """`wodlab db stop; wodlab db start` under a running notebook or API: the pooled connections are stale, and
    the next requests are answered on new ones (none fails)."""

    lab = wodlab.connect(start_embedded(own_server_home))
    with lab.engine.connect() as a, lab.engine.connect() as b:  # two pooled connections
        a.execute(sa.text("SELECT 1")), b.execute(sa.text("SELECT 1"))
    stop_embedded(own_server_home)
    start_embedded(own_server_home)
    for _ in range(4):
        assert lab.sql("SELECT 1 AS one")["one"][0] == 1
    lab.engine.dispose()


@pytest.mark.slow
def test_a_server_that_never_answers_times_out(tmp_path, monkeypatch):
    """A frozen server (SIGSTOP) accepts the connection and says nothing: connect gives up after CONNECT_TIMEOUT."""
    import socket
    import time

    from wodlab.core.errors import DatabaseUnavailable
    from wodlab.store import db

    monkeypatch.setattr(db, "CONNECT_TIMEOUT", 2)
    silent = socket.socket(socket.AF_UNIX)
    silent.bind(str(tmp_path / ".s.PGSQL.5432"))
    silent.listen(8)  # accepted by the kernel, never read
    started = time.monotonic()
    with pytest.raises(DatabaseUnavailable, match="wodlab db start"):
        wodlab.connect(f"postgresql://u@/wodlab?host={tmp_path}", init=False)
    assert time.monotonic() - started < 20
    silent.close()


@pytest.mark.parametrize("url, said", [
    ("mysql://admin:hunter2@db.example/x", "needs PostgreSQL"),
    ("postgresql://admin:hunter2@db.example:notaport/x", "not a database URL"),
])
def test_a_bad_database_url_is_named_without_its_password(url, said):
    from wodlab.core.errors import DatabaseError
    from wodlab.store import db

    with pytest.raises(DatabaseError, match=said) as caught:
        db.to_sqlalchemy_url(url)
    assert "hunter2" not in str(caught.value) and "admin:***@" in str(caught.value)


def test_postgres_scheme_urls_are_postgresql():
    from wodlab.store import db

    assert db.to_sqlalchemy_url("postgres://u:p@h:5433/d") == "postgresql+psycopg://u:p@h:5433/d"


@pytest.mark.slow
def test_db_start_prints_no_password(own_server_home):
    from sqlalchemy.engine import make_url


    password = make_url(start_embedded(own_server_home)).password
    assert password
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    run = subprocess.run([sys.executable, "-m", "wodlab.cli", "db", "start"], env={**env, "WODLAB_HOME": str(own_server_home)},
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0 and password not in run.stdout + run.stderr and ":***@" in run.stdout


def test_a_value_longer_than_its_column_is_named_at_its_row_and_skip_bad_loads_the_rest(lab, tmp_path, count):
    path = tmp_path / "athletes.csv"
    path.write_text("external_id,name\na,Alice\nb,Bob\n" + "x" * 150 + ",Long Id\nc,Carl\n")
    with pytest.raises(LoadError, match=r"row 4, column 'external_id': 150 characters; external_id holds at most 100"):
        lab.load_athletes(path)
    assert count(lab, "athletes") == 0
    report = lab.load_athletes(path, skip_bad=True)
    assert (report.inserted, report.rejected) == (3, 1) and count(lab, "athletes") == 3


def test_a_title_longer_than_the_column_is_a_rejected_workout_naming_its_line(lab, tmp_path):
    (tmp_path / "long.wod").write_text("# " + "T" * 10_000 + "\nFor time\n  21 Thruster 43/30 kg\n")
    report = lab.load_wods([tmp_path / "long.wod"], progress=False)
    (outcome,) = report.outcomes
    assert outcome.status == "rejected" and "line 1" in outcome.reason and "at most 255" in outcome.reason


def test_text_in_decomposed_unicode_matches_the_same_text_composed(box_lab, tmp_path, count):
    """macOS writes "José" as J-o-s-e + a combining accent (NFD); typed elsewhere it is one character (NFC).
    Both name one athlete: the second file is the same row, not a conflict, and a result file in NFD finds them."""
    import unicodedata

    composed, decomposed = "José Núñez", unicodedata.normalize("NFD", "José Núñez")
    assert composed != decomposed
    (tmp_path / "nfc.csv").write_text(f"external_id,name\njosé,{composed}\n", encoding="utf-8")
    (tmp_path / "nfd.csv").write_text(f"external_id,name\n{unicodedata.normalize('NFD', 'josé')},{decomposed}\n",
                                      encoding="utf-8")
    box_lab.load_athletes(tmp_path / "nfc.csv")
    again = box_lab.load_athletes(tmp_path / "nfd.csv")
    assert again.unchanged == 1 and again.inserted == 0
    stored = box_lab.sql("SELECT display_name FROM athletes WHERE external_id LIKE 'jos%'")["display_name"].tolist()
    assert stored == [composed]
    results = (BOX / "results.csv").read_text().splitlines()
    header, first = results[0], results[1].split(",")
    first[header.split(",").index("athlete")] = unicodedata.normalize("NFD", "josé")
    (tmp_path / "results.csv").write_text(header + "\n" + ",".join(first) + "\n", encoding="utf-8")
    assert box_lab.load_results(tmp_path / "results.csv").inserted == 1


@pytest.mark.slow
def test_a_smart_shutdown_waiting_for_a_client_is_said_as_such(own_server_home):
    """`pg_ctl stop -m smart` waits for connected clients: the server is up and refuses new connections. Status says
    so, commands exit 3 naming it (not 2 with an empty reason), and `wodlab db stop` ends it."""
    import time


    url = start_embedded(own_server_home)
    engine = sa.create_engine(url)
    client = engine.raw_connection()  # a notebook's connection, still open
    try:
        client.cursor().execute("SELECT 1")
        as_root = os.geteuid() == 0
        _embedded_postgres().pg_ctl(["-m", "smart", "--no-wait", "stop"], pgdata=own_server_home / "pgdata",
                                       user="embedded_postgres" if as_root else None)
        deadline = time.monotonic() + 30
        while not embedded_status(own_server_home)["stopping"] and time.monotonic() < deadline:
            time.sleep(0.05)  # polling the server's own state file, bounded
        env = {**{k: v for k, v in os.environ.items() if k != "DATABASE_URL"}, "WODLAB_HOME": str(own_server_home)}
        status = subprocess.run([sys.executable, "-m", "wodlab.cli", "db", "status"], env=env, capture_output=True, text=True)
        assert status.returncode == 3 and "shutting down" in status.stdout
        query = subprocess.run([sys.executable, "-m", "wodlab.cli", "query", "athletes"], env=env, capture_output=True,
                               text=True)
        assert query.returncode == 3 and "shutting down" in query.stderr
        assert stop_embedded(own_server_home)
    finally:
        client.invalidate()  # the server closed it
    engine.dispose()
    assert not embedded_status(own_server_home)["stopping"] and not embedded_status(own_server_home)["running"]
