"""What one small change reads: a corrected score looks its row up, it does not scan every month of results;
a competition board analyzes the month it wrote, not every month.

Both read PostgreSQL's own counters: pg_stat_xact_user_tables (this transaction's scans of each table) and
pg_stat_user_tables (how often each table was analyzed)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa

from conftest import FIXTURES
from wodlab.load import loading
from wodlab.sim.open_board import open_board
from wodlab.tables.results import RESULTS

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
