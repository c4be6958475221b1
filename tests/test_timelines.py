"""athlete_results.realized_events: the athlete's event timeline for tracked sessions (migration 008)."""

from __future__ import annotations

import pandas as pd

from conftest import BOX


def _timelines(lab) -> pd.DataFrame:
    return lab.sql("SELECT a.external_id, w.title, ar.realized_events FROM athlete_results ar "
                   "JOIN athletes a ON a.id = ar.athlete_id JOIN scheduled_sessions ss ON ss.id = ar.session_id "
                   "JOIN wod_definitions w ON w.id = ss.wod_definition_id ORDER BY w.title, a.external_id")


def _events(lab, athlete: str, title: str) -> list[tuple]:
    rows = lab.sql("SELECT e.timestamp_offset, e.movement, e.quantity_completed FROM realized_events e "
                   "JOIN athletes a ON a.id = e.athlete_id JOIN scheduled_sessions ss ON ss.id = e.session_id "
                   "JOIN wod_definitions w ON w.id = ss.wod_definition_id WHERE a.external_id = :a AND w.title = :t "
                   "ORDER BY e.timestamp_offset", a=athlete, t=title)
    return [(int(o), None if pd.isna(m) else m, None if pd.isna(q) else float(q)) for o, m, q in rows.itertuples(index=False)]


def _as_tuples(timeline) -> list[tuple]:
    return [(e["offset"], e["movement"], None if e["quantity"] is None else float(e["quantity"])) for e in timeline]


def _check_every_result(lab) -> int:
    tracked = 0
    for row in _timelines(lab).itertuples():
        events = _events(lab, row.external_id, row.title)
        if events:
            tracked += 1
            assert _as_tuples(row.realized_events) == events, (row.external_id, row.title)
        else:
            assert row.realized_events is None, (row.external_id, row.title)
    return tracked


def test_events_loaded_after_the_results_fill_their_timelines(box_lab):
    box_lab.load_results(BOX / "results.csv")
    box_lab.load_events(BOX / "events.jsonl")
    assert _check_every_result(box_lab) >= 2


def test_results_loaded_after_their_events_get_their_timelines(box_lab):
    box_lab.load_events(BOX / "events.jsonl")
    box_lab.load_results(BOX / "results.csv")
    assert _check_every_result(box_lab) >= 2


def test_a_live_event_extends_the_timeline(box_lab):
    box_lab.load_results(BOX / "results.csv")
    box_lab.load_events(BOX / "events.jsonl")
    tracked = _timelines(box_lab).dropna(subset=["realized_events"]).iloc[0]
    session = box_lab.sql("SELECT ar.session_id::text AS id FROM athlete_results ar JOIN athletes a ON a.id = ar.athlete_id "
                          "WHERE a.external_id = :a AND ar.realized_events IS NOT NULL", a=tracked.external_id)["id"].iloc[0]
    box_lab.tracker(session).record_movement_completion(tracked.external_id, "burpee", 5, offset=5000, event_type="COMPLETE")
    after = _timelines(box_lab).set_index(["external_id", "title"]).loc[(tracked.external_id, tracked.title), "realized_events"]
    assert len(after) == len(tracked.realized_events) + 1 and after[-1]["movement"] == "burpee" and after[-1]["offset"] == 5000


def test_the_events_of_one_athlete_in_one_session_are_one_index_range_of_one_month(sim_copy):
    """Migration 016: the triggers recompute a (session, athlete) pair from its events; the pair, with its session's
    date, is one range of idx_events_athlete in its month's partition, not an intersection over every month."""
    import sqlalchemy as sa

    with sim_copy.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE realized_events"))
        pair = conn.execute(sa.text("SELECT session_id, athlete_id, session_date FROM realized_events "
                                    "ORDER BY id LIMIT 1")).one()
        plan = conn.execute(sa.text("EXPLAIN (FORMAT JSON) SELECT * FROM realized_events e WHERE e.session_id = :s "
                                    "AND e.athlete_id = :a AND e.session_date = :d ORDER BY e.timestamp_offset"),
                            {"s": pair.session_id, "a": pair.athlete_id, "d": pair.session_date}).scalar_one()
    months = sim_copy.sql("SELECT count(*) AS n FROM pg_inherits WHERE inhparent = 'realized_events'::regclass")["n"][0]
    assert months >= 3

    def nodes(node):
        yield node
        for child in node.get("Plans", []):
            yield from nodes(child)

    found = list(nodes(plan[0]["Plan"]))
    scans = [n for n in found if "Relation Name" in n]
    assert len(scans) == 1 and scans[0]["Relation Name"] == f"realized_events_{pair.session_date:%Y_%m}"
    indexes = {n["Index Name"] for n in found if "Index Name" in n}
    assert len(indexes) == 1 and "athlete_id_session_id" in indexes.pop()  # the partition's copy of idx_events_athlete
    assert not any(n["Node Type"] == "BitmapAnd" for n in found)
