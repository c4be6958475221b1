"""Every DataFrame wodlab returns has its declared dtypes, with rows and without (issue: one contract).

Each public Lab method and module function that returns a frame is called twice: with arguments
that match something (on the hand-written box of fixtures/box) and with arguments that match
nothing (a box without results or events). Both times the columns and dtypes must be exactly the
declared ones.
"""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa

from wodlab import programming
from wodlab.audit import dedup
from wodlab.competition import standings
from wodlab.core import frames
from wodlab.core.errors import QueryError
from wodlab.difficulty import calibrate, observed, versions
from wodlab.difficulty.calibrate import FEATURES_SCHEMA
from wodlab.load.report import REPORT_SCHEMA
from wodlab.programming import profile
from wodlab.store import queries
from wodlab.store.names import athlete_id
from wodlab.tables import tracker


def _session(lab, title: str, track: str = "RX") -> str:
    return lab.sql("SELECT ss.id::text AS id FROM scheduled_sessions ss JOIN wod_definitions w ON w.id = ss.wod_definition_id "
                   "WHERE w.title = :t AND ss.track = :k", t=title, k=track)["id"].iloc[0]


def _period(match: bool) -> dict:
    """The whole calendar, or a period with no session in it."""
    return {"start": None, "end": None} if match else {"start": "1990-01-01", "end": "1990-01-31"}


def q(name: str) -> dict:
    return queries.get(name).dtypes


# (name, call on a Lab, declared schema): `match` runs on the full box, `empty` on the box without results.
CASES = [
    ("search_wods", lambda lab, m: lab.search_wods(movements_all=["thruster"] if m else ["ring_muscle_up"]), q("search_wods")),
    ("wods", lambda lab, m: lab.wods() if m else lab.search_wods(form="tabata"), q("search_wods")),
    ("leaderboard", lambda lab, m: lab.leaderboard("Fran", track="rx" if m else "intermediate"), q("leaderboard")),
    ("workout_results", lambda lab, m: lab.workout_results("Fran"), q("workout_results")),
    ("athletes", lambda lab, m: lab.athletes(), q("athletes")),
    ("athlete_history", lambda lab, m: lab.athlete_history("alice"), q("athlete_history")),
    ("athlete_progression", lambda lab, m: lab.athlete_progression("alice", movement="thruster" if m else "deadlift"),
     q("athlete_movement_progression")),
    ("tracked_sessions", lambda lab, m: lab.tracked_sessions(), q("tracked_sessions")),
    ("session_events", lambda lab, m: lab.session_events(_session(lab, "Push Pull Twelve")), q("session_events")),
    ("live_leaderboard", lambda lab, m: lab.live_leaderboard(_session(lab, "Push Pull Twelve")), q("live_leaderboard")),
    ("athlete_timeline", lambda lab, m: lab.athlete_timeline(_session(lab, "Push Pull Twelve"), athlete="alice"),
     q("athlete_timeline")),
    ("reconcile", lambda lab, m: lab.reconcile(_session(lab, "Push Pull Twelve")), tracker.RECONCILE_SCHEMA),
    ("duplicates", lambda lab, m: lab.duplicates(threshold=0.35 if m else 0.0), dedup.PAIRS_SCHEMA),
    ("merge_plan", lambda lab, m: lab.merge_plan(lab.duplicates(threshold=0.35 if m else 0.0)), dedup.PLAN_SCHEMA),
    ("difficulty.features", lambda lab, m: lab.difficulty.features(track=["RX", "scaled"] if m else []),
     FEATURES_SCHEMA),
    ("difficulty.list", lambda lab, m: lab.difficulty.list(), versions.MODELS_SCHEMA),
    ("load report", lambda lab, m: lab.load_wods([], progress=False).to_frame(), REPORT_SCHEMA),
    ("programming.sessions", lambda lab, m: lab.programming(**_period(m)).sessions, profile.SESSIONS_SCHEMA),
    ("programming.movements", lambda lab, m: lab.programming(**_period(m)).movements, profile.MOVEMENTS_SCHEMA),
    ("programming.weeks", lambda lab, m: lab.programming(**_period(m)).weeks, profile.WEEKS_SCHEMA),
    ("programming_report", lambda lab, m: lab.programming_report(**_period(m)), programming.FINDINGS_SCHEMA),
    ("similar_wods", lambda lab, m: lab.similar_wods("Fran", k=5 if m else 0), programming.SIMILAR_SCHEMA),
    ("suggest_wods", lambda lab, m: lab.suggest_wods(**_period(m), k=5 if m else 0), programming.SUGGEST_SCHEMA),
    ("query best_times", lambda lab, m: lab.query("best_times", title="Fran" if m else "Pull Day", limit=10), q("best_times")),
]


@pytest.fixture
def near_twin_box(box_lab):
    """box_lab plus a near duplicate of Push Pull Twelve, so duplicates() has a pair to find."""
    text = box_lab.sql("SELECT dsl_source FROM wod_definitions WHERE title = 'Push Pull Twelve'")["dsl_source"].iloc[0]
    box_lab.store_wod(text.replace("Push Pull Twelve", "Push Pull Twelve Lite").replace("10 ", "9 ", 1))
    return box_lab


@pytest.mark.parametrize("name, call, schema", CASES, ids=[c[0] for c in CASES])
def test_a_frame_that_matches_has_its_declared_dtypes(box, name, call, schema):
    frame = call(box, True)
    assert frames.dtypes_of(frame) == dict(schema), name
    if name not in ("load report", "duplicates", "merge_plan"):
        assert len(frame), f"{name}: the matching call found nothing, so it tests nothing"


@pytest.mark.parametrize("name, call, schema", CASES, ids=[c[0] for c in CASES])
def test_a_frame_that_matches_nothing_is_empty_with_the_full_schema(box_lab, name, call, schema):
    frame = call(box_lab, False)
    assert frames.dtypes_of(frame) == dict(schema), name
    if name not in ("athletes", "wods", "difficulty.list"):
        assert frame.empty, name


def test_duplicates_and_merge_plan_with_rows_keep_their_dtypes(near_twin_box):
    pairs = near_twin_box.duplicates()
    assert len(pairs) == 1 and frames.dtypes_of(pairs) == dedup.PAIRS_SCHEMA
    plan = near_twin_box.merge_plan(pairs)
    assert len(plan) == 1 and frames.dtypes_of(plan) == dedup.PLAN_SCHEMA


def test_load_reports_of_tables_and_workouts_share_one_schema(box_lab, tmp_path):
    bad = tmp_path / "results.csv"
    bad.write_text("wod,session_date,session_time,track,location,athlete,score\n"
                   "Fran,2026-09-01,18:00,RX,Main floor,alice,4:05\nFran,2026-09-01,18:00,RX,Main floor,nobody,4:05\n")
    table = box_lab.load_results(bad, skip_bad=True).to_frame()
    assert frames.dtypes_of(table) == REPORT_SCHEMA
    assert table[["row", "status"]].values.tolist() == [[3, "rejected"]]
    wods = box_lab.load_wods(tmp_path, progress=False).to_frame()
    assert frames.dtypes_of(wods) == REPORT_SCHEMA and wods.empty


def test_replay_of_no_event_is_an_empty_typed_leaderboard():
    assert frames.dtypes_of(tracker.replay([])) == tracker.LEADERBOARD_SCHEMA
    one = tracker.replay([{"athlete_id": "a", "quantity_completed": 10.0, "timestamp_offset": 5, "event_type": "COMPLETE"}])
    assert frames.dtypes_of(one) == tracker.LEADERBOARD_SCHEMA and one["total_reps"].tolist() == [10.0]


@pytest.mark.slow
def test_difficulty_frames_are_typed(sim_lab):
    fitted = sim_lab.difficulty.observed()
    assert frames.dtypes_of(fitted.items) == observed.ITEMS_SCHEMA
    assert frames.dtypes_of(fitted.athletes) == observed.ATHLETES_SCHEMA
    model, report = sim_lab.difficulty.fit(observed=fitted)
    assert frames.dtypes_of(report.metrics) == calibrate.METRICS_SCHEMA
    assert frames.dtypes_of(report.predictions) == calibrate.PREDICTIONS_SCHEMA
    assert frames.dtypes_of(report.weights) == calibrate.WEIGHTS_SCHEMA
    scores = sim_lab.difficulty.scores(model)
    assert frames.dtypes_of(scores) == {"wod_id": "string", "title": "string", model.version: "Float64"}


def test_every_schema_uses_one_spelling_per_kind():
    schemas = [tracker.RECONCILE_SCHEMA, tracker.LEADERBOARD_SCHEMA, dedup.PAIRS_SCHEMA, dedup.PLAN_SCHEMA,
               FEATURES_SCHEMA, versions.MODELS_SCHEMA, REPORT_SCHEMA, observed.ITEMS_SCHEMA,
               observed.ATHLETES_SCHEMA, calibrate.METRICS_SCHEMA, calibrate.PREDICTIONS_SCHEMA,
               calibrate.WEIGHTS_SCHEMA, *(query.dtypes for query in queries.catalog().values())]
    used = {dtype for schema in schemas for dtype in schema.values()}
    assert used <= set(frames.DTYPES)


# --- a uniform Lab ----------------------------------------------------------------------------------------

def test_every_athlete_parameter_takes_an_external_id(box):
    session = _session(box, "Push Pull Twelve")
    by_external = box.athlete_timeline(session, athlete="alice")
    by_id = box.athlete_timeline(session, athlete=str(athlete_id("alice")))
    pd.testing.assert_frame_equal(by_external, by_id)
    assert len(by_external) > 0


def test_tracks_and_genders_are_case_insensitive(box):
    pd.testing.assert_frame_equal(box.leaderboard("Fran", track="rx"), box.leaderboard("Fran", track="RX"))
    pd.testing.assert_frame_equal(box.leaderboard("Fran", gender="f"), box.leaderboard("Fran", gender="F"))
    assert len(box.leaderboard("Fran", track="Rx")) > 0
    with pytest.raises(QueryError, match="unknown track 'elite'"):
        box.leaderboard("Fran", track="elite")


@pytest.mark.parametrize("call, named", [
    (lambda lab: lab.leaderboard("Frann"), "Frann"),
    (lambda lab: lab.workout_results("No Such Workout"), "No Such Workout"),
    (lambda lab: lab.athlete_history("nobody"), "nobody"),
    (lambda lab: lab.athlete("nobody"), "nobody"),
    (lambda lab: lab.tracker("Fran"), "Fran"),
    (lambda lab: lab.session_events("00000000-0000-0000-0000-000000000000"), "00000000-0000-0000-0000-000000000000"),
    (lambda lab: lab.reconcile("00000000-0000-0000-0000-000000000001"), "00000000-0000-0000-0000-000000000001"),
])
def test_unknown_names_raise_query_error_naming_them(box, call, named):
    with pytest.raises(QueryError) as caught:
        call(box)
    assert named in str(caught.value)


def test_an_unknown_workout_suggests_the_closest_titles(box):
    with pytest.raises(QueryError, match="did you mean 'Fran'"):
        box.leaderboard("Frann")


def test_a_workout_title_in_another_case_finds_the_workout(box):
    pd.testing.assert_frame_equal(box.leaderboard("fran"), box.leaderboard("Fran"))


def test_scratch_copy_refuses_its_own_name_and_quotes_names(sim_copy):
    copy = sim_copy.scratch_copy('odd"name')
    assert copy.engine.url.database == 'odd"name' and copy.require_results() > 0
    with pytest.raises(Exception, match="other than the database it copies"):
        copy.scratch_copy('odd"name')
    assert copy.require_results() > 0  # still there
    copy.engine.dispose()
    with sim_copy.engine.connect() as conn:
        conn.execute(sa.text("SELECT 1"))
        conn.commit()
    sim_copy.engine.dispose()
    from wodlab.core.errors import DatabaseError

    with pytest.raises(DatabaseError, match="not a wodlab scratch copy"):
        sim_copy.scratch_copy("postgres")


# --- frames added with competitions and flags ------------------------------------------------------------------

@pytest.fixture
def competition_lab(lab):
    from conftest import FIXTURES

    assert lab.load_wods(library=True, progress=False).ok
    lab.load_leaderboard(FIXTURES / "leaderboards" / "open_long.csv", competition="Open Test")
    return lab


@pytest.mark.parametrize("method, schema", [("standings", "STANDINGS_SCHEMA"), ("competition_results", "PLACES_SCHEMA")])
def test_competition_frames_have_their_declared_dtypes(competition_lab, method, schema):

    declared = getattr(standings, schema)
    full = getattr(competition_lab, method)("Open Test")
    none = getattr(competition_lab, method)("Open Test", division="Teens 14-15")
    assert len(full) > 0 and none.empty
    for frame in (full, none):
        assert dict(list(frames.dtypes_of(frame).items())[: len(declared)]) == declared
    extra = dict(list(frames.dtypes_of(full).items())[len(declared):])  # standings: each workout's place and points
    assert set(extra.values()) <= {"Int64"} and all(name.endswith((" place", " points")) for name in extra)


@pytest.mark.slow
def test_suspicious_results_and_residuals_have_their_declared_dtypes(sim_lab, box_lab):
    from wodlab.difficulty.observed import RESIDUALS_SCHEMA

    found = sim_lab.suspicious_results(refresh=False)
    empty = box_lab.suspicious_results()  # a box this small has nothing to fit outliers on
    assert len(found) > 0 and empty.empty
    for frame in (found, empty):
        assert frames.dtypes_of(frame) == queries.get("suspicious_results").dtypes
    assert frames.dtypes_of(sim_lab.difficulty.observed().residuals) == RESIDUALS_SCHEMA


@pytest.mark.parametrize("method", ["results", "events"])
def test_results_and_events_tables_whole_and_sliced(box, method):
    whole = getattr(box, method)()
    assert frames.dtypes_of(whole) == queries.get(method).dtypes and len(whole) > 0
    sliced = getattr(box, method)(start="2026-09-03", end="2026-09-03", tracks="rx", athlete="alice")
    assert frames.dtypes_of(sliced) == queries.get(method).dtypes and len(sliced) > 0
    rx = set(box.sql("SELECT id::text AS s FROM scheduled_sessions WHERE track = 'RX'")["s"])
    assert set(sliced["session_id"]) <= rx
    assert len(getattr(box, method)(tracks=["rx", "Scaled", "intermediate"])) == len(whole)
    assert len(getattr(box, method)(tracks=[])) == 0
    assert set(sliced["session_date"].dt.date.astype(str)) == {"2026-09-03"}
    assert (sliced["athlete_id"] == box.athlete_id("alice")).all()
    none = getattr(box, method)(start="2030-01-01")
    assert none.empty and frames.dtypes_of(none) == queries.get(method).dtypes


def test_results_table_matches_the_stored_rows(box):
    table = box.results()
    stored = box.sql("SELECT id::text AS result_id, score_text, score_value AS stored_value FROM athlete_results ORDER BY id")
    merged = table.merge(stored, on="result_id")
    assert len(merged) == len(stored) == len(table)
    assert (merged["score"] == merged["score_text"]).all()
    assert (merged["score_value"].astype(float).fillna(-1) == merged["stored_value"].astype(float).fillna(-1)).all()
