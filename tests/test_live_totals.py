"""The running totals behind the live boards (migration 015): always the sums of the events, however they change."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from wodlab.store import queries

# What the seed's live leaderboard computes from the events at each read.
SUMMED = """
    SELECT session_id::text, athlete_id::text, SUM(quantity_completed)::float8 AS total_reps,
           MAX(timestamp_offset) AS last_update
    FROM realized_events WHERE event_type = 'COMPLETE' GROUP BY 1, 2 ORDER BY 1, 2"""
KEPT = """
    SELECT session_id::text, athlete_id::text, total_reps::float8 AS total_reps, last_update
    FROM session_live_totals ORDER BY 1, 2"""


def assert_totals_are_the_sums(lab) -> pd.DataFrame:
    summed, kept = lab.sql(SUMMED), lab.sql(KEPT)
    pd.testing.assert_frame_equal(kept, summed, check_dtype=False)
    return kept


def _busiest_session(lab) -> str:
    return lab.sql("SELECT session_id::text AS s FROM realized_events GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")["s"][0]


def test_loaded_events_give_the_totals_and_the_board_reads_them_by_index(sim_copy):
    kept = assert_totals_are_the_sums(sim_copy)
    assert len(kept) > 100
    session = _busiest_session(sim_copy)
    with sim_copy.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE session_live_totals"))
    nodes = queries.plan_nodes(sim_copy.engine, "live_leaderboard", session_id=session)
    assert {n.get("Index Name") for n in nodes} & {"idx_live_totals_board"}, [n["Node Type"] for n in nodes]
    assert not any(n.get("Relation Name", "").startswith("realized_events") for n in nodes)
    board = sim_copy.live_leaderboard(session)
    expected = kept[kept["session_id"] == session].sort_values(
        ["total_reps", "last_update", "athlete_id"], ascending=[False, True, True])
    assert board["athlete_id"].tolist() == expected["athlete_id"].tolist()
    assert board["total_reps"].tolist() == expected["total_reps"].tolist()


def test_corrected_deleted_and_retyped_events_are_summed_again(sim_copy):
    session = _busiest_session(sim_copy)
    with sim_copy.engine.begin() as conn:
        pairs = conn.execute(sa.text("SELECT DISTINCT athlete_id FROM realized_events WHERE session_id = :s "
                                     "ORDER BY 1 LIMIT 3"), {"s": session}).scalars().all()
        # a corrected quantity, an event that was not a completion after all, and events deleted
        conn.execute(sa.text("UPDATE realized_events SET quantity_completed = quantity_completed + 7 "
                             "WHERE session_id = :s AND athlete_id = :a"), {"s": session, "a": pairs[0]})
        conn.execute(sa.text("UPDATE realized_events SET event_type = 'REST' WHERE id = (SELECT id FROM "
                             "realized_events WHERE session_id = :s AND athlete_id = :a ORDER BY timestamp_offset "
                             "DESC LIMIT 1)"), {"s": session, "a": pairs[1]})
        conn.execute(sa.text("DELETE FROM realized_events WHERE session_id = :s AND athlete_id = :a"),
                     {"s": session, "a": pairs[2]})
    kept = assert_totals_are_the_sums(sim_copy)
    assert pairs[2] not in set(kept.loc[kept["session_id"] == session, "athlete_id"]) | {None}


def test_events_added_one_by_one_and_a_session_moved_keep_the_totals(sim_copy):
    session = _busiest_session(sim_copy)
    athlete = sim_copy.sql(f"SELECT athlete_id::text AS a FROM realized_events WHERE session_id = '{session}' "
                           "ORDER BY athlete_id LIMIT 1")["a"][0]
    tracker = sim_copy.tracker(session)
    tracker.record_movement_completion(athlete, "burpee", 11, offset=100_000)
    tracker.record_movement_completion(athlete, "burpee", None, event_type="REST", offset=100_001)
    board = sim_copy.live_leaderboard(session).set_index("athlete_id")
    assert board.loc[athlete, "last_update"] == 100_000
    with sim_copy.engine.begin() as conn:  # the events move to another month's partition
        conn.execute(sa.text("UPDATE scheduled_sessions SET session_date = session_date + 45 WHERE id = :s"),
                     {"s": session})
    assert_totals_are_the_sums(sim_copy)


def test_emptied_events_leave_no_totals(sim_copy, count):
    with sim_copy.engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE realized_events"))
    assert count(sim_copy, "session_live_totals") == 0
