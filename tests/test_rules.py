"""One home per rule: each rule that used to be stated in several places, pinned where the copies disagreed.

Every reader of a rule must give the same answer as its home: the track's level (INTERMEDIATE was
read as Rx by two of three copies), a workout's name (the Lab, the queries, the loads, the boards and
the merges), the policy tier and a workout's form (SQL and Python), the Arrow types (reads and
conversions), the "did you mean" hint, and the command line's defaults (the code's, never restated).
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest
import sqlalchemy as sa
from wodcraft.api import compile_source

from wodlab import cli
from wodlab.audit import merge
from wodlab.competition import boards
from wodlab.core.errors import QueryError
from wodlab.core.frames import arrow_type
from wodlab.load.report import LoadError
from wodlab.scoring.ranking import NO_SCORE_TIER, rank_key
from wodlab.scoring.scores import parse_score
from wodlab.sim.performance import ResolvedSets
from wodlab.sim.workouts import Workout
from wodlab.store import names, queries
from wodlab.tables import sessions
from wodlab.tables.wods import StoredWod
from wodlab.workouts.levels import athlete_version, gender_category, level_document, level_of, resolved_versions
from wodlab.workouts.structure import Scoring, walk_movements

THREE_LEVELS = """# Diane Three Levels
21-15-9 for time
  Deadlift 225/155 lb
  Handstand push-up

Intermediate:
  Deadlift 185/125 lb
  Handstand push-up -> Knee push-up

Scaled:
  Deadlift 135/95 lb
  Handstand push-up -> Push-up
"""


def _movements(document: dict) -> list[str]:
    return [item["movement"] for item in walk_movements(document.get("blocks", []))]


@pytest.fixture(scope="module")
def three_levels():
    document = compile_source(THREE_LEVELS).document
    return document, resolved_versions(document)


# --- track -> level and gender -> category (wodlab.workouts.levels) -------------------------------------------

def test_intermediate_is_its_own_level_in_every_reader(three_levels):
    """The copies disagreed here: the tracker's reconcile and the simulator read INTERMEDIATE as Rx."""
    document, versions = three_levels
    assert level_of("INTERMEDIATE", versions) == "intermediate" and level_of("intermediate", versions) == "intermediate"
    assert _movements(level_document(document, versions, "INTERMEDIATE")) == ["deadlift", "knee_push_up"]
    stored = StoredWod("id", "Diane Three Levels", THREE_LEVELS, document, versions)
    assert _movements(stored.level_document("INTERMEDIATE")) == ["deadlift", "knee_push_up"]
    assert _movements(stored.resolved("INTERMEDIATE", "F")) == ["deadlift", "knee_push_up"]  # the tracker's reconcile
    assert stored.resolved("INTERMEDIATE", "F")["blocks"] == athlete_version(versions, "intermediate", "F")["blocks"]
    simulated = ResolvedSets().sets(Workout("extra:three", "Diane Three Levels", THREE_LEVELS, document), "INTERMEDIATE",
                                    "women")
    assert [movement for movement, _, _ in simulated][:2] == ["deadlift", "knee_push_up"]
    assert {movement for movement, _, _ in simulated} == {"deadlift", "knee_push_up"}


def test_a_level_the_workout_lacks_is_rx_and_no_track_is_rx(three_levels):
    document, versions = three_levels
    rx_only = {"rx": versions["rx"]}
    assert level_of("SCALED", rx_only) == "rx" and level_of(None, versions) == "rx"
    assert level_document(document, rx_only, "INTERMEDIATE") is document
    assert _movements(athlete_version(versions, "SCALED", "M")) == ["deadlift", "push_up"]


def test_gender_category():
    assert [gender_category(g) for g in ("F", "M", None, "")] == ["women", "men", "men", "men"]


# --- a workout's name (wodlab.store.names) -----------------------------------------------------------------

CANDIDATES = [("11111111-1111-1111-1111-111111111111", "Fran"), ("22222222-2222-2222-2222-222222222222", "FRAN"),
              ("33333333-3333-3333-3333-333333333333", "Cindy"), ("44444444-4444-4444-4444-444444444444", "Cindy")]


@pytest.mark.parametrize("reference, expected", [
    ("Fran", "11111111-1111-1111-1111-111111111111"),  # several differ only in case: the one written exactly
    ("FRAN", "22222222-2222-2222-2222-222222222222"),
    ("33333333-3333-3333-3333-333333333333", "33333333-3333-3333-3333-333333333333"),  # an id, even of a shared title
    ("  33333333-3333-3333-3333-333333333333 ".upper(), "33333333-3333-3333-3333-333333333333"),
])
def test_the_workout_name_rule(reference, expected):
    assert names.Workouts(CANDIDATES).resolve(reference) == expected


@pytest.mark.parametrize("reference, message", [
    ("fran", "2 workouts are titled 'fran'"),  # neither is written so: ambiguous, never a guess
    ("Cindy", "2 workouts are titled 'Cindy'.*33333333"),
    ("Frna", "no workout titled 'Frna'.*did you mean 'Fran'"),
])
def test_a_name_that_is_not_one_workout_is_refused_with_what_to_give(reference, message):
    with pytest.raises(names.UnknownName, match=message):
        names.Workouts(CANDIDATES).resolve(reference)


@pytest.fixture
def twins(lab):
    """Two workouts titled alike but for case, and two with the very same title."""
    for reps, title in enumerate(("Twin", "TWIN", "Same", "Same"), start=10):
        lab.store_wod(f"# {title}\nfor time\n  {reps} Air squat\n")
    return lab


def test_every_reader_of_a_workout_name_gives_the_same_answer(twins):
    lab = twins
    stored = dict(lab.sql("SELECT title, id::text AS id FROM wod_definitions WHERE title = 'Twin'").values)
    with lab.engine.connect() as conn:
        by_sql = names.resolve_workout(conn, "Twin")
        by_load = sessions.Workouts(conn).resolve("Twin")
        by_board = boards._workout_ids(conn, ["Twin"], {})["Twin"]
        by_merge = merge.workout_id(conn, "Twin")
    assert lab.wod_reference("Twin") == by_sql == by_load == by_board == by_merge == stored["Twin"]
    assert lab.query("workout_results", wod="Twin", track=None).empty  # the query takes the name the same way
    with lab.engine.connect() as conn:
        with pytest.raises(QueryError, match="2 workouts are titled 'Same'"):
            names.resolve_workout(conn, "Same")
        with pytest.raises(LoadError, match="2 workouts are titled 'Same'"):
            boards._workout_ids(conn, ["Same"], {})
        with pytest.raises(merge.MergeError, match="2 workouts are titled 'Same'"):
            merge.workout_id(conn, "Same")
    with pytest.raises(QueryError, match="2 workouts are titled 'Same'"):
        lab.leaderboard("Same")


# --- the policy tier and a workout's form: SQL beside Python ---------------------------------------------------

def test_the_policy_tier_of_sql_is_the_rank_keys(lab):
    """The stored rank_tier is the box policy's; SQL's wodlab_policy_tier turns it into each policy's, as rank_key does."""
    scoring = Scoring.of(compile_source("# X\nfor time\n  10 Air squat\n").document)
    for text in ("2:30", "2:30 Rx", "2:30 scaled", "DNF", "DNS", "WD", "0"):
        box_tier = rank_key(parse_score(text), scoring, policy="box").tier
        for policy in ("box", "crossfit"):
            with lab.engine.connect() as conn:
                sql = conn.execute(sa.text("SELECT wodlab_policy_tier(:p, CAST(:t AS SMALLINT))"),
                                   {"p": policy, "t": box_tier}).scalar_one()
            assert sql == rank_key(parse_score(text), scoring, policy=policy).tier, (text, policy)
    assert rank_key(parse_score("DNS"), scoring, policy="crossfit").tier == NO_SCORE_TIER


def test_the_form_of_sql_is_the_scorings(library_lab):
    stored = library_lab.sql("SELECT id::text AS id, wodlab_workout_form(ast_json) AS form FROM wod_definitions")
    with library_lab.engine.connect() as conn:
        from wodlab.tables.wods import documents

        python = {w.id: (w.document.get("blocks") or [{}])[0].get("type") for w in documents(conn)}
    assert len(stored) > 50 and dict(stored.values) == python
    searched = library_lab.search_wods(form="amrap")
    assert set(searched["form"]) == {"amrap"} and len(searched) > 0


# --- Arrow types, the hint, the command line's defaults ---------------------------------------------------------

def test_the_arrow_reads_have_the_declared_types(box):
    table = box.query_arrow("results")
    declared = queries.get("results").dtypes
    for field in table.schema:
        expected = arrow_type(declared[field.name])
        assert expected is None or field.type == expected, field.name
    assert isinstance(table, pa.Table)


@pytest.mark.parametrize("call, message", [
    (lambda lab: lab.query("leaderbord", wod="Fran"), "no query named 'leaderbord'; did you mean 'leaderboard'"),
    (lambda lab: lab.leaderboard("Frann"), "no workout titled 'Frann'.*did you mean 'Fran'"),
    (lambda lab: lab.search_wods(form="amrapp"), "unknown form 'amrapp'; did you mean 'amrap'"),
    (lambda lab: lab.standings("Opne"), "no competition 'Opne'; known: none"),
])
def test_every_unknown_name_gets_the_same_hint(box, call, message):
    with pytest.raises(QueryError, match=message):
        call(box)


def test_the_command_line_defaults_are_the_codes():
    from wodlab.audit.merge import SAFE_KINDS
    from wodlab.lab import Lab
    from wodlab.tables.rebuild import DEFAULT_BATCH

    parse = cli.build_parser().parse_args
    assert parse(["rebuild"]).batch == DEFAULT_BATCH
    assert parse(["db", "slow"]).limit is Lab.slow_queries.__kwdefaults__["limit"]
    assert parse(["programming", "suggest"]).k == Lab.suggest_wods.__kwdefaults__["k"]
    assert parse(["programming", "report"]).track == Lab.programming_report.__kwdefaults__["track"]
    assert parse(["load", "leaderboard", "f.csv", "--competition", "C"]).notation == \
        Lab.load_leaderboard.__kwdefaults__["notation"]
    assert parse(["dedup", "apply-plan"]).kinds == ",".join(SAFE_KINDS)
    assert parse(["competition", "standings", "C"]).judging == Lab.standings.__kwdefaults__["judging"]


def test_load_has_one_subcommand_per_kind_with_only_its_options(capsys):
    parse = cli.build_parser().parse_args
    assert parse(["load", "results", "r.csv", "--skip-bad"]).skip_bad
    for refused in (["load", "box", "b", "--skip-bad"], ["load", "wods", "--update"], ["load", "athletes", "a.csv", "--rules", "open"]):
        with pytest.raises(SystemExit):
            parse(refused)
    assert "unrecognized arguments" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parse(["load", "leaderboard", "board.csv"])  # --competition is required
    assert "--competition" in capsys.readouterr().err


def test_query_parameters_from_the_command_line_are_checked_as_the_callers(box):
    query = queries.get("best_times")
    assert queries.params_from_text(query, ["title=Fran", "limit=3"]) == {"title": "Fran", "limit": 3}
    with pytest.raises(QueryError, match="parameter 'limit' expects an integer, got 'ten'"):
        queries.bind(query, queries.params_from_text(query, ["title=Fran", "limit=ten"]))
    pd.testing.assert_frame_equal(box.query("best_times", **queries.params_from_text(query, ["title=Fran", "limit=3"])),
                                  box.query("best_times", title="Fran", limit=3))
