"""The columnar path of a load (wodlab.load.columnar): the same rows as the row path, in batches, or it steps aside."""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import uuid

import pandas as pd
import pyarrow as pa
import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from conftest import FIXTURES
from wodlab.core.errors import WodlabError
from wodlab.core.ids import stable_id, stable_id_texts
from wodlab.load import columnar, loading
from wodlab.load.report import LoadError
from wodlab.tables.athletes import ATHLETES
from wodlab.tables.events import EVENTS
from wodlab.tables.results import RESULTS

ROW_PATH = dataclasses.replace(RESULTS, columnar=None)
SIM_RESULTS = FIXTURES / "sim" / "results.csv"


def _stored(lab) -> list[tuple]:
    frame = lab.sql("SELECT * FROM athlete_results ORDER BY id").drop(columns=["realized_events"])
    return [tuple(str(v) for v in row) for row in frame.itertuples(index=False)]


def _empty(lab) -> None:
    with lab.engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE athlete_results"))


def _load(lab, spec, source, **options):
    return loading.load(lab.engine, spec, source, **options)


@given(st.lists(st.text(max_size=40), max_size=20))
def test_stable_id_texts_are_the_stable_ids(keys):
    assert stable_id_texts("result", keys) == [str(stable_id("result", k)) for k in keys]


@pytest.mark.slow
def test_a_real_file_gives_the_same_rows_by_both_paths_in_several_batches(sim_copy, monkeypatch):
    monkeypatch.setattr(columnar, "BATCH_BYTES", 64 << 10)  # the fixture's file in a dozen batches
    assert len(list(columnar.csv_batches(SIM_RESULTS, RESULTS.required + RESULTS.optional))) > 5
    _empty(sim_copy)
    fast = _load(sim_copy, RESULTS, SIM_RESULTS)
    by_columns = _stored(sim_copy)
    _empty(sim_copy)
    slow = _load(sim_copy, ROW_PATH, SIM_RESULTS)
    assert by_columns == _stored(sim_copy)
    assert (fast.rows_read, fast.inserted) == (slow.rows_read, slow.inserted) == (len(by_columns), len(by_columns))
    assert len(by_columns) > 5000


@pytest.mark.slow
def test_a_dataframe_takes_the_columnar_path_and_matches_the_row_path(sim_copy):
    frame = pd.read_csv(SIM_RESULTS, dtype=str, keep_default_na=False).head(3000)
    frame.loc[frame.index[::7], "recorded_at"] = ""  # the load's NOW(), as the default
    _empty(sim_copy)
    _load(sim_copy, RESULTS, frame)
    by_columns = _stored(sim_copy)
    _empty(sim_copy)
    _load(sim_copy, ROW_PATH, frame)
    assert by_columns == _stored(sim_copy) or _same_but_now(by_columns, _stored(sim_copy))


def _same_but_now(left: list[tuple], right: list[tuple]) -> bool:
    """Equal rows, the recorded_at of defaulted rows aside (two loads, two NOW()s)."""
    at = list(RESULTS.columns).index("recorded_at")
    strip = lambda rows: [r[:at] + r[at + 1:] for r in rows]  # noqa: E731
    return strip(left) == strip(right)


def _taken(lab, source) -> bool:
    """Whether the columnar path takes the input (tried in a transaction rolled back)."""
    with lab.engine.connect() as conn, conn.begin() as transaction:
        report = loading._load_columnar(conn, RESULTS, source, str(source), False, lambda: RESULTS.context(conn))
        transaction.rollback()
    return report is not None


@pytest.mark.slow
@pytest.mark.parametrize("edit,taken", [
    (lambda text: text, True),
    (lambda text: "\ufeff" + text, False),                                        # saved by a Windows editor
    (lambda text: text.replace("\n", "\n\n", 3), True),                           # blank lines
    (lambda text: text.replace(",ath0", ", ath0", 1), False),                       # a space after a comma
    (lambda text: text.replace("\r\n", "\n").replace("\n", "\r\n"), True),       # Windows line ends
])
def test_files_the_columnar_path_declines_or_takes_load_the_same_rows(sim_copy, tmp_path, edit, taken):
    text = SIM_RESULTS.read_text(encoding="utf-8")
    path = tmp_path / "results.csv"
    path.write_text(edit(text), encoding="utf-8", newline="")
    _empty(sim_copy)
    assert _taken(sim_copy, path) == taken
    _load(sim_copy, RESULTS, SIM_RESULTS)
    expected = _stored(sim_copy)
    _empty(sim_copy)
    report = _load(sim_copy, RESULTS, path)
    assert _stored(sim_copy) == expected and report.inserted == len(expected)


def test_a_repeat_across_batches_loads_once_and_a_changed_one_names_both_rows(box_lab, tmp_path, monkeypatch, count):
    """The same result twice (in two batches) is stored once, as the README says of every table; the same
    athlete and session with another score is refused, naming the row and the row it contradicts."""
    monkeypatch.setattr(columnar, "BATCH_BYTES", 1 << 10)
    lines = (FIXTURES / "box" / "results.csv").read_text().splitlines()
    path = tmp_path / "results.csv"
    path.write_text("\n".join([*lines, lines[1]]) + "\n")  # the first result again, at the end: another batch
    assert len(list(columnar.csv_batches(path, RESULTS.required + RESULTS.optional))) > 1
    report = _load(box_lab, RESULTS, path)
    assert count(box_lab, "athlete_results") == len(lines) - 1 == report.inserted and report.unchanged == 1
    _empty(box_lab)
    other = lines[1].replace(",4:05,", ",4:06,")
    assert other != lines[1]
    path.write_text("\n".join([*lines, other]) + "\n")
    with pytest.raises(LoadError, match=f"row {len(lines) + 1}, column 'athlete and session': the same athlete and "
                                        "session as row 2, with other values"):
        _load(box_lab, RESULTS, path)
    assert count(box_lab, "athlete_results") == 0


def test_a_problem_in_a_late_batch_loads_nothing_and_names_the_line(box_lab, tmp_path, monkeypatch, count):
    monkeypatch.setattr(columnar, "BATCH_BYTES", 1 << 10)
    lines = (FIXTURES / "box" / "results.csv").read_text().splitlines()
    fields = lines[-1].split(",")
    header = lines[0].split(",")
    fields[header.index("score")] = "fast"
    path = tmp_path / "results.csv"
    path.write_text("\n".join([*lines[:-1], ",".join(fields)]) + "\n")
    with pytest.raises(LoadError, match=f"row {len(lines)}, column 'score'"):
        _load(box_lab, RESULTS, path)
    assert count(box_lab, "athlete_results") == 0  # the batches COPYed before it were taken back


def test_a_reload_of_stored_rows_goes_to_the_row_path_and_adds_nothing(box_lab):
    first = _load(box_lab, RESULTS, FIXTURES / "box" / "results.csv")
    again = _load(box_lab, RESULTS, FIXTURES / "box" / "results.csv")
    assert first.inserted > 0 and (again.inserted, again.unchanged) == (0, first.inserted)


def test_ids_are_the_row_paths(box_lab):
    _load(box_lab, RESULTS, FIXTURES / "box" / "results.csv")
    stored = box_lab.sql("SELECT id::text AS id, session_id::text AS s, athlete_id::text AS a FROM athlete_results")
    assert all(row.id == str(stable_id("result", f"{uuid.UUID(row.s)}|{uuid.UUID(row.a)}")) for row in stored.itertuples())


EVENTS_ROW_PATH = dataclasses.replace(EVENTS, columnar=None)


def _stored_events(lab) -> list[tuple]:
    frame = lab.sql("SELECT * FROM realized_events ORDER BY id")
    return [tuple(str(v) for v in row) for row in frame.itertuples(index=False)]


@pytest.mark.slow
def test_events_take_the_columnar_path_with_the_row_paths_ids(sim_copy, tmp_path, monkeypatch):
    """Identical events are told apart by their occurrence, across batches too; verbatim and given ids kept."""
    monkeypatch.setattr(columnar, "BATCH_BYTES", 64 << 10)
    frame = pd.read_csv(FIXTURES / "sim" / "events.csv", dtype=str, keep_default_na=False)
    twins = frame.iloc[[0, 0, 1]].copy()  # the first event three times in all, the second twice
    frame = pd.concat([frame, twins, frame.iloc[[0]]])
    frame["event_id"] = ""
    frame["recorded_at"] = "2026-04-01T10:00:00+00:00"  # two loads, one time: the rows compare whole
    frame.iloc[5, frame.columns.get_loc("event_id")] = "scoreboard-17"
    path = tmp_path / "events.csv"
    frame.to_csv(path, index=False)
    assert len(list(columnar.csv_batches(path, EVENTS.required + EVENTS.optional))) > 3
    with sim_copy.engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE realized_events"))
    assert _taken_by(sim_copy, EVENTS, path)
    loading.load(sim_copy.engine, EVENTS, path)
    by_columns = _stored_events(sim_copy)
    with sim_copy.engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE realized_events"))
    loading.load(sim_copy.engine, EVENTS_ROW_PATH, path)
    assert by_columns == _stored_events(sim_copy)
    assert len(by_columns) == len(frame)
    assert str(stable_id("event", "scoreboard-17")) in {row[0] for row in by_columns}


def _taken_by(lab, spec, source) -> bool:
    with lab.engine.connect() as conn, conn.begin() as transaction:
        report = loading._load_columnar(conn, spec, source, str(source), False, lambda: spec.context(conn))
        transaction.rollback()
    return report is not None


def _numbered(count: int, several: bool = True) -> columnar.Batches:
    return columnar.Batches(lambda: ({"n": pa.array([k])} for k in range(count)), several=several)


def _with_pid(batch: dict) -> pa.Table:
    return pa.table({"n": batch["n"], "pid": pa.array([os.getpid()])})


def test_several_batches_are_converted_in_a_second_process_and_come_back_in_order():
    with columnar.converted_elsewhere(_numbered(6), _with_pid) as tables:
        got = list(tables)
    assert [t["n"][0].as_py() for t in got] == list(range(6))
    assert os.getpid() not in {t["pid"][0].as_py() for t in got}
    with columnar.converted_elsewhere(_numbered(1, several=False), _with_pid) as tables:
        assert [t["pid"][0].as_py() for t in tables] == [os.getpid()]  # one batch: converted here
    assert multiprocessing.active_children() == []


def test_the_second_process_reports_its_errors_and_its_refusals_and_stops_when_left():
    def failing(batch):
        if batch["n"][0].as_py() == 3:
            raise ValueError("batch three is wrong")
        return _with_pid(batch)

    with pytest.raises(ValueError, match="batch three is wrong"), \
            columnar.converted_elsewhere(_numbered(6), failing) as tables:
        list(tables)
    with columnar.converted_elsewhere(_numbered(6), lambda b: None if b["n"][0].as_py() == 2 else _with_pid(b)) as tables:
        assert [None if t is None else t["n"][0].as_py() for t in tables] == [0, 1, None]
    with columnar.converted_elsewhere(_numbered(10_000), _with_pid) as tables:
        assert next(tables)["n"][0].as_py() == 0  # then left with 9,999 batches unread
    assert multiprocessing.active_children() == []


ATHLETES_FILE = (  # trailing spaces, any case of gender, empty cells, a decomposed accent (NFC on the way in), a
    # comma (a leading space would send the file to the row path: csv reads it differently, columnar._plain)
    "external_id,name,gender,birth_year\n"
    "col-001 ,Zoe Cafe\u0301,f,1990\n"
    "col-002,Bruno  ,M,\n"
    "col-003,\"Lee, Ann\",,1985\n"
    "col-004,Sam,m,2001\n"
)


def _athletes_stored(lab) -> list[tuple]:
    frame = lab.sql("SELECT id::text, external_id, display_name, gender, birth_year FROM athletes"
                    " WHERE external_id LIKE 'col-%' ORDER BY external_id")
    return [tuple(None if pd.isna(v) else v for v in row) for row in frame.itertuples(index=False)]


def test_athletes_take_the_columnar_path_and_store_the_row_paths_rows(box_lab, tmp_path):
    path = tmp_path / "athletes.csv"
    path.write_text(ATHLETES_FILE, encoding="utf-8")
    with box_lab.engine.connect() as conn, conn.begin() as transaction:  # the columnar path takes the file
        assert loading._load_columnar(conn, ATHLETES, path, str(path), False, lambda: None) is not None
        transaction.rollback()
    assert _load(box_lab, ATHLETES, path).inserted == 4
    fast = _athletes_stored(box_lab)
    with box_lab.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM athletes WHERE external_id LIKE 'col-%'"))
    assert _load(box_lab, dataclasses.replace(ATHLETES, columnar=None), path).inserted == 4
    assert fast == _athletes_stored(box_lab)
    assert fast[0][1:] == ("col-001", "Zoe Caf\u00e9", "F", 1990) and fast[0][0] == str(stable_id("athlete", "col-001"))


@pytest.mark.parametrize("line, message", [
    ("col-009,Max,X,1990", "row 6, column .gender."),  # not M or F
    ("col-009,Max,M,1850", "row 6, column .birth_year."),  # not a plausible year
    ("col-001,Zoe Again,F,1990", "row 6.*same external_id as row 2"),  # an external id given twice, with other values
])
def test_an_athletes_file_the_columnar_path_declines_is_named_by_the_row_path(box_lab, tmp_path, line, message):
    path = tmp_path / "athletes.csv"
    path.write_text(ATHLETES_FILE + line + "\n", encoding="utf-8")
    with pytest.raises(LoadError, match=message):
        _load(box_lab, ATHLETES, path)
    assert _athletes_stored(box_lab) == []  # nothing loaded


def test_stored_athletes_loaded_again_go_to_the_row_path_and_add_nothing(box_lab, tmp_path):
    path = tmp_path / "athletes.csv"
    path.write_text(ATHLETES_FILE, encoding="utf-8")
    _load(box_lab, ATHLETES, path)
    again = _load(box_lab, ATHLETES, path)
    assert (again.inserted, again.updated) == (0, 0) and len(_athletes_stored(box_lab)) == 4


def test_a_quote_left_open_at_the_end_of_a_file_is_refused_naming_its_line(box_lab, tmp_path, count):
    """pyarrow reads a quote left open on the last line to the end of the file; the row path refuses the line,
    and the columnar path must not store the text with its line break."""
    lines = (FIXTURES / "box" / "results.csv").read_text(encoding="utf-8").splitlines()
    body = [lines[0] + ",notes", *(line + "," for line in lines[1:-1]), lines[-1] + ',"left open']
    path = tmp_path / "results.csv"
    path.write_text("\n".join(body) + "\n", encoding="utf-8")
    with pytest.raises(WodlabError, match=f"line {len(body)}.*unclosed quote"):
        _load(box_lab, RESULTS, path)
    assert count(box_lab, "athlete_results") == 0
