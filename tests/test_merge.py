"""Merging duplicate workouts (wodlab.audit.merge) on the simulated box, which holds exact, semantic and near pairs:
applied and undone to the same rows, refused with reasons, re-imports resolved, safe under a concurrent load."""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa

from conftest import FIXTURES
from wodlab import cli
from wodlab.audit.merge import MergeError

# Every table a merge may touch, each read in a stable order: their checksums before a merge and after its undo.
TABLES = ("wod_definitions", "workout_limits", "scheduled_sessions", "athlete_results", "realized_events", "athletes",
          "competitions", "competition_workouts", "competition_entries", "result_flags", "result_judging",
          "workout_standings", "workout_boards", "load_history", "difficulty_models", "movement_catalog")


def checksums(lab) -> dict[str, str]:
    with lab.engine.connect() as conn:
        return {table: conn.execute(sa.text(f"SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM {table} t")).scalar()
                for table in TABLES}


def _id(lab, title: str) -> str:
    return lab.sql("SELECT id::text AS id FROM wod_definitions WHERE title = :t", t=title)["id"].item()


def _board(lab, wod_id: str) -> set:
    """The '*' board of a workout: each athlete with their best result."""
    frame = lab.sql("SELECT athlete_id::text AS a, result_id::text AS r FROM workout_standings WHERE wod_id = :w AND scope = '*'",
                    w=wod_id)
    return set(zip(frame["a"], frame["r"]))


def test_the_safe_plan_applied_then_undone_leaves_every_table_as_it_was(sim_copy):
    before = checksums(sim_copy)
    plan = sim_copy.merge_plan(sim_copy.duplicates())
    reports = sim_copy.apply_merge_plan(plan)
    assert [r.kind for r in reports] == ["exact", "semantic", "semantic", "semantic"]
    assert sum(r.results for r in reports) == int(plan[plan["safe"]]["results_to_move"].sum())
    assert checksums(sim_copy) != before
    merges = sim_copy.merges()
    assert len(merges) == 4 and merges["undone_at"].isna().all()
    for report in reversed(reports):
        sim_copy.undo_merge(report.merge_id)
    assert checksums(sim_copy) == before
    assert sim_copy.merges()["undone_at"].notna().all()


def test_the_merged_board_is_the_union_of_the_two_boards(sim_copy):
    kept, dropped = _id(sim_copy, "Fran"), _id(sim_copy, "Fran (coach's copy)")
    athletes_before = {a for a, _ in _board(sim_copy, kept) | _board(sim_copy, dropped)}
    results_before = sim_copy.sql("SELECT count(*) AS n FROM athlete_results ar JOIN scheduled_sessions s ON s.id = ar.session_id "
                                  "WHERE s.wod_definition_id IN (:a, :b)", a=kept, b=dropped)["n"].item()
    report = sim_copy.merge_wods("Fran", "Fran (coach's copy)")
    assert (report.kept_id, report.dropped_id, report.kind) == (kept, dropped, "semantic")
    board = _board(sim_copy, kept)
    assert {a for a, _ in board} == athletes_before and _board(sim_copy, dropped) == set()
    # each athlete's best is their best over both workouts' results: the board a from-scratch rebuild gives
    from wodlab.store import workout_standings

    workout_standings.rebuild(sim_copy.engine)
    assert _board(sim_copy, kept) == board
    moved = sim_copy.sql("SELECT count(*) AS n FROM athlete_results ar JOIN scheduled_sessions s ON s.id = ar.session_id "
                         "WHERE s.wod_definition_id = :a", a=kept)["n"].item()
    assert moved == results_before


def test_a_merged_away_text_re_imported_resolves_to_the_kept_workout(sim_copy, count):
    report = sim_copy.merge_wods("Cindy", "Cindy (coach's copy)")
    workouts = count(sim_copy, "wod_definitions")
    loaded = sim_copy.load_wods([FIXTURES / "sim" / "wods" / "cindy_coach_s_copy.wod"], progress=False)
    (outcome,) = loaded.outcomes
    assert (outcome.status, outcome.wod_id) == ("present", report.kept_id)
    assert count(sim_copy, "wod_definitions") == workouts
    sim_copy.undo_merge(report.merge_id)  # undone: the text is its own workout again
    again = sim_copy.load_wods([FIXTURES / "sim" / "wods" / "cindy_coach_s_copy.wod"], progress=False)
    assert again.outcomes[0].wod_id == report.dropped_id


def test_near_duplicates_merge_only_when_asked(sim_copy):
    with pytest.raises(MergeError, match="near duplicates .* allow_near=True"):
        sim_copy.merge_wods("Grace", "Grace Lite")
    assert sim_copy.merge_wods("Grace", "Grace Lite", allow_near=True).kind == "near"


def test_a_dry_run_says_what_would_move_and_writes_nothing(sim_copy):
    before = checksums(sim_copy)
    report = sim_copy.merge_wods("Helen", "Helen (coach's copy)", dry_run=True)
    assert report.dry_run and report.sessions == 2 and report.results > 0 and "would move" in report.summary()
    assert checksums(sim_copy) == before and sim_copy.merges().empty


@pytest.mark.parametrize("keep, drop, said", [
    ("Fran", "Helen", "are not duplicates"),
    ("Fran", "Fran", "the same workout"),
    ("Franny", "Fran", "no workout titled 'Franny'.*did you mean 'Fran'"),
    ("Jackie", "Jackie", "2 workouts are titled 'Jackie': give one of their ids"),
])
def test_what_blocks_a_merge_is_named_and_nothing_is_written(sim_copy, keep, drop, said):
    before = checksums(sim_copy)
    with pytest.raises(MergeError, match=said):
        sim_copy.merge_wods(keep, drop)
    assert checksums(sim_copy) == before


def test_two_sessions_of_one_class_are_refused_with_both_ids(sim_copy, tmp_path):
    first = sim_copy.sql("SELECT session_date::text AS d, to_char(session_time, 'HH24:MI') AS t, track, location "
                         "FROM scheduled_sessions WHERE wod_definition_id = :w ORDER BY session_date LIMIT 1",
                         w=_id(sim_copy, "Fran")).iloc[0]
    (tmp_path / "twin.csv").write_text("wod,session_date,session_time,track,location\n"
                                       f"Fran (coach's copy),{first.d},{first.t},{first.track},{first.location}\n")
    sim_copy.load_sessions(tmp_path / "twin.csv")
    before = checksums(sim_copy)
    with pytest.raises(MergeError, match=f"two sessions of one class on one workout \\(1\\): {first.d}"):
        sim_copy.merge_wods("Fran", "Fran (coach's copy)")
    assert checksums(sim_copy) == before


def test_an_athlete_with_a_result_on_both_keeps_both(sim_copy):
    kept, dropped = _id(sim_copy, "Fran"), _id(sim_copy, "Fran (coach's copy)")
    both = sim_copy.sql("SELECT ar.athlete_id FROM athlete_results ar JOIN scheduled_sessions s ON s.id = ar.session_id "
                        "WHERE s.wod_definition_id IN (:a, :b) GROUP BY 1 HAVING count(DISTINCT s.wod_definition_id) = 2",
                        a=kept, b=dropped)
    assert len(both) > 0
    athlete = str(both["athlete_id"].iloc[0])
    mine = "SELECT count(*) AS n FROM athlete_results WHERE athlete_id = :a"
    before = sim_copy.sql(mine, a=athlete)["n"].item()
    sim_copy.merge_wods("Fran", "Fran (coach's copy)")
    assert sim_copy.sql(mine, a=athlete)["n"].item() == before  # different sessions: both results stay


def test_a_merge_of_a_merged_away_workout_and_a_second_undo_are_refused(sim_copy):
    first = sim_copy.merge_wods("Fran", "Fran (coach's copy)")
    with pytest.raises(MergeError, match=f"was merged into {first.kept_id} \\(merge {first.merge_id}\\)"):
        sim_copy.merge_wods(first.dropped_id, "Fran")
    sim_copy.undo_merge(first.merge_id)
    with pytest.raises(MergeError, match="undone already"):
        sim_copy.undo_merge(first.merge_id)
    with pytest.raises(MergeError, match="no merge 999"):
        sim_copy.undo_merge(999)


def test_a_chain_of_merges_is_undone_last_first(sim_copy):
    """Cindy's copy into Cindy, then Cindy into a third Cindy: the first merge cannot be undone while its kept
    workout is merged away; undone in reverse order, every table is as it was."""
    from wodcraft.library import get

    third = get("girls/cindy").source.replace("# Cindy", "# Cindy, third copy", 1)
    assert third != get("girls/cindy").source
    sim_copy.store_wod(third)
    before = checksums(sim_copy)
    first = sim_copy.merge_wods("Cindy", "Cindy (coach's copy)")
    second = sim_copy.merge_wods("Cindy, third copy", "Cindy")
    with pytest.raises(MergeError, match=f"merged away since \\(merge {second.merge_id}\\): undo merge {second.merge_id} first"):
        sim_copy.undo_merge(first.merge_id)
    sim_copy.undo_merge(second.merge_id)
    sim_copy.undo_merge(first.merge_id)
    assert checksums(sim_copy) == before


def test_a_merge_waits_for_a_load_in_flight_and_takes_its_session_along(sim_copy):
    """A load adding a session to the dropped workout holds it (a key-share lock on its row); the merge waits,
    then moves that session too: nothing is lost, nothing half-applied."""
    kept, dropped = _id(sim_copy, "Helen"), _id(sim_copy, "Helen (coach's copy)")
    load = sim_copy.engine.connect()
    transaction = load.begin()
    load.execute(sa.text("INSERT INTO scheduled_sessions (id, wod_definition_id, session_date, track) "
                         "VALUES (gen_random_uuid(), :w, DATE '2026-12-31', 'RX')"), {"w": dropped})
    done = {}
    merging = threading.Thread(target=lambda: done.setdefault("report", sim_copy.merge_wods("Helen", "Helen (coach's copy)")))
    merging.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # the merge is blocked on the load's lock (asked of the server, not timed)
        waiting = sim_copy.sql("SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                               "AND query LIKE '%FOR UPDATE%'")["n"].item()
        if waiting:
            break
        time.sleep(0.02)
    assert waiting, "the merge should wait for the load"
    transaction.commit()
    load.close()
    merging.join(60)
    report = done["report"]
    assert report.sessions == 3  # the two it had and the one the load added
    on_dropped = sim_copy.sql("SELECT count(*) AS n FROM scheduled_sessions WHERE wod_definition_id = :w", w=dropped)["n"].item()
    assert on_dropped == 0 and sim_copy.sql("SELECT count(*) AS n FROM scheduled_sessions WHERE session_date = '2026-12-31' "
                                            "AND wod_definition_id = :w", w=kept)["n"].item() == 1


def test_the_command_line_audits_merges_and_undoes(sim_copy, capsys, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", sim_copy.engine.url.render_as_string(hide_password=False))
    assert cli.main(["dedup", "audit"]) == 0
    out = capsys.readouterr().out
    assert "Duplicate pairs" in out and "Merge plan" in out and "Fran (coach's copy)" in out
    assert cli.main(["dedup", "apply-plan", "--dry-run"]) == 0
    assert "4 merge(s) would be applied" in capsys.readouterr().out and sim_copy.merges().empty
    assert cli.main(["dedup", "merge", "Fran", "Fran (coach's copy)"]) == 0
    assert "moved 2 session(s)" in capsys.readouterr().out
    merge_id = str(sim_copy.merges()["merge_id"].iloc[0])
    assert cli.main(["dedup", "merges"]) == 0 and merge_id in capsys.readouterr().out
    assert cli.main(["dedup", "undo", merge_id]) == 0 and "undone" in capsys.readouterr().out
    assert cli.main(["dedup", "merge", "Grace", "Grace Lite"]) == 2
    assert "allow_near" in capsys.readouterr().err
