"""Random text never raises anything but wodlab's own errors: the score grammar and the CSV loaders."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wodcraft.api import compile_source
from wodcraft.library import get

from conftest import BOX, FIXTURES, lab_on_new_database
from wodlab.core.errors import WodlabError
from wodlab.scoring.scores import parse_score
from wodlab.scoring.values import Score
from wodlab.workouts.structure import Scoring

# Text that looks like scores: digits, separators, the grammar's words, and anything else.
_score_alphabet = st.sampled_from(list("0123456789:+.,;-/ #()") + ["rx", "sc", "cap", "tb", "rds", "reps", "kg", "lb",
                                                                     "DNF", "DNS", "WD", "\ufeff", "\x00", "é"])
score_like = st.one_of(st.text(max_size=30), st.lists(_score_alphabet, max_size=12).map("".join))
WORKOUTS = [Scoring.of(compile_source(get(path).source).document) for path in ("girls/fran", "girls/cindy", "heroes/murph")]


@given(score_like, st.sampled_from([None, *WORKOUTS]))
@settings(max_examples=600, deadline=None)
def test_random_score_text_gives_a_score_or_a_wodlab_error(text, scoring):
    try:
        score = parse_score(text, scoring)
    except WodlabError:
        return
    assert isinstance(score, Score)
    if scoring is None:  # what was read, written back in canonical form, reads the same
        assert parse_score(score.format()) == score


@pytest.fixture(scope="module")
def fuzz_lab(admin, server_url, template):
    """The hand-written box without results (as box_lab), shared by every example of the module."""
    with lab_on_new_database(admin, server_url, template, "wodlab_fuzz") as lab:
        lab.store_wod(get("girls/fran").source)
        lab.load_wods(FIXTURES / "wods", progress=False)
        lab.load_athletes(BOX / "athletes.csv")
        lab.load_sessions(BOX / "sessions.csv")
        yield lab


_header = st.sampled_from(["", "external_id,name\n", "wod,session_date,session_time,track,location,athlete,score\n",
                           "athlete,timestamp_offset\n"])
_cells = st.lists(st.one_of(st.text(max_size=8), st.sampled_from(["Fran", "2026-09-01", "18:00", "RX", "Main floor",
                                                                    "alice", "4:05", "1e400", "NaN", '"', "\r"])),
                  max_size=8).map(",".join)
csv_like = st.one_of(st.binary(max_size=200), st.tuples(_header, st.lists(_cells, max_size=5)).map(
    lambda parts: (parts[0] + "\n".join(parts[1])).encode("utf-8", "surrogatepass")))


@given(csv_like, st.sampled_from(["athletes", "sessions", "results", "events"]), st.booleans())
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_random_csv_files_load_or_raise_a_wodlab_error(fuzz_lab, tmp_path, content, table, skip_bad):
    path = tmp_path / f"{table}.csv"
    try:
        path.write_bytes(content)
    except ValueError:  # pragma: no cover - surrogates that cannot be written
        return
    with contextlib.suppress(WodlabError):  # anything else fails the test
        getattr(fuzz_lab, f"load_{table}")(path, skip_bad=skip_bad, rejects=tmp_path / "rejects.csv", progress=False)
