"""Loading a box folder is a loader (wodlab.exchange.box), all or nothing, with wodlab's errors."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT
from wodlab.core.errors import WodCompileError, WodlabError
from wodlab.load.report import LoadError

TABLES = ("wod_definitions", "athletes", "scheduled_sessions", "athlete_results", "realized_events")


def small_box(tmp_path: Path) -> Path:
    """fixtures/box as a box folder: its workouts, athletes, sessions, results and events."""
    folder = tmp_path / "box"
    shutil.copytree(FIXTURES / "wods", folder / "wods")
    for name in ("athletes.csv", "sessions.csv", "results.csv", "events.jsonl"):
        shutil.copy(FIXTURES / "box" / name, folder / name)
    return folder


def counts(lab, count) -> dict:
    return {table: count(lab, table) for table in TABLES}


def test_a_box_folder_loads_every_part(lab, count, tmp_path):
    reports = lab.load_box(small_box(tmp_path), progress=False)
    assert set(reports) == {"wods", "athletes", "sessions", "results", "events"}
    assert reports["results"].inserted == 13 and reports["events"].inserted == 10
    assert count(lab, "athlete_results") == 13
    # the planner's statistics are fresh: the first leaderboard is planned for the loaded tables
    stats = lab.sql("SELECT relname, last_analyze FROM pg_stat_user_tables WHERE relname IN "
                    "('athlete_results', 'scheduled_sessions', 'realized_events')")
    assert len(stats) == 3 and stats["last_analyze"].notna().all()


def test_a_bad_wod_in_a_box_folder_loads_nothing_and_names_file_and_line(lab, count, tmp_path):
    folder = small_box(tmp_path)
    shutil.copy(FIXTURES / "invalid_wods" / "unknown_movement.wod", folder / "wods" / "zz_bad.wod")
    before = counts(lab, count)
    with pytest.raises(WodCompileError) as caught:
        lab.load_box(folder, progress=False)
    assert "zz_bad.wod: line 4, column 6: E020" in str(caught.value)
    assert counts(lab, count) == before


def test_a_bad_row_in_the_last_file_rolls_back_the_whole_box(lab, count, tmp_path):
    folder = small_box(tmp_path)
    with (folder / "results.csv").open("a") as f:
        f.write("Fran,2026-09-01,18:00,RX,Main floor,nobody,4:00,\n")
    before = counts(lab, count)
    with pytest.raises(LoadError, match="unknown athlete 'nobody'"):
        lab.load_box(folder, progress=False)
    assert counts(lab, count) == before  # the workouts, athletes and sessions loaded before it are gone too


def test_a_folder_without_the_box_files_is_named(lab, tmp_path):
    with pytest.raises(WodlabError, match="missing .*athletes.csv"):
        lab.load_box(tmp_path, progress=False)


def test_cli_load_box_with_a_bad_wod_exits_2_without_traceback(wodlab_cli, lab, count, tmp_path):
    folder = small_box(tmp_path)
    shutil.copy(FIXTURES / "invalid_wods" / "unknown_movement.wod", folder / "wods" / "zz_bad.wod")
    env = {**os.environ, "DATABASE_URL": lab.engine.url.render_as_string(hide_password=False)}
    run = wodlab_cli("load", "box", str(folder), env=env, cwd=ROOT)
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    assert f"{folder / 'wods' / 'zz_bad.wod'}: line 4, column 6: E020" in run.stderr
    assert count(lab, "wod_definitions") == 0
