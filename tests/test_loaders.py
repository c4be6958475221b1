"""Loaders: every row checked first, all-or-nothing unless --skip-bad, COPY, idempotent."""

from __future__ import annotations

import csv
from dataclasses import replace

import pandas as pd
import pytest
import sqlalchemy as sa

from conftest import BOX
from wodlab.core.errors import DatabaseError
from wodlab.load import loading
from wodlab.load.report import LoadError
from wodlab.store.names import athlete_id
from wodlab.tables import results

BAD_ROWS = {118: ("score", "7+12"), 405: ("athlete", "nobody"), 871: ("session_date", "2026-13-01")}


def thousand_results(path, box_lab):
    """1,000 Fran results over 1,000 athletes, three of them bad (BAD_ROWS: file line -> what)."""
    athletes = pd.DataFrame({"external_id": [f"m{i:04d}" for i in range(1000)], "name": [f"Member {i}" for i in range(1000)]})
    box_lab.load_athletes(athletes)
    with path.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["wod", "session_date", "session_time", "track", "location", "athlete", "score"])
        for i in range(1000):
            line = i + 2
            date, athlete, score = "2026-09-01", f"m{i:04d}", f"{3 + i % 6}:{i % 60:02d}"
            column, bad = BAD_ROWS.get(line, (None, None))
            if column == "score":
                score = bad
            elif column == "athlete":
                athlete = bad
            elif column == "session_date":
                date = bad
            out.writerow(["Fran", date, "18:00", "RX", "Main floor", athlete, score])
    return path


def test_three_bad_rows_among_a_thousand_load_nothing_and_are_all_named(box_lab, count, tmp_path):
    path = thousand_results(tmp_path / "results.csv", box_lab)
    with pytest.raises(LoadError) as caught:
        box_lab.load_results(path)
    problems = {(p.row, p.column) for p in caught.value.problems}
    assert problems == {(line, column) for line, (column, _) in BAD_ROWS.items()}
    message = str(caught.value)
    assert "3 bad row(s), nothing was loaded" in message
    assert "row 118, column 'score': cannot read score" not in message  # 7+12 is a score, but not Fran's
    assert "row 118, column 'score': '7+12'" in message and "for-time" in message
    assert "row 405, column 'athlete': unknown athlete 'nobody'" in message
    assert "row 871, column 'session_date': '2026-13-01' is not a date" in message
    assert count(box_lab, "athlete_results") == 0


def test_skip_bad_loads_the_good_rows_and_writes_the_bad_ones(box_lab, count, tmp_path):
    path = thousand_results(tmp_path / "results.csv", box_lab)
    result = box_lab.load_results(path, skip_bad=True)
    assert (result.inserted, result.rejected) == (997, 3)
    assert count(box_lab, "athlete_results") == 997
    rejects = pd.read_csv(result.reject_file, dtype=str)
    assert result.reject_file == tmp_path / "results.rejects.csv"
    assert rejects["reject_row"].astype(int).tolist() == sorted(BAD_ROWS)
    assert rejects["reject_column"].tolist() == [BAD_ROWS[line][0] for line in sorted(BAD_ROWS)]
    assert {"wod", "athlete", "score", "reject_reason"} <= set(rejects.columns)
    again = box_lab.load_results(path, skip_bad=True)
    assert (again.inserted, again.already_present) == (0, 997)
    assert count(box_lab, "athlete_results") == 997


def test_loading_the_same_files_twice_adds_nothing(box_lab, count):
    first = box_lab.load_results(BOX / "results.csv")
    events = box_lab.load_events(BOX / "events.jsonl")
    assert (first.inserted, events.inserted) == (13, 10)
    snapshot = box_lab.sql("SELECT * FROM athlete_results ORDER BY id")
    assert box_lab.load_results(BOX / "results.csv").inserted == 0
    assert box_lab.load_events(BOX / "events.jsonl").inserted == 0
    assert box_lab.load_sessions(BOX / "sessions.csv").inserted == 0
    assert box_lab.load_athletes(BOX / "athletes.csv").inserted == 0
    pd.testing.assert_frame_equal(box_lab.sql("SELECT * FROM athlete_results ORDER BY id"), snapshot)
    assert count(box_lab, "realized_events") == 10


def test_results_are_stored_with_their_score_columns_and_rank_key(box_lab):
    box_lab.load_results(BOX / "results.csv")
    row = box_lab.sql(
        "SELECT * FROM athlete_results WHERE athlete_id = :a AND score_type = 'REPS'", a=str(athlete_id("farid"))
    ).iloc[0]
    assert (row["score_value"], row["result_status"], row["score_text"], row["is_rx"]) == (80, "capped", "CAP+80", True)
    assert (row["rank_tier"], row["rank_value"]) == (1, -80)
    emma = box_lab.sql("SELECT is_rx, division, rank_tier FROM athlete_results WHERE athlete_id = :a",
                       a=str(athlete_id("emma"))).iloc[0]
    assert (emma["is_rx"], emma["division"], emma["rank_tier"]) == (False, "scaled", 4)
    hugo = box_lab.sql("SELECT is_rx, division FROM athlete_results WHERE athlete_id = :a", a=str(athlete_id("hugo"))).iloc[0]
    assert (hugo["is_rx"], hugo["division"]) == (False, None)  # unmarked: the scaled class's track says


def test_a_dataframe_loads_like_a_file(box_lab, count):
    frame = pd.read_csv(BOX / "results.csv", dtype=str)
    assert box_lab.load_results(frame).inserted == 13
    assert count(box_lab, "athlete_results") == 13


def test_problems_in_a_dataframe_name_its_index(box_lab):
    frame = pd.read_csv(BOX / "results.csv", dtype=str)
    frame.loc[5, "score"] = "3::00"
    with pytest.raises(LoadError) as caught:
        box_lab.load_results(frame)
    assert [(p.row, p.column) for p in caught.value.problems] == [(5, "score")]


def test_missing_and_unknown_columns_are_named_before_any_row_is_read(box_lab, tmp_path):
    path = tmp_path / "results.csv"
    path.write_text("wod,session_date,athlet,score\nFran,2026-09-01,alice,4:00\n")
    with pytest.raises(LoadError) as caught:
        box_lab.load_results(path)
    assert {(p.row, p.column) for p in caught.value.problems} == {(1, "athlete"), (1, "athlet")}


def test_events_resolve_movement_names_and_reject_unknown_ones(box_lab, tmp_path):
    box_lab.load_results(BOX / "results.csv")
    lines = (BOX / "events.jsonl").read_text().splitlines()
    lines[2] = lines[2].replace('"pull-ups"', '"pul-ups"')
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(LoadError) as caught:
        box_lab.load_events(path)
    (problem,) = caught.value.problems
    assert (problem.row, problem.column) == (3, "movement") and "did you mean" in problem.reason
    box_lab.load_events(BOX / "events.jsonl")
    moves = box_lab.sql("SELECT DISTINCT movement FROM realized_events WHERE movement IS NOT NULL ORDER BY 1")
    assert moves["movement"].tolist() == ["pull_up", "push_up", "thruster"]


def test_a_failed_write_leaves_the_database_as_it_was(box_lab, count, tmp_path):
    """A database error mid-load (a session deleted between the checks and the write) loads no row."""
    box_lab.load_results(BOX / "results.csv")
    path = tmp_path / "more.csv"
    path.write_text("wod,session_date,session_time,track,location,athlete,score\n"
                    "Deadlift Ladder,2026-09-05,12:00,RX,Main floor,bruno,8:10\n"
                    "Pull Day,2026-09-08,18:00,RX,Main floor,bruno,24:00\n")
    spec = results.RESULTS

    def context_then_delete(conn):  # the session exists when checked, is gone when written
        found = spec.context(conn)
        with box_lab.engine.begin() as other:
            other.execute(sa.text("DELETE FROM athlete_results WHERE session_id IN "
                                  "(SELECT id FROM scheduled_sessions WHERE session_date = '2026-09-08')"))
            other.execute(sa.text("DELETE FROM scheduled_sessions WHERE session_date = '2026-09-08'"))
        return found

    before = count(box_lab, "athlete_results")
    with pytest.raises(DatabaseError, match="nothing was loaded"):
        loading.load(box_lab.engine, replace(spec, context=context_then_delete), path)
    assert count(box_lab, "athlete_results") == before - 1  # Alice's Pull Day result, deleted above
    assert box_lab.sql("SELECT count(*) AS n FROM athlete_results WHERE athlete_id = :a",
                       a=str(athlete_id("bruno")))["n"].iloc[0] == 2  # his two Fran-day and AMRAP results only


def test_cli_loads_and_reports(wodlab_cli, box_lab, tmp_path):
    url = box_lab.engine.url.render_as_string(hide_password=False)
    env = {**__import__("os").environ, "DATABASE_URL": url}
    run = wodlab_cli("load", "results", str(BOX / "results.csv"), env=env)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "athlete_results: 13 rows read, 13 new, 0 unchanged, 0 updated"
    bad = tmp_path / "bad.csv"
    bad.write_text("wod,session_date,session_time,track,location,athlete,score\nFran,2026-09-01,18:00,RX,Main floor,zed,4:00\n")
    run = wodlab_cli("load", "results", str(bad), env=env)
    assert run.returncode == 2 and "row 2, column 'athlete': unknown athlete 'zed'" in run.stderr
    run = wodlab_cli("load", "results", str(bad), "--skip-bad", "--rejects", str(tmp_path / "r.csv"), env=env)
    assert run.returncode == 1 and (tmp_path / "r.csv").exists()


def test_a_file_the_columnar_path_cannot_take_falls_back_to_naming_each_row(box_lab, tmp_path):
    from wodlab.load.report import LoadError

    lines = (BOX / "results.csv").read_text().splitlines()
    fields = lines[2].split(",")
    fields[5] = "nobody"  # the athlete column of the third line
    bad = tmp_path / "results.csv"
    bad.write_text("\n".join([*lines[:3], ",".join(fields), *lines[3:]]) + "\n")
    with pytest.raises(LoadError, match="row 4, column 'athlete': unknown athlete 'nobody'"):
        box_lab.load_results(bad)


def test_a_first_load_goes_straight_in_and_a_missing_recorded_at_is_the_loads_time(box_lab, tmp_path):
    frame = pd.read_csv(BOX / "results.csv", dtype=str).drop(columns="recorded_at")
    report = box_lab.load_results(frame)
    assert report.inserted == len(frame)
    stamps = box_lab.sql("SELECT DISTINCT recorded_at FROM athlete_results")
    assert len(stamps) == 1 and stamps["recorded_at"].notna().all()  # NOW() of the load's transaction, as the default
    again = box_lab.load_results(frame)  # every id stored: the staging path compares and adds nothing
    assert (again.inserted, again.unchanged) == (0, len(frame))
