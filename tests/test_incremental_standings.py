"""The boards kept by the statements that change results (migration 017) are the boards a computation
from scratch gives: after random sequences of loads, corrections, deletes, moved sessions and changed
genders (hypothesis), and after loads that run at the same time.

"From scratch" is computed twice, independently: here in pandas from the stored results, and by the
database's own full rebuild (wodlab refresh), which must then find nothing to change.
"""

from __future__ import annotations

import threading

import pandas as pd
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wodcraft import library

import wodlab
from conftest import BOX, FIXTURES, database_url
from wodlab.load import loading
from wodlab.store import workout_standings
from wodlab.tables.results import RESULTS

BASE = "wodlab_incremental_base"
ATHLETES = ["alice", "bruno", "chloe", "diego", "emma", "farid", "gina", "hugo"]
# Sessions of two workouts, on two tracks and three days: boards of several sessions each.
SESSIONS = [("Fran", "2026-09-01", "RX"), ("Fran", "2026-09-01", "SCALED"), ("Fran", "2026-09-15", "RX"),
            ("Fran", "2026-10-02", "SCALED"), ("Push Pull Twelve", "2026-09-03", "RX"),
            ("Push Pull Twelve", "2026-09-17", "SCALED")]
# Scores as coaches write them, with ties (equal times, equal tie-breaks), caps and no-scores.
# 0:30 and 400+0 are more than anyone can do: flagged "impossible" by the statement that writes them.
SCORES = {"Fran": ["2:59", "3:18", "3:18 tb 1:40", "3:18 tb 1:52", "4:05", "5:12 Rx", "3:00 sc", "CAP+80", "CAP+5",
                   "DNF", "DNS", "0:30"],
          "Push Pull Twelve": ["7+12", "7 rounds + 20 reps", "9+0", "8+3", "7+12 sc", "DNF", "400+0"]}
COMPARED = ["wod_id", "scope", "athlete_id", "track", "result_id", "session_date", "rank_tier", "rank_value",
            "tiebreak_seconds", "recorded_at", "gender"]


@pytest.fixture(scope="module")
def base(admin, server_url, template):
    """Workouts, athletes and sessions, no result: the database each example starts from."""
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {BASE} TEMPLATE {template}"))
    lab = wodlab.connect(database_url(server_url, BASE))
    lab.store_wod(library.get("girls/fran").source)
    lab.load_wods(FIXTURES / "wods", progress=False)
    lab.load_athletes(BOX / "athletes.csv")
    lab.load_sessions(_sessions_frame())
    # the sessions' month partitions made now (a result each, then removed): a load that creates a
    # month waits for another doing the same, which would hide the wait the concurrency tests watch
    lab.load_results(_results_frame([(s, 0, 0) for s in range(len(SESSIONS))]))
    with lab.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM athlete_results"))
    lab.engine.dispose()
    yield BASE
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE {BASE} WITH (FORCE)"))


def _sessions_frame() -> pd.DataFrame:
    return pd.DataFrame([{"wod": wod, "session_date": day, "session_time": "18:00", "track": track, "location": "Main floor"}
                         for wod, day, track in SESSIONS])


def _results_frame(entries) -> pd.DataFrame:
    """(session index, athlete index, score index) -> a results file; the last entry of a pair wins."""
    rows = {}
    for session, athlete, score in entries:
        wod, day, track = SESSIONS[session]
        rows[(session, athlete)] = {"wod": wod, "session_date": day, "session_time": "18:00", "track": track,
                                    "location": "Main floor", "athlete": ATHLETES[athlete],
                                    "score": SCORES[wod][score % len(SCORES[wod])]}
    return pd.DataFrame(list(rows.values()))


def expected_standings(conn) -> pd.DataFrame:
    """Each (workout, scope, athlete)'s best result, computed here in pandas from the stored results."""
    results = pd.read_sql(sa.text(
        "SELECT ss.wod_definition_id::text AS wod_id, ss.track, ar.id::text AS result_id, ar.session_date, "
        "ar.athlete_id::text AS athlete_id, ar.rank_tier, ar.rank_value, ar.tiebreak_seconds, ar.recorded_at, a.gender "
        "FROM athlete_results ar JOIN scheduled_sessions ss ON ss.id = ar.session_id "
        "LEFT JOIN athletes a ON a.id = ar.athlete_id"), conn)
    scoped = pd.concat([results.assign(scope=results["track"]), results.assign(scope="*")], ignore_index=True)
    # missing tiers, values and tie-breaks sort last, as in SQL's ascending order
    ordered = scoped.sort_values(["wod_id", "scope", "athlete_id", "rank_tier", "rank_value", "tiebreak_seconds",
                                  "session_date", "result_id"], na_position="last")
    best = ordered.drop_duplicates(["wod_id", "scope", "athlete_id"])
    return _normalised(best[COMPARED])


def kept_standings(conn) -> pd.DataFrame:
    kept = pd.read_sql(sa.text(
        "SELECT wod_id::text AS wod_id, scope, athlete_id::text AS athlete_id, track, result_id::text AS result_id, "
        "session_date, rank_tier, rank_value, tiebreak_seconds, recorded_at, gender FROM workout_standings"), conn)
    return _normalised(kept[COMPARED])


def _normalised(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.astype({"rank_value": float, "tiebreak_seconds": float})
    frame["session_date"] = pd.to_datetime(frame["session_date"])
    return frame.sort_values(["wod_id", "scope", "athlete_id"]).reset_index(drop=True)


def kept_sizes(conn) -> pd.DataFrame:
    return pd.read_sql(sa.text("SELECT wod_id::text AS wod_id, scope, athletes, men, women FROM workout_boards "
                               "ORDER BY wod_id, scope"), conn)


def expected_sizes(standings_frame: pd.DataFrame) -> pd.DataFrame:
    grouped = standings_frame.groupby(["wod_id", "scope"])
    sizes = pd.DataFrame({"athletes": grouped.size(), "men": grouped["gender"].apply(lambda g: int((g == "M").sum())),
                          "women": grouped["gender"].apply(lambda g: int((g == "F").sum()))}).reset_index()
    return sizes.sort_values(["wod_id", "scope"]).reset_index(drop=True)


def impossible_flags(conn) -> tuple[set, set]:
    """(results flagged impossible, results that are: a finished time under the workout's fastest time,
    or an AMRAP's work over its most, computed here from the stored limits)."""
    flagged = set(conn.execute(sa.text("SELECT result_id::text FROM result_flags WHERE flag = 'impossible'")).scalars())
    rows = conn.execute(sa.text(
        "SELECT ar.id::text, ar.score_type, ar.score_value, ar.score_secondary, ar.result_status, wl.fastest_seconds, "
        "wl.most_work, wl.reps_per_round FROM athlete_results ar JOIN scheduled_sessions ss ON ss.id = ar.session_id "
        "JOIN workout_limits wl ON wl.wod_id = ss.wod_definition_id")).all()
    due = {r[0] for r in rows if r[4] == "finished" and r[2] is not None and (
        (r[1] == "TIME" and r[5] is not None and float(r[2]) < r[5])
        or (r[1] == "ROUNDS" and r[6] is not None and float(r[2]) * r[7] + float(r[3] or 0) > r[6]))}
    return flagged, due


def assert_kept_as_from_scratch(engine) -> None:
    """The kept boards equal those computed in pandas, and the database's full rebuild changes nothing;
    the results flagged impossible are exactly those that are."""
    with engine.connect() as conn:
        kept, want = kept_standings(conn), expected_standings(conn)
        pd.testing.assert_frame_equal(kept, want, check_dtype=False)
        pd.testing.assert_frame_equal(kept_sizes(conn), expected_sizes(want), check_dtype=False)
        flagged, due = impossible_flags(conn)
        assert flagged == due
    workout_standings.rebuild(engine)
    with engine.connect() as conn:
        pd.testing.assert_frame_equal(kept_standings(conn), kept, check_dtype=False)


session_index = st.integers(0, len(SESSIONS) - 1)
athlete_index = st.integers(0, len(ATHLETES) - 1)
operations = st.one_of(
    st.tuples(st.just("load"), st.lists(st.tuples(session_index, athlete_index, st.integers(0, 20)), min_size=1, max_size=14)),
    st.tuples(st.just("delete"), st.lists(st.tuples(session_index, athlete_index), min_size=1, max_size=6)),
    st.tuples(st.just("retrack"), session_index, st.sampled_from(["RX", "SCALED", "INTERMEDIATE"])),
    st.tuples(st.just("redate"), session_index, st.sampled_from(["2026-08-30", "2026-09-15", "2026-11-03"])),
    st.tuples(st.just("regender"), athlete_index, st.sampled_from(["M", "F", None])),
    st.tuples(st.just("forget athlete"), athlete_index),
)


def _apply(lab, conn_engine, operation) -> None:
    kind, *args = operation
    if kind == "load":  # new results and corrections of stored ones, in one load
        lab.load_results(_results_frame(args[0]), update=True)
        return
    with conn_engine.begin() as conn:
        if kind == "delete":
            for session, athlete in args[0]:
                wod, day, track = SESSIONS[session]
                conn.execute(sa.text(
                    "DELETE FROM athlete_results ar USING scheduled_sessions ss, athletes a, wod_definitions wd "
                    "WHERE ss.id = ar.session_id AND a.id = ar.athlete_id AND wd.id = ss.wod_definition_id "
                    "AND wd.title = :wod AND ss.session_date = :day AND a.external_id = :athlete"),
                    {"wod": wod, "day": day, "athlete": ATHLETES[athlete]})
        elif kind == "retrack":  # the whole session moves to another track: its results change boards
            conn.execute(sa.text("UPDATE scheduled_sessions SET track = :t WHERE id IN (SELECT id FROM scheduled_sessions "
                                 "ORDER BY session_date, id OFFSET :n LIMIT 1)"), {"t": args[1], "n": args[0]})
        elif kind == "redate":  # a session moved to another day: ties between sessions are decided anew
            conn.execute(sa.text("UPDATE scheduled_sessions SET session_date = :d WHERE id IN (SELECT id FROM "
                                 "scheduled_sessions ORDER BY id OFFSET :n LIMIT 1)"), {"d": args[1], "n": args[0]})
        elif kind == "regender":
            conn.execute(sa.text("UPDATE athletes SET gender = :g WHERE external_id = :a"),
                         {"g": args[1], "a": ATHLETES[args[0]]})
        elif kind == "forget athlete":  # the athlete leaves the box's list; their results stay
            conn.execute(sa.text("DELETE FROM athletes WHERE external_id = :a"), {"a": ATHLETES[args[0]]})


@pytest.fixture(scope="module")
def scratch(base, admin, server_url):
    """One database for every example of the hypothesis test, reset before each (cloning one per example
    costs a checkpoint each: most of the test's time)."""
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {base}_scratch TEMPLATE {base}"))
    lab = wodlab.connect(database_url(server_url, f"{base}_scratch"))
    yield lab
    lab.engine.dispose()
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE {base}_scratch WITH (FORCE)"))


def _reset(lab) -> None:
    """Back to the base: no result, the athletes and sessions as first loaded."""
    with lab.engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE athlete_results, athletes"))
        conn.execute(sa.text("DELETE FROM scheduled_sessions"))
    lab.load_athletes(BOX / "athletes.csv")
    lab.load_sessions(_sessions_frame())


@pytest.mark.slow
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(operations, min_size=1, max_size=8))
def test_kept_boards_equal_a_rebuild_from_scratch_after_any_sequence_of_changes(scratch, steps):
    _reset(scratch)
    for step in steps:
        if step[0] == "load":
            scratch.load_athletes(BOX / "athletes.csv", update=True)  # a load names known athletes only
        _apply(scratch, scratch.engine, step)
        assert_kept_as_from_scratch(scratch.engine)


def test_a_day_added_touches_only_its_workouts_boards(base, new_database):
    """A load rewrites the rows of the boards it touched; every other board keeps its rows untouched
    (the same row versions: PostgreSQL's xmin does not change)."""
    lab = wodlab.connect(new_database(from_template=base))
    lab.load_results(_results_frame([(s, a, a + s) for s in range(len(SESSIONS)) for a in range(len(ATHLETES)) if s != 2]))
    versions = _row_versions(lab)
    lab.load_results(_results_frame([(2, a, 0) for a in range(3)]))  # Fran, RX, 2026-09-15: three better times
    after = _row_versions(lab)
    changed = {key for key in versions if after.get(key) != versions[key]}
    fran = {key for key in versions if key[0] == "Fran"}
    assert changed and changed <= fran  # Push Pull Twelve's boards were not written
    assert {key[1] for key in changed} <= {"RX", "*"}  # nor Fran's scaled board
    assert_kept_as_from_scratch(lab.engine)
    lab.engine.dispose()


def _row_versions(lab) -> dict:
    with lab.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT wd.title, st.scope, st.athlete_id::text, st.xmin::text FROM workout_standings st "
                                    "JOIN wod_definitions wd ON wd.id = st.wod_id")).all()
    return {(title, scope, athlete): xmin for title, scope, athlete, xmin in rows}


def _waiting_for_standings_lock(engine) -> bool:
    """Whether some session waits for a lock of the standings' upkeep (wodlab_standings_lock, migration 017:
    advisory locks keyed by two integers, the first one the standings' own)."""
    with engine.connect() as conn:
        return bool(conn.execute(sa.text(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objsubid = 2 "
            "AND classid = hashtext('wodlab.workout_standings')::oid "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))")).scalar())


def _wait_until(condition, what: str, timeout: float = 30.0) -> None:
    """Poll a condition of the database (not a fixed sleep): a concurrent step has reached its wait."""
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def _in_thread(action) -> tuple[threading.Thread, list]:
    errors: list = []

    def run():
        try:
            action()
        except Exception as exc:  # reported by the test
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


def test_two_loads_of_one_workout_at_once_keep_both(base, new_database):
    """The second load's upkeep waits for the first to commit, then recomputes from what it committed:
    the athlete's better result of the first load stays their best (a lost update otherwise)."""
    lab = wodlab.connect(new_database(from_template=base))
    first = _results_frame([(0, a, 0) for a in range(len(ATHLETES))])  # Fran RX, 2:59 for everyone
    second = _results_frame([(2, a, 4) for a in range(len(ATHLETES))])  # Fran RX another day, 4:05
    with lab.engine.connect() as conn:
        transaction = conn.begin()
        loading.load(conn, RESULTS, first)  # written, kept, not committed: it holds Fran's boards
        thread, errors = _in_thread(lambda: lab.load_results(second))
        _wait_until(lambda: _waiting_for_standings_lock(lab.engine), "the second load to wait for Fran's boards")
        transaction.commit()
    thread.join()
    assert not errors
    assert_kept_as_from_scratch(lab.engine)
    board = lab.leaderboard("Fran", track="RX", limit=None)
    assert set(board["score"]) == {"2:59"} and len(board) == len(ATHLETES)
    lab.engine.dispose()


def test_a_rebuild_while_a_load_is_in_flight_includes_the_load(base, new_database):
    """`wodlab refresh` waits for loads in flight: its boards include what they commit."""
    lab = wodlab.connect(new_database(from_template=base))
    with lab.engine.connect() as conn:
        transaction = conn.begin()
        loading.load(conn, RESULTS, _results_frame([(s, a, 1) for s in (0, 4) for a in range(len(ATHLETES))]))
        thread, errors = _in_thread(lambda: workout_standings.rebuild(lab.engine))
        _wait_until(lambda: _waiting_for_standings_lock(lab.engine), "the rebuild to wait for the load")
        transaction.commit()
    thread.join()
    assert not errors
    assert_kept_as_from_scratch(lab.engine)
    assert len(lab.leaderboard("Push Pull Twelve", limit=None)) == len(ATHLETES)
    lab.engine.dispose()


def test_a_load_while_a_rebuild_is_in_flight_is_kept_after_it(base, new_database):
    lab = wodlab.connect(new_database(from_template=base))
    lab.load_results(_results_frame([(0, a, 4) for a in range(len(ATHLETES))]))
    with lab.engine.connect() as conn:
        transaction = conn.begin()
        workout_standings.rebuild(conn)  # holds every board until it commits
        thread, errors = _in_thread(lambda: lab.load_results(_results_frame([(2, a, 0) for a in range(4)])))
        _wait_until(lambda: _waiting_for_standings_lock(lab.engine), "the load to wait for the rebuild")
        transaction.commit()
    thread.join()
    assert not errors
    assert_kept_as_from_scratch(lab.engine)
    assert sorted(lab.leaderboard("Fran", track="RX", limit=None)["score"]) == ["2:59"] * 4 + ["4:05"] * 4
    lab.engine.dispose()


@pytest.mark.slow
def test_a_second_big_board_on_the_same_workouts_writes_only_its_own_rows(admin, server_url, template):
    """Statements of over 100,000 (workout, scope, athlete) (migration 026): the first board, onto empty
    boards, has them computed whole; a second board of as many new athletes on the same workouts is
    kept per athlete, so the first board's rows keep their row versions. Both end as a rebuild would."""
    from conftest import lab_on_new_database
    from wodlab.sim.open_board import open_board

    athletes = 11_000  # five scores each, two scopes: 110,000 board rows per board
    with lab_on_new_database(admin, server_url, template, "wl_two_big_boards") as lab:
        assert lab.load_wods(library=True, progress=False).ok
        lab.load_leaderboard(open_board(athletes, seed=1), competition="First")
        first = _row_versions(lab)
        stored = int(lab.sql("SELECT count(*) AS n FROM athlete_results")["n"].iloc[0])
        assert len(first) == 2 * stored > 100_000  # every result on an RX board and on its workout's '*' board
        second = open_board(athletes, seed=2)
        second["competitorId"] = "second-" + second["competitorId"]
        lab.load_leaderboard(second, competition="Second")
        after = _row_versions(lab)
        assert {key: after[key] for key in first} == first
        assert len(after) > len(first)
        assert_kept_as_from_scratch(lab.engine)

