"""The documented queries, run for real on a hand-written box (fixtures/box) with known answers."""

from __future__ import annotations

import re

import pandas as pd
import pytest
import sqlalchemy as sa

from conftest import FIXTURES, ROOT
from wodlab.core.errors import QueryError
from wodlab.store import bulk, queries
from wodlab.store.names import athlete_id

ALICE, BRUNO, CHLOE, DIEGO, EMMA, FARID, GINA, HUGO = (
    str(athlete_id(name)) for name in ("alice", "bruno", "chloe", "diego", "emma", "farid", "gina", "hugo"))
BOX = FIXTURES / "box"


def session(box, title: str, track: str = "RX") -> str:
    found = box.sql(
        "SELECT ss.id::text FROM scheduled_sessions ss JOIN wod_definitions w ON w.id = ss.wod_definition_id"
        " WHERE w.title = :t AND ss.track = :k", t=title, k=track)
    (value,) = found.iloc[:, 0]
    return value


def titles(frame: pd.DataFrame) -> list[str]:
    return frame["title"].tolist()


def test_all_movements(box):
    assert titles(box.query("wods_with_all_movements", movements=["thruster", "pull_up"])) == ["Fran", "Push Pull Twelve"]


def test_any_movement(box):
    found = box.query("wods_with_any_movement", movements=["deadlift", "wall_ball"])
    assert titles(found) == ["Deadlift Ladder", "Pull Day", "Tuesday Class / Metcon"]


def test_the_movement_queries_take_english_and_french_names(box):
    by_ids = box.query("wods_with_all_movements", movements=["thruster", "pull_up"])
    by_names = box.query("wods_with_all_movements", movements=["thrusters", "Pull-up"])  # the seed's own spelling
    assert titles(by_names) == titles(by_ids) == ["Fran", "Push Pull Twelve"]
    assert titles(box.wods_with_any_movement(["soulevé de terre", "wall-ball"])) == titles(
        box.query("wods_with_any_movement", movements=["deadlift", "wall_ball"]))
    assert titles(box.athlete_progression("alice", movement="pompes")) == titles(box.athlete_progression("alice", movement="push_up"))
    with pytest.raises(QueryError, match="unknown movement 'thrusterz'.*thruster"):
        box.query("wods_with_any_movement", movements=["thrusterz"])


def test_the_movement_queries_take_the_searchwods_filters(box):
    every = titles(box.wods_with_any_movement(["deadlift", "wall_ball"]))
    assert titles(box.wods_with_any_movement(["deadlift", "wall_ball"], offset=1, limit=1)) == every[1:2]
    with_ball = titles(box.wods_with_any_movement(["deadlift", "wall_ball"], equipment="Medicine_ball"))
    assert with_ball == ["Tuesday Class / Metcon"]
    assert titles(box.wods_with_all_movements("thruster", modalities=["gymnastics"])) == ["Fran", "Push Pull Twelve"]
    assert titles(box.wods_with_all_movements("thruster", modalities=["cardio"])) == []
    with pytest.raises(QueryError, match="unknown equipment"):
        box.wods_with_any_movement("deadlift", equipment="barbel")


def test_movement_category_join(box):
    assert titles(box.query("wods_by_movement_category", category="cardio")) == ["Pull Day"]
    assert titles(box.query("wods_by_movement_category", category="weightlifting")) == [
        "Deadlift Ladder", "Fran", "Pull Day", "Push Pull Twelve", "Tuesday Class / Metcon"]


def test_duration_and_difficulty(box):
    found = box.query("wods_by_duration_and_difficulty", min_seconds=300, max_seconds=900, min_difficulty=40, max_difficulty=70)
    assert titles(found) == ["Tuesday Class / Metcon", "Push Pull Twelve"]  # by difficulty: 50, 55
    assert found["difficulty_score"].tolist() == [50, 55]


def test_form_and_duration(box):
    found = box.query("wods_by_form_and_duration", form="amrap", duration_seconds=720)
    assert titles(found) == ["Push Pull Twelve", "Tuesday Class / Metcon"]
    assert set(found["wod_type"]) == {"amrap"}


def test_best_times_on_fran(box):
    found = box.query("best_times", title="Fran", limit=10)
    # Rx finishers only: Emma (not Rx), Hugo (scaled), Farid (capped, REPS) are out; Gina's DNF has no time.
    assert found["athlete_id"].tolist()[:4] == [BRUNO, DIEGO, ALICE, CHLOE]
    assert found["time_seconds"].tolist() == [198.0, 198.0, 245.0, 312.0]
    assert box.query("best_times", title="Fran", limit=2)["athlete_id"].tolist() == [BRUNO, DIEGO]


def test_athlete_progression_on_a_movement(box):
    found = box.athlete_progression(ALICE, movement="deadlift")
    assert titles(found) == ["Pull Day", "Deadlift Ladder"]
    assert found["workout_date"].dt.strftime("%Y-%m-%d").tolist() == ["2026-09-08", "2026-09-05"]
    assert found["score_value"].tolist() == [1500.0, 540.0]  # 25:00 and 9:00
    assert titles(box.athlete_progression(ALICE)) == ["Pull Day", "Deadlift Ladder", "Push Pull Twelve", "Fran"]


def test_live_amrap_progress_and_leaderboard(box):
    progress = box.query("live_amrap_progress", session_id=session(box, "Push Pull Twelve"))
    tied = sorted([ALICE, BRUNO])  # 30 reps each: the seed orders by reps only, wodlab then by id
    assert progress["athlete_id"].tolist() == [*tied, CHLOE]
    assert progress["total_reps"].tolist() == [30.0, 30.0, 20.0]
    assert progress["last_activity_time"].tolist() == [{ALICE: 190, BRUNO: 185}[a] for a in tied] + [140]
    live = box.live_leaderboard(session(box, "Push Pull Twelve"))
    assert live["athlete_id"].tolist() == [BRUNO, ALICE, CHLOE]  # at 30 reps, Bruno got there first
    assert live["last_update"].tolist() == [185, 190, 140]


def test_helpers_take_the_boxs_own_athlete_ids(box):
    assert titles(box.athlete_progression("alice", movement="deadlift")) == ["Pull Day", "Deadlift Ladder"]
    assert box.athlete("bruno")["name"] == "Bruno"
    history = box.athlete_history("bruno")
    assert history["title"].tolist() == ["Fran", "Push Pull Twelve"]
    assert history["class_percentile"].tolist() == [100.0, 50.0]  # first of 7 in the Rx Fran class; 2nd of 3


def test_athlete_timeline(box):
    timeline = box.athlete_timeline(session(box, "Push Pull Twelve"), athlete=CHLOE)
    assert timeline["timestamp_offset"].tolist() == [0, 50, 140, 150]
    assert timeline["movement"].tolist()[1:3] == ["push_up", "thruster"]
    assert pd.isna(timeline["movement"].iloc[0])


def test_leaderboard_ranks_rx_finishers_then_capped_then_scaled_then_no_scores(box):
    board = box.leaderboard("Fran", track="RX")
    # Bruno and Diego tie at 3:18: the tie-break (1:40 vs 1:52) decides. Emma's 3:00 was scaled;
    # Gina's DNF is a no-score: last, below the scaled score (the official rule).
    assert board["athlete"].tolist() == ["Bruno", "Diego", "Alice", "Chloé", "Farid", "Emma", "Gina"]
    assert board["rank"].tolist() == [1, 2, 3, 4, 5, 6, 7]
    assert board["score"].tolist() == ["3:18 tb 1:40", "3:18 tb 1:52", "4:05", "5:12 Rx", "CAP+80", "3:00 Sc", "DNF"]
    assert board["result_status"].tolist()[4:7] == ["capped", "finished", "dnf"]
    assert board["percentile"].tolist() == [100.0, pytest.approx(83.333, abs=1e-3), pytest.approx(66.667, abs=1e-3),
                                            50.0, pytest.approx(33.333, abs=1e-3), pytest.approx(16.667, abs=1e-3), 0.0]
    assert box.leaderboard("Fran", track="SCALED")["athlete"].tolist() == ["Hugo"]
    assert len(box.leaderboard("Fran", track=None, limit=None)) == 8


def test_leaderboard_splits_by_gender(box):
    assert box.leaderboard("Fran", gender="F")["athlete"].tolist() == ["Alice", "Chloé", "Emma", "Gina"]
    assert box.leaderboard("Fran", gender="M", track=None)["athlete"].tolist() == ["Bruno", "Diego", "Farid", "Hugo"]


def test_leaderboard_of_an_amrap_orders_rounds_then_reps(box):
    board = box.leaderboard("Push Pull Twelve")
    assert board["athlete_id"].tolist() == [CHLOE, BRUNO, ALICE]  # 9+0, 7+20, 7+12
    assert board["score"].tolist() == ["9+0", "7+20", "7+12"]


def test_leaderboard_accepts_a_workout_id(box):
    fran_id = box.search_wods(movements_all=["thruster"], form="for_time")["id"].iloc[0]
    assert len(box.leaderboard(fran_id, track=None, limit=None)) == 8


def test_search_combines_filters(box):
    assert titles(box.search_wods(movements_all="pull_up", category="cardio")) == ["Pull Day"]
    assert titles(box.search_wods(form="amrap", difficulty=(52, None))) == ["Push Pull Twelve"]
    assert titles(box.search_wods(movements_any=["burpee", "air_squat"], duration=(None, 900))) == [
        "Deadlift Ladder", "Tuesday Class / Warm-up"]
    assert len(box.search_wods()) == 6 and len(box.search_wods(limit=2)) == 2


def test_results_follow_the_declared_dtypes(box):
    for name, params in {
        "search_wods": {},
        "best_times": {"title": "Fran", "limit": 10},
        "leaderboard": {"wod": "Fran", "track": None, "limit": None},
        "athlete_movement_progression": {"athlete_id": ALICE, "movement": None},
    }.items():
        frame = box.query(name, **params)
        declared = queries.get(name).dtypes
        assert list(frame.columns) == list(declared)
        assert {c: str(t) for c, t in frame.dtypes.items()} == declared, name


def test_an_empty_result_keeps_the_full_schema(box):
    frame = box.query("best_times", title="No Such Workout", limit=10)
    assert frame.empty
    assert {c: str(t) for c, t in frame.dtypes.items()} == queries.get("best_times").dtypes


def test_values_are_bound_never_formatted(box, count):
    hostile = "Fran'; DROP TABLE athlete_results; --"
    assert box.query("best_times", title=hostile, limit=10).empty
    assert count(box, "athlete_results") == 13


@pytest.mark.parametrize("call, message", [
    (lambda lab: lab.query("best_time", title="Fran", limit=1), "no query named 'best_time'; did you mean 'best_times'"),
    (lambda lab: lab.query("best_times", title="Fran"), "parameter 'limit' is required"),
    (lambda lab: lab.query("best_times", title="Fran", limit=1, track="RX"), "has no parameter 'track'"),
    (lambda lab: lab.query("wods_with_all_movements", movements="thruster"), "expects a list of movement names"),
    (lambda lab: lab.query("best_times", title="Fran", limit="10"), "expects an integer"),
    (lambda lab: lab.query("athlete_movement_progression", athlete_id="nobody"), "parameter 'athlete_id': no athlete 'nobody'"),
    (lambda lab: lab.query("leaderboard", wod="Frna", limit=3), "no workout titled 'Frna'.*did you mean 'Fran'"),
    (lambda lab: lab.query("session_events", session_id="x"), "is not a session id"),
    (lambda lab: lab.search_wods(duration=300), r"expects a \(low, high\) pair"),
])
def test_bad_query_calls_say_what_is_wrong(box, call, message):
    with pytest.raises(QueryError, match=message):
        call(box)


def test_every_query_header_matches_its_sql():
    for name, query in queries.catalog().items():
        assert query.columns, f"{name} declares no columns"
        assert all(c.doc for c in query.columns), f"{name}: a column without a description"
        assert all(re.fullmatch(r"string|object|boolean|Int64|Float64|datetime64\[ns(, UTC)?\]", c.dtype)
                   for c in query.columns), name


def test_a_routed_query_plans_only_the_statement_that_runs(box):
    """leaderboard reads the stored board; with a session or without flagged results, its header sends the call
    to leaderboard_from_results. The stored board's plan holds no path through the sessions and results."""
    leaderboard = queries.get("leaderboard")
    assert queries.routed(leaderboard, {"session_id": None, "exclude_flagged": False}) is leaderboard
    assert queries.routed(leaderboard, {"session_id": "x", "exclude_flagged": False}).name == "leaderboard_from_results"
    assert queries.routed(leaderboard, {"session_id": None, "exclude_flagged": True}).name == "leaderboard_from_results"
    relations = {n.get("Relation Name") for n in queries.plan_nodes(box.engine, "leaderboard", wod="Fran", track="RX")}
    assert "workout_standings" in relations and "scheduled_sessions" not in relations, relations
    relations = {n.get("Relation Name") for n in queries.plan_nodes(box.engine, "leaderboard", wod="Fran", track="RX",
                                                                    exclude_flagged=True)}
    assert "scheduled_sessions" in relations and "workout_standings" not in relations, relations
    one_session = box.leaderboard("Fran", session=session(box, "Fran"), limit=None)
    assert len(one_session) > 0 and one_session["rank"].is_monotonic_increasing


def test_a_query_routed_to_another_must_promise_the_same_columns():
    header = "-- param wod: uuid — a workout\n-- param session_id: uuid, optional — one session\n"
    mine = queries._parse("mine", header + "-- instead other when session_id\n-- column a: Int64 — a\nSELECT :wod")
    other = queries._parse("other", header + "-- column b: Int64 — b\nSELECT :wod, :session_id")
    with pytest.raises(QueryError, match="same parameters and columns"):
        queries._check_instead(mine, {"mine": mine, "other": other})
    with pytest.raises(QueryError, match="binds"):  # a routing parameter is never bound by the routed query
        queries._parse("bad", header + "-- instead other when session_id\n-- column a: Int64 — a\nSELECT :wod, :session_id")


def test_the_query_reference_is_generated_from_the_headers():
    """The docs' column dictionary is the queries' own headers; regenerate it when they change."""
    page = (ROOT / "docs" / "reference" / "queries.md").read_text()
    documented = page.split("<!-- queries:begin -->\n", 1)[1].split("<!-- queries:end -->", 1)[0]
    assert documented == queries.reference_markdown(), (
        "docs/reference/queries.md is stale: replace the block between the queries markers "
        "with the output of `wodlab query --markdown` (`make docs` does it)"
    )
    for name in queries.catalog():
        assert f"## `{name}`" in documented


@pytest.mark.slow
def test_movement_search_uses_the_gin_index_at_10k_workouts(lab):
    """With 10,000+ realistic rows the planner must choose idx_wod_movements for @> (and search_wods).

    The rows are the library's, copied 125 times with other movements: a table of tiny made-up
    rows would fit in a few pages, where a sequential scan is rightly cheaper than any index.
    """
    assert lab.load_wods(library=True, progress=False).ok
    with lab.engine.begin() as conn:
        conn.execute(sa.text("""
            INSERT INTO wod_definitions (id, title, dsl_source, ast_json, compiled_json, source_hash, movements_list,
                equipment_list, duration_seconds, difficulty_score, modality_tags)
            SELECT gen_random_uuid(), w.title || ' #' || g, w.dsl_source || '// ' || g, w.ast_json, w.compiled_json,
                   md5(w.source_hash || g) || md5(g::text || w.source_hash),
                   ARRAY(SELECT canonical_name FROM movement_catalog
                         ORDER BY md5(canonical_name || g || w.title) LIMIT 1 + g % 4),
                   w.equipment_list, w.duration_seconds, w.difficulty_score, w.modality_tags
            FROM wod_definitions w, generate_series(1, 125) AS g"""))
        conn.execute(sa.text("ANALYZE wod_definitions"))
    assert lab.sql("SELECT count(*) AS n FROM wod_definitions")["n"].iloc[0] >= 10_000
    plan = lab.explain("wods_with_all_movements", movements=["thruster", "pull_up"])
    assert "Index Scan on idx_wod_movements" in plan, plan
    plan = lab.explain("search_wods", movements_all=["thruster", "pull_up"])  # other filters NULL
    assert "Index Scan on idx_wod_movements" in plan, plan


# --- search as the seed means it ---------------------------------------------------------------------------

def test_search_takes_the_seeds_names_in_english_french_and_any_case(box):
    by_id = titles(box.search_wods(movements_all=["thruster", "pull_up"]))
    assert titles(box.search_wods(movements_all=["Thrusters", "pull-ups"])) == by_id
    assert titles(box.search_wods(movements_all=["thrusters", "tractions"])) == by_id  # French: tractions
    assert titles(box.search_wods(form="AMRAP")) == titles(box.search_wods(form="amrap")) != []


def test_search_filters_equipment_and_modalities_and_pages(box):
    barbell = box.search_wods(equipment="Barbell")
    assert len(barbell) > 0 and all("barbell" in e for e in barbell["equipment_list"])
    cardio = box.search_wods(modalities=["cardio"])
    assert all("cardio" in m for m in cardio["modality_tags"])
    everything = box.search_wods()
    assert titles(box.search_wods(limit=2, offset=1)) == titles(everything)[1:3]


@pytest.mark.parametrize("kwargs, message", [({"movements_all": ["thrustr"]}, "did you mean"),
                                             ({"form": "amrapp"}, "did you mean 'amrap'"),
                                             ({"equipment": ["barbel"]}, "did you mean 'barbell'"),
                                             ({"modalities": ["strenght"]}, "did you mean 'strength'")])
def test_unknown_search_names_are_query_errors_never_an_empty_frame(box, kwargs, message):
    with pytest.raises(QueryError, match=message):
        box.search_wods(**kwargs)


def test_the_arrow_verbs_give_a_table_with_the_declared_types(box):
    import pyarrow as pa

    frame = box.results(tracks="rx")
    table = box.results_arrow(tracks="rx")
    assert isinstance(table, pa.Table) and table.num_rows == len(frame) > 0
    assert table.schema.names == list(frame.columns)
    types = dict(zip(table.schema.names, table.schema.types))
    assert (types["score_value"], types["rank_tier"], types["is_rx"]) == (pa.float64(), pa.int64(), pa.bool_())
    assert (types["session_date"], types["recorded_at"]) == (pa.timestamp("ns"), pa.timestamp("ns", tz="UTC"))
    assert table.column("result_id").to_pylist() == frame["result_id"].tolist()
    assert table.column("score_secondary").to_pylist() == [None if pd.isna(v) else v for v in frame["score_secondary"]]
    searched = box.query_arrow("search_wods", movements_all=["thruster"])
    assert searched.schema.field("movements_list").type == pa.list_(pa.string())
    assert searched.column("title").to_pylist() == list(box.search_wods(movements_all=["thruster"])["title"])


def test_a_call_of_few_rows_reads_through_a_prepared_statement_the_frame_copy_reads(box):
    """Every query declared `rows: few` reads the same frame both ways; the leaderboard only when given a limit."""
    amrap = session(box, "Push Pull Twelve")
    ids = box.sql("SELECT id::text FROM wod_definitions ORDER BY title")["id"].tolist()
    declared = {
        "athlete_timeline": {"session_id": amrap, "athlete_id": ALICE},
        "difficulty_models": {},
        "live_leaderboard": {"session_id": amrap},
        "wod_details": {"ids": ids},
        "leaderboard": {"wod": "Fran", "track": None, "limit": queries.FEW_ROWS},
    }
    assert set(declared) == {n for n, q in queries.catalog().items() if q.few_rows}, "give the new query its parameters"
    calls = {**{(n, ""): p for n, p in declared.items()}, ("leaderboard", "top"): {"wod": "Fran", "limit": 3}}
    read_rows = 0
    with box.engine.connect() as conn:
        for (name, _), params in calls.items():
            query = queries.get(name)
            values = queries.bind(query, params, conn)
            assert queries.few_rows(query, values), name
            sql = queries.routed(query, values).sql
            prepared = bulk.prepared_frame(conn, sql, values, query.dtypes)
            pd.testing.assert_frame_equal(prepared, bulk.copy_frame(conn, sql, values, query.dtypes), obj=name)
            read_rows += len(prepared)
    assert read_rows >= 20  # the box has rows to compare for most of them
    board = queries.get("leaderboard")
    assert not queries.few_rows(board, {"limit": None}) and not queries.few_rows(board, {"limit": queries.FEW_ROWS + 1})
    assert not queries.few_rows(queries.get("results"), {"limit": 3})


def test_the_prepared_read_keeps_nulls_apart_from_empty_texts_and_every_type(box):
    """The prepared path writes PostgreSQL's text into the CSV COPY would send: quotes, commas, new lines,
    NULL against '', booleans, times with their zone, JSON documents."""
    sql = ("SELECT * FROM (VALUES (1, :empty, 't'::bool, 1.5::float8, '2026-03-01 10:00+01'::timestamptz, '[1, \"a\"]'::jsonb),"
           " (NULL, :tricky, NULL, NULL, NULL, NULL)) AS v(n, label, ok, x, at, doc)")
    schema = {"n": "Int64", "label": "string", "ok": "boolean", "x": "Float64", "at": "datetime64[ns, UTC]", "doc": "object"}
    params = {"empty": "", "tricky": 'say "hi", then\nleave; 100% sure'}
    with box.engine.connect() as conn:
        prepared = bulk.prepared_frame(conn, sql, params, schema)
        pd.testing.assert_frame_equal(prepared, bulk.copy_frame(conn, sql, params, schema))
    assert prepared["label"].tolist() == ["", params["tricky"]]
    assert prepared["n"].isna().tolist() == [False, True] and prepared["doc"][0] == [1, "a"]
    assert str(prepared["at"][0]) == "2026-03-01 09:00:00+00:00"


def test_a_small_call_keeps_its_plan_from_one_call_to_the_next(box):
    """The connection keeps the prepared statement between calls: a call's transaction ends with COMMIT, since
    psycopg forgets every prepared statement on a rollback (which the pool sends a connection left open)."""
    engine = sa.create_engine(box.engine.url, pool_size=1, max_overflow=0)
    try:
        for _ in range(8):
            queries.run(engine, "leaderboard", wod="Fran", track="RX", limit=10)
        with engine.connect() as conn:
            kept = conn.execute(sa.text("SELECT generic_plans + custom_plans FROM pg_prepared_statements"
                                        " WHERE statement LIKE '%workout_standings%'")).scalars().all()
    finally:
        engine.dispose()
    assert kept == [8]


def test_a_connection_that_prepares_nothing_is_not_made_to(box):
    """prepare_threshold=None (preparing turned off, as behind a transaction-mode pooler): psycopg then prepares
    nothing even when asked (prepare=True), so the small calls run unprepared and read the same frame."""
    engine = sa.create_engine(box.engine.url, pool_size=1, max_overflow=0, connect_args={"prepare_threshold": None})
    try:
        frames = [queries.run(engine, "leaderboard", wod="Fran", track=None, limit=10) for _ in range(6)]
        with engine.connect() as conn:
            kept = conn.execute(sa.text("SELECT count(*) FROM pg_prepared_statements")).scalar_one()
    finally:
        engine.dispose()
    assert kept == 0
    pd.testing.assert_frame_equal(frames[-1], box.leaderboard("Fran", track=None, limit=10))


def test_calls_one_after_another_reuse_the_connection_that_holds_their_plan(box):
    """The pool hands out the connection returned last: after a notebook left several idle, calls one after
    another land on the same connection and find their prepared plan there."""
    from wodlab.store.db import create_engine

    engine = create_engine(box.engine.url.render_as_string(hide_password=False))
    try:
        idle = [engine.connect() for _ in range(4)]
        for conn in idle:
            conn.execute(sa.text("SELECT 1"))
        for conn in idle:
            conn.close()
        for _ in range(8):
            queries.run(engine, "leaderboard", wod="Fran", track="RX", limit=10)
        with engine.connect() as conn:
            kept = conn.execute(sa.text("SELECT generic_plans + custom_plans FROM pg_prepared_statements"
                                        " WHERE statement LIKE '%workout_standings%'")).scalars().all()
    finally:
        engine.dispose()
    assert kept == [8]
