"""The Lab is one uniform facade: what a verb takes and returns follows the same conventions everywhere."""

from __future__ import annotations

import inspect
import typing

import pandas as pd
import pyarrow as pa
import pytest

from wodlab.core.errors import QueryError
from wodlab.lab import Lab
from wodlab.lab.difficulty_tools import DifficultyTools

# Verbs with two subjects, each a thing the verb acts on, not a way of doing it.
TWO_SUBJECTS = {"merge_wods": ("keep", "drop"), "set_competition_rules": ("competition", "rules")}


def _verbs():
    for owner in (Lab, DifficultyTools):
        for name, member in inspect.getmembers(owner, inspect.isfunction):
            if not name.startswith("_"):
                yield f"{owner.__name__}.{name}", member


VERBS = dict(_verbs())


@pytest.mark.parametrize("name", sorted(VERBS))
def test_the_subject_is_positional_and_everything_else_keyword_only(name):
    parameters = list(inspect.signature(VERBS[name]).parameters.values())[1:]  # self
    positional = [p.name for p in parameters if p.kind is p.POSITIONAL_OR_KEYWORD]
    allowed = TWO_SUBJECTS.get(name.split(".")[1], positional[:1])
    assert positional == list(allowed), f"{name}: {positional} may be given by position"


def test_a_parameter_has_one_default_in_every_verb():
    defaults: dict[str, dict] = {}
    for name, verb in VERBS.items():
        for p in inspect.signature(verb).parameters.values():
            if p.default is not p.empty:
                defaults.setdefault(p.name, {})[name] = p.default
    uneven = {param: by for param, by in defaults.items() if len({repr(v) for v in by.values()}) > 1}
    assert not uneven, uneven


@pytest.mark.parametrize("name", sorted(VERBS))
def test_return_annotations_say_what_comes_back(name):
    hints = typing.get_type_hints(VERBS[name])
    assert "return" in hints, f"{name} has no return annotation"
    if name.endswith("_arrow"):
        assert hints["return"] is pa.Table
    elif hints["return"] is pa.Table:
        pytest.fail(f"{name} returns a pyarrow Table without saying so in its name")


def test_the_arrow_verbs_mirror_the_frame_verbs(box):
    for verb in ("results", "events"):
        frame, table = getattr(box, verb)(), getattr(box, f"{verb}_arrow")()
        assert isinstance(frame, pd.DataFrame) and isinstance(table, pa.Table)
        assert table.num_rows == len(frame) and table.schema.names == list(frame.columns)


@pytest.mark.parametrize("call", [
    lambda lab: lab.leaderboard("Fran", track="elite"),
    lambda lab: lab.leaderboard("Fran", limit=-1),
    lambda lab: lab.listen("not-a-session", timeout=0.1),  # was a ValueError
    lambda lab: lab.difficulty.observed(errors="exact"),
    lambda lab: lab.similar_wods("Fran", k=True),
    lambda lab: lab.standings("Open", judging="some"),
    lambda lab: lab.results(tracks="elite"),
])
def test_a_mistaken_argument_is_a_query_error_in_every_verb(box, call):
    with pytest.raises(QueryError):
        call(box)
