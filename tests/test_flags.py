"""Flags, not silence: impossible and suspicious results are flagged, leaderboards show or drop them."""

from __future__ import annotations

import json
from decimal import Decimal

import pandas as pd
import pytest
import sqlalchemy as sa
from wodcraft.api import compile_source
from wodcraft.library import get

from conftest import BOX, FIXTURES
from wodlab.core import frames
from wodlab.scoring.values import format_clock
from wodlab.store import queries
from wodlab.workouts.structure import FASTEST_PACE_FACTOR, fastest_seconds, most_work


@pytest.fixture(scope="module")
def truth():
    return json.loads((FIXTURES / "sim" / "truth.json").read_text())


def _planted_result_ids(lab, truth) -> set[str]:
    externals = dict(lab.sql("SELECT id::text AS id, external_id FROM athletes").values.tolist())
    planted = {(e["athlete"], e["wod_id"], e["session_date"]) for e in truth["gross_errors"]}
    rows = lab.sql("SELECT ar.id::text AS id, ar.athlete_id::text AS athlete, ss.wod_definition_id::text AS wod, "
                   "ss.session_date::text AS day FROM athlete_results ar JOIN scheduled_sessions ss ON ss.id = ar.session_id")
    return {r.id for r in rows.itertuples() if (externals[r.athlete], r.wod, r.day) in planted}


def test_every_planted_error_that_tops_a_leaderboard_is_flagged(sim_lab, truth):
    planted = _planted_result_ids(sim_lab, truth)
    leaders = sim_lab.sql("""
        SELECT DISTINCT ON (ss.wod_definition_id, ss.track) ar.id::text AS id
        FROM athlete_results ar JOIN scheduled_sessions ss ON ss.id = ar.session_id
        ORDER BY ss.wod_definition_id, ss.track, ar.rank_tier, ar.rank_value, ar.tiebreak_seconds NULLS LAST""")["id"]
    on_top = planted & set(leaders)
    flagged = set(sim_lab.suspicious_results(refresh=False)["result_id"])
    assert len(on_top) >= 3, "the fixture should put planted errors at the top of some boards"
    assert on_top <= flagged


def test_flags_find_most_planted_errors_and_few_clean_results(sim_lab, truth):
    planted = _planted_result_ids(sim_lab, truth)
    found = sim_lab.suspicious_results(refresh=False)
    flagged = set(found[found["flag"] != "leader"]["result_id"])
    assert len(flagged & planted) / len(planted) >= 0.65  # slips of a few percent are within a day's spread
    assert len(flagged - planted) <= 0.005 * sim_lab.require_results()
    boards = len(sim_lab.query("board_leaders"))
    assert (found["flag"] == "leader").sum() <= boards / 4  # a leader is questioned, not every leader


def test_the_46_second_fran_is_flagged_and_left_out_on_request(sim_lab):
    top = sim_lab.leaderboard("Fran", limit=1)
    assert (top["score"][0], top["flag"][0]) == ("0:46", "outlier")
    clean = sim_lab.leaderboard("Fran", limit=1, exclude_flagged=True)
    assert clean["score"][0] != "0:46" and clean["rank"][0] == 1


def test_suspicious_results_are_typed_worst_first_with_reasons(sim_lab):
    found = sim_lab.suspicious_results(refresh=False)
    assert frames.dtypes_of(found) == queries.get("suspicious_results").dtypes
    assert len(found) > 0 and found["reason"].str.len().gt(10).all()
    outliers = found[found["flag"] == "outlier"]["severity"].tolist()
    assert outliers == sorted(outliers, reverse=True) and min(outliers) > 3.5


def test_the_impossible_bound_is_catalog_pace_four_times_over_without_fatigue():
    fran = compile_source(get("girls/fran").source).document
    assert FASTEST_PACE_FACTOR == 0.25
    assert fastest_seconds(fran) == pytest.approx(45.0)  # 45 thrusters x 2.5 s + 45 pull-ups x 1.5 s, / 4
    assert fastest_seconds(compile_source(get("girls/cindy").source).document) is None
    assert most_work(compile_source(get("girls/cindy").source).document) == pytest.approx(3200.0)


def test_an_impossible_time_is_flagged_by_the_load_itself_and_a_correction_clears_it(box_lab):
    """The database checks each result a statement writes (migration 019): no refresh needed."""
    box_lab.load_results(BOX / "results.csv")
    fran = box_lab.wod_reference("Fran")
    entry = {"wod": "Fran", "session_date": "2026-09-01", "session_time": "18:00", "track": "RX", "location": "Main floor"}
    box_lab.load_results(pd.DataFrame([{**entry, "athlete": "alice", "score": "0:30"}]), update=True)
    found = box_lab.suspicious_results(refresh=False)
    assert found[["athlete", "score", "flag"]].values.tolist() == [["Alice", "0:30", "impossible"]]
    assert found["reason"][0] == "0:30 is faster than anyone does this work (at least 0:45)"
    assert found["severity"][0] == pytest.approx(1.5)
    assert box_lab.leaderboard(fran, limit=1)["flag"][0] == "impossible"
    box_lab.load_results(pd.DataFrame([{**entry, "athlete": "alice", "score": "2:05"}]), update=True)
    assert box_lab.suspicious_results(refresh=False).empty  # the corrected score is checked again


def test_too_much_work_in_an_amraps_clock_is_impossible(box_lab):
    box_lab.load_results(pd.DataFrame([{"wod": "Push Pull Twelve", "session_date": "2026-09-03", "session_time": "07:00",
                                        "track": "RX", "location": "Main floor", "athlete": "alice", "score": "400+0"}]))
    found = box_lab.suspicious_results(refresh=False)
    assert found["flag"].tolist() == ["impossible"]
    assert "units of work is more than anyone does in this clock" in found["reason"][0]


@pytest.mark.parametrize("seconds", [0, 5, 59, 60, 61, 599, 3599, 3600, 3661, 36000, 125.4])
def test_the_databases_clock_writes_seconds_as_the_scores_do(box_lab, seconds):
    with box_lab.engine.connect() as conn:
        written = conn.execute(sa.text("SELECT wodlab_clock(CAST(:s AS NUMERIC))"), {"s": seconds}).scalar_one()
    assert written == format_clock(Decimal(round(seconds)))


def test_a_new_workout_with_no_result_checks_no_stored_result_again(sim_copy):
    """Storing a workout's limits re-checks that workout's results only: a new workout has none (its empty list
    once meant "every result", and every import touched every flag)."""
    flags = "SELECT result_id::text, checked_at FROM result_flags ORDER BY result_id"
    before = sim_copy.sql(flags)
    assert len(before) > 0
    sim_copy.store_wod("# Quick Ten\nFor time\n  10 Burpee\n")
    assert sim_copy.sql(flags).equals(before)


def test_an_id_given_twice_is_checked_once(box_lab):
    """Results checked again by id (wodlab_impossible_flags, migration 031; a statement's own rows are checked from
    its transition table): one given twice still writes its flag once (ON CONFLICT may not touch a row twice in one
    statement)."""
    box_lab.load_results(pd.DataFrame([{"wod": "Push Pull Twelve", "session_date": "2026-09-03", "session_time": "07:00",
                                        "track": "RX", "location": "Main floor", "athlete": "alice", "score": "400+0"}]))
    (flagged,) = box_lab.sql("SELECT result_id::text AS id FROM result_flags")["id"]
    with box_lab.engine.begin() as conn:
        conn.execute(sa.text("SELECT wodlab_impossible_flags(CAST(:ids AS UUID[]))"), {"ids": [flagged, flagged]})
    found = box_lab.suspicious_results(refresh=False)
    assert found["flag"].tolist() == ["impossible"]


def test_the_rule_flags_the_rows_it_is_handed_once_each(box_lab):
    """wodlab_impossible_check, the rule's one home (migration 031), on rows handed as an array (a trigger's own rows):
    an impossible time is flagged with its reason, a possible one is not, an id handed twice is flagged once."""
    box_lab.load_results(BOX / "results.csv")
    fran = box_lab.sql("SELECT ss.id::text AS s FROM scheduled_sessions ss JOIN wod_definitions w ON w.id = ss.wod_definition_id "
                       "WHERE w.title = 'Fran' LIMIT 1")["s"].iloc[0]
    fast, fine = "00000000-0000-0000-0000-00000000000a", "00000000-0000-0000-0000-00000000000b"
    with box_lab.engine.begin() as conn:
        conn.execute(sa.text(
            "SELECT wodlab_impossible_check(ARRAY[ROW(CAST(:fast AS UUID), CAST(:s AS UUID), 'TIME', 'finished', 30, NULL), "
            "ROW(CAST(:fast AS UUID), CAST(:s AS UUID), 'TIME', 'finished', 30, NULL), "
            "ROW(CAST(:fine AS UUID), CAST(:s AS UUID), 'TIME', 'finished', 300, NULL)]::wodlab_scored_result[])"),
            {"fast": fast, "fine": fine, "s": fran})
        flagged = conn.execute(sa.text("SELECT result_id::text, reason FROM result_flags WHERE result_id IN (:a, :b)"),
                               {"a": fast, "b": fine}).all()
    assert flagged == [(fast, "0:30 is faster than anyone does this work (at least 0:45)")]
