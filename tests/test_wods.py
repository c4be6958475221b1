"""WOD ingestion: compile with wodcraft, derive the indexed columns, store once."""

from __future__ import annotations

import hashlib
import multiprocessing
from pathlib import Path

import pytest
from wodcraft import library
from wodcraft.api import compile_source

import wodlab
from conftest import FIXTURES
from wodlab.tables.wod_records import compile_records, generate_wod_hash
from wodlab.tables.wods import insert_record

FRAN = library.get("girls/fran").source


def _movement_ids(node) -> list[str]:
    """Every value of a "movement" key anywhere under a JSON node: an independent reading of the
    compiled output, not the walker the ingestion uses."""
    found = []
    if isinstance(node, dict):
        if isinstance(node.get("movement"), str):
            found.append(node["movement"])
        for value in node.values():
            found += _movement_ids(value)
    elif isinstance(node, list):
        for value in node:
            found += _movement_ids(value)
    return found


def test_every_library_workout_loads_with_wodcrafts_movement_ids(library_lab):
    entries = library.entries()
    assert len(entries) == 83
    stored = library_lab.sql("SELECT title, movements_list, wodcraft_version FROM wod_definitions")
    assert len(stored) == 83
    by_title = dict(zip(stored["title"], stored["movements_list"]))
    for entry in entries:
        compiled = compile_source(entry.source).document
        expected = _movement_ids(compiled["blocks"])
        got = by_title[compiled["title"]]
        assert set(got) == set(expected), entry.path
        assert len(got) == len(set(got)), f"{entry.path}: duplicates in movements_list"
    import wodcraft

    assert set(stored["wodcraft_version"]) == {wodcraft.__version__}


def test_reloading_the_library_adds_nothing(library_lab):
    report = library_lab.load_wods(library=True, progress=False)
    assert (report.count("new"), report.count("present"), report.count("rejected")) == (0, 83, 0)


def test_fran_row_holds_the_compiled_and_resolved_documents(lab):
    (wod_id,) = lab.store_wod(FRAN)
    row = lab.sql("SELECT * FROM wod_definitions WHERE id = :id", id=wod_id).iloc[0]
    assert row["title"] == "Fran"
    assert row["ast_json"] == compile_source(FRAN).document
    assert row["source_hash"] == hashlib.sha256(FRAN.strip().lower().encode()).hexdigest()
    assert row["movements_list"] == ["thruster", "pull_up"]
    assert row["equipment_list"] == ["bar", "barbell"]
    assert row["modality_tags"] == ["gymnastics", "strength"]
    # The estimate's middle (wodcraft: 202-374 s) is under the 10:00 cap.
    assert row["duration_seconds"] == 288
    assert 0 <= row["difficulty_score"] <= 100
    compiled = row["compiled_json"]
    assert set(compiled) == {"rx", "scaled"} and set(compiled["rx"]) == {"men", "women"}
    thruster = lambda doc: doc["blocks"][0]["items"][0]  # noqa: E731
    assert thruster(compiled["rx"]["men"])["load"]["kg"] == 43
    assert thruster(compiled["scaled"]["women"])["load"]["kg"] == 20
    assert compiled["scaled"]["men"]["blocks"][0]["items"][1]["movement"] == "jumping_pull_up"


def test_a_query_can_pick_one_resolved_version(lab):
    lab.store_wod(FRAN)
    load = lab.sql(
        "SELECT compiled_json #>> '{scaled,women,blocks,0,items,0,load,kg}' AS kg FROM wod_definitions WHERE title = 'Fran'"
    )
    assert load["kg"].tolist() == ["20"]


def test_duration_is_the_clock_for_an_amrap_and_bounded_by_the_cap(lab):
    lab.load_wods(FIXTURES / "wods", progress=False)
    durations = lab.sql("SELECT title, duration_seconds FROM wod_definitions ORDER BY title")
    by_title = dict(zip(durations["title"], durations["duration_seconds"]))
    assert by_title["Push Pull Twelve"] == 720
    assert by_title["Tuesday Class / Metcon"] == 720
    assert by_title["Deadlift Ladder"] <= 900


def test_open_ended_work_has_no_duration(lab):
    (wod_id,) = lab.store_wod(library.get("girls/lynne").source)
    assert lab.sql("SELECT duration_seconds FROM wod_definitions WHERE id = :id", id=wod_id).iloc[0, 0] is None


def test_a_file_with_several_documents_stores_one_row_per_workout(lab, count):
    source = (FIXTURES / "wods" / "box_week_1.wod").read_text()
    ids = lab.store_wod(source)
    assert len(ids) == 3 and count(lab, "wod_definitions") == 3
    rows = lab.sql("SELECT title, dsl_source, ast_json FROM wod_definitions ORDER BY title")
    assert rows["title"].tolist() == ["Deadlift Ladder", "Pull Day", "Push Pull Twelve"]
    for _, row in rows.iterrows():  # each row's text compiles alone to the stored document
        assert row["dsl_source"].lstrip().startswith("# " + row["title"])
        assert compile_source(row["dsl_source"]).document == row["ast_json"]


def test_a_session_stores_each_of_its_workouts(lab):
    ids = lab.store_wod((FIXTURES / "wods" / "tuesday_session.wod").read_text())
    rows = lab.sql("SELECT title, movements_list, dsl_source, ast_json FROM wod_definitions ORDER BY title")
    assert len(ids) == 2
    assert rows["title"].tolist() == ["Tuesday Class / Metcon", "Tuesday Class / Warm-up"]
    assert rows["movements_list"].tolist() == [["power_clean", "box_jump", "wall_ball"], ["air_squat", "push_up"]]
    for _, row in rows.iterrows():
        assert "date:" not in row["dsl_source"]  # session-only meta stays with the session
        assert compile_source(row["dsl_source"]).document == row["ast_json"]


def test_the_hash_is_the_seeds_and_ignores_case_and_surrounding_space(lab, count):
    assert generate_wod_hash(FRAN) == hashlib.sha256(FRAN.strip().lower().encode()).hexdigest()
    first = lab.store_wod(FRAN)
    again = lab.store_wod("\n\n" + FRAN.upper().replace("CAP", "cap") + "   \n")
    assert first == again
    assert count(lab, "wod_definitions") == 1


def test_an_unknown_movement_is_rejected_with_its_place_and_nothing_is_written(lab, count):
    lab.store_wod(FRAN)
    with pytest.raises(wodlab.WodCompileError) as caught:
        lab.store_wod((FIXTURES / "invalid_wods" / "unknown_movement.wod").read_text(), name="unknown_movement.wod")
    (diag,) = caught.value.diagnostics
    assert (diag.code, diag.line, diag.column) == ("E020", 4, 6)
    assert "Pul-up" in diag.message and "Pull-up" in diag.suggestion
    assert "unknown_movement.wod: line 4, column 6" in str(caught.value)
    assert count(lab, "wod_definitions") == 1


def test_a_syntax_error_is_rejected_with_its_place(lab, count):
    with pytest.raises(wodlab.WodCompileError) as caught:
        lab.store_wod((FIXTURES / "invalid_wods" / "syntax_error.wod").read_text())
    assert [(d.code, d.line, d.column) for d in caught.value.diagnostics] == [("E003", 3, 12)]
    assert count(lab, "wod_definitions") == 0


def test_one_bad_workout_rejects_its_whole_file(lab, count, tmp_path):
    good = (FIXTURES / "wods" / "box_week_1.wod").read_text()
    bad = (FIXTURES / "invalid_wods" / "unknown_movement.wod").read_text()
    (tmp_path / "mixed.wod").write_text(good + "\n" + bad)
    report = lab.load_wods(tmp_path, progress=False)
    assert [o.status for o in report.outcomes] == ["rejected"]
    bad_line = len(good.splitlines()) + 1 + 4  # the blank separator, then line 4 of the bad workout
    assert f"line {bad_line}, column 6: E020" in report.outcomes[0].reason
    assert count(lab, "wod_definitions") == 0


def test_load_report_counts_new_present_and_rejected(lab):
    first = lab.load_wods([FIXTURES / "wods", FIXTURES / "invalid_wods"], progress=False)
    assert (first.count("new"), first.count("present"), first.count("rejected")) == (5, 0, 2)
    second = lab.load_wods(FIXTURES / "wods", progress=False)
    assert (second.count("new"), second.count("present")) == (0, 5)
    frame = first.to_frame()
    assert list(frame.columns) == ["source", "row", "title", "wod_id", "status", "reason"]
    assert frame.loc[frame["status"] == "rejected", "source"].str.endswith(".wod").all()


def _race(url: str, source: str, barrier, out) -> None:
    lab = wodlab.connect(url)
    (record,) = compile_records(source)
    barrier.wait()  # both processes insert the same row at the same moment
    with lab.engine.begin() as conn:
        out.put((str(record.id), insert_record(conn, record)))


@pytest.mark.slow
def test_two_processes_importing_the_same_workout_create_one_row(lab, count):
    url = lab.engine.url.render_as_string(hide_password=False)
    context = multiprocessing.get_context("spawn")
    barrier, out = context.Barrier(2), context.Queue()
    workers = [context.Process(target=_race, args=(url, FRAN, barrier, out)) for _ in range(2)]
    for worker in workers:
        worker.start()
    results = [out.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    assert results[0][0] == results[1][0]
    assert sorted(created for _, created in results) == [False, True]
    assert count(lab, "wod_definitions") == 1


def test_cli_load_reports_rejections_and_exits_1(wodlab_cli, lab):
    url = lab.engine.url.render_as_string(hide_password=False)
    env = {**__import__("os").environ, "DATABASE_URL": url}
    run = wodlab_cli("load", "wods", FIXTURES / "wods", FIXTURES / "invalid_wods", env=env)
    assert run.returncode == 1
    assert run.stdout.startswith("5 new, 0 already present, 2 rejected")
    assert "unknown_movement.wod" in run.stdout and "line 4, column 6: E020" in run.stdout
    again = wodlab_cli("load", "wods", FIXTURES / "wods", env=env)
    assert (again.returncode, again.stdout.strip()) == (0, "0 new, 5 already present, 0 rejected")


def test_difficulty_is_in_range_for_every_library_workout(library_lab):
    scores = library_lab.sql("SELECT difficulty_score FROM wod_definitions")["difficulty_score"]
    assert scores.between(0, 100).all() and scores.nunique() > 20
    ordered = library_lab.sql(
        "SELECT title FROM wod_definitions WHERE title IN ('Lynne', 'Fran', 'The Seven') ORDER BY difficulty_score"
    )
    assert ordered["title"].tolist() == ["Lynne", "Fran", "The Seven"]


def test_store_wod_returns_the_id_of_the_row_actually_stored(lab):
    """Another application sharing the database stored Fran first, under a random id (seed's store_wod_if_new)."""
    import uuid

    import sqlalchemy as sa

    (record,) = compile_records(FRAN)
    other = str(uuid.uuid4())
    with lab.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO wod_definitions (id, title, dsl_source, ast_json, source_hash) "
                             "VALUES (:id, 'Fran', :src, '{}'::jsonb, :h)"), {"id": other, "src": FRAN, "h": record.source_hash})
    assert lab.store_wod(FRAN) == [other]
    assert lab.sql("SELECT count(*) AS n FROM wod_definitions")["n"][0] == 1


def test_a_file_the_database_refuses_is_rejected_alone_and_the_rest_of_its_batch_is_stored(lab, tmp_path, count):
    """Files are stored in batches, each file under a savepoint of its own: one failure takes back that file only."""
    import sqlalchemy as sa

    with lab.engine.begin() as conn:  # a database rule the compiler cannot know of: the server refuses the row
        conn.execute(sa.text("CREATE FUNCTION refuse_it() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                             "IF NEW.title = 'Refused One' THEN RAISE EXCEPTION 'refused by a rule'; END IF; "
                             "RETURN NEW; END $$"))
        conn.execute(sa.text("CREATE TRIGGER refuse_it BEFORE INSERT ON wod_definitions FOR EACH ROW "
                             "EXECUTE FUNCTION refuse_it()"))
    (tmp_path / "a_good.wod").write_text("# Good One\nFor time\n  20 Push-up\n")
    (tmp_path / "b_refused.wod").write_text("# Refused One\nFor time\n  10 Burpee\n")
    (tmp_path / "c_good.wod").write_text("# Good Two\nFor time\n  30 Air squat\n")
    report = lab.load_wods([tmp_path], progress=False)
    assert (report.inserted, report.rejected) == (2, 1)
    (rejected,) = [o for o in report.outcomes if o.status == "rejected"]
    assert rejected.source.endswith("b_refused.wod") and "could not be stored" in rejected.reason
    assert count(lab, "wod_definitions") == 2


def test_a_workout_two_files_of_one_batch_share_is_new_for_the_first_file_only(lab, tmp_path, count):
    """A batch goes in as one pipeline; the outcome of each file is still the outcome of storing files in order."""
    (tmp_path / "a.wod").write_text("# Shared\nFor time\n  20 Push-up\n")
    (tmp_path / "b.wod").write_text("# Shared\nFor time\n  20 Push-up\n\n# Own\nFor time\n  10 Burpee\n")
    report = lab.load_wods([tmp_path], progress=False)
    by_file = {(Path(o.source).name, o.title): o.status for o in report.outcomes}
    assert by_file == {("a.wod", "Shared"): "new", ("b.wod", "Shared"): "present", ("b.wod", "Own"): "new"}
    assert count(lab, "wod_definitions") == 2


@pytest.mark.slow
def test_a_large_import_compiled_in_worker_processes_stores_what_one_process_would(lab, new_database, tmp_path,
                                                                                   monkeypatch):
    """From PARALLEL_FILES files wodcraft runs in worker processes: same rows, same rejections, same order."""
    from wodlab.core.errors import WodCompileError
    from wodlab.tables import ingest

    for entry in library.entries()[:30]:
        (tmp_path / f"{entry.path.replace('/', '_')}.wod").write_text(entry.source)
    (tmp_path / "zz_bad.wod").write_text("# Broken\n\n10 flying unicorns\n")
    pools, real_pool = [], ingest.ProcessPoolExecutor
    monkeypatch.setattr(ingest, "ProcessPoolExecutor", lambda *args, **kw: pools.append(args) or real_pool(*args, **kw))
    monkeypatch.setattr(ingest, "PARALLEL_FILES", 5)
    parallel = lab.load_wods(tmp_path, progress=False)
    assert pools and pools[0][0] >= 2  # the workers compiled it
    monkeypatch.setattr(ingest, "PARALLEL_FILES", 10**9)
    serial_lab = wodlab.connect(new_database())
    serial = serial_lab.load_wods(tmp_path, progress=False)
    assert parallel.to_frame().equals(serial.to_frame())
    assert (parallel.inserted, parallel.rejected) == (serial.inserted, 1) and parallel.inserted >= 30
    stored = "SELECT id, title, source_hash, ast_json::text AS a, compiled_json::text AS c FROM wod_definitions ORDER BY id"
    assert lab.sql(stored).equals(serial_lab.sql(stored))
    with pytest.raises(WodCompileError, match="flying unicorns|Unknown movement"):
        monkeypatch.setattr(ingest, "PARALLEL_FILES", 5)
        ingest.import_files(lab.engine, ingest.expand_paths(tmp_path), strict=True)
    serial_lab.engine.dispose()
