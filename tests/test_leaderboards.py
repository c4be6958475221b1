"""Real leaderboards: scores as competition boards print them, ranked as the official rules do.

The boards of fixtures/leaderboards are written by hand from the rules, with their official ranks
worked out by hand; policy "crossfit" must reproduce every one exactly.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from wodcraft.api import compile_source
from wodcraft.library import get

from conftest import FIXTURES
from wodlab.core.errors import WodlabError
from wodlab.load.report import LoadError
from wodlab.scoring.ranking import rank_key
from wodlab.scoring.scores import parse_score
from wodlab.scoring.values import Score, ScoreMismatch, ScoreSyntaxError
from wodlab.tables.wod_records import compile_records
from wodlab.workouts.structure import Scoring

BOARDS = FIXTURES / "leaderboards"
FRAN = Scoring.of(compile_source(get("girls/fran").source).document)
CHIPPER = Scoring.of(compile_records((BOARDS / "chipper.wod").read_text())[0].document)


def competition_ranks(keys: list) -> list[int]:
    """1 + how many keys are strictly better: equal scores share a rank, "1, 2, 2, 4"."""
    return [1 + sum(other < key for other in keys) for key in keys]


@pytest.mark.parametrize("board, scoring", [("mixed_fran", FRAN), ("chipper_reps_left", CHIPPER),
                                            ("chipper_reps_done", CHIPPER), ("load", None), ("points", None)])
def test_policy_crossfit_reproduces_the_official_ranks(board, scoring):
    frame = pd.read_csv(BOARDS / f"{board}.csv", dtype=str, keep_default_na=False)
    keys = [rank_key(parse_score(text, scoring, notation="games"), scoring, policy="crossfit") for text in frame["score"]]
    assert competition_ranks(keys) == frame["official_rank"].astype(int).tolist()


def test_both_cap_notations_give_the_same_reps_done():
    left = pd.read_csv(BOARDS / "chipper_reps_left.csv", dtype=str, keep_default_na=False)
    done = pd.read_csv(BOARDS / "chipper_reps_done.csv", dtype=str, keep_default_na=False)
    for a, b in zip(left["score"], done["score"]):
        assert parse_score(a, CHIPPER, notation="games").score_value == parse_score(b, CHIPPER, notation="games").score_value


def test_cap_plus_n_is_reps_done_on_the_box_whiteboard_and_reps_left_on_games_boards():
    assert parse_score("CAP+24", FRAN).score_value == 24
    games = parse_score("CAP+24", FRAN, notation="games")
    assert (games.score_value, games.reps_left) == (Decimal(66), Decimal(24))
    assert parse_score("CAP+24", notation="games").reps_left == 24  # no workout: the reps left are kept
    assert parse_score("CAP +234", notation="games").score_value == 234
    assert games.format("box") == "CAP+66" and games.format("games") == "CAP+24"


def test_box_policy_also_puts_no_scores_below_scaled_but_dnf_before_dns():
    texts = ["DNS", "3:30 Sc", "DNF", "4:10", "WD", "0"]
    order = sorted(texts, key=lambda t: rank_key(parse_score(t, FRAN), FRAN))
    assert order[:3] == ["4:10", "3:30 Sc", "DNF"]
    assert {rank_key(parse_score(t, FRAN), FRAN).tier for t in ("DNS", "WD", "0")} == {9}
    assert len({rank_key(parse_score(t, FRAN), FRAN, policy="crossfit") for t in ("DNF", "DNS", "WD", "0")}) == 1


@pytest.mark.parametrize("text, seconds", [("17:22:00", Decimal("1042.00")), ("1:02:03.45", Decimal("3723.45")),
                                           ("12:01.50", Decimal("721.50"))])
def test_clocks_with_hundredths(text, seconds):
    assert parse_score(text, notation="games").score_value == seconds


def test_mm_ss_ff_is_read_so_when_hours_are_impossible_for_the_workout():
    assert parse_score("7:22:00", FRAN).score_value == Decimal("442.00")  # 7 hours is past Fran's 10:00 cap
    assert parse_score("1:05:10").score_value == 3910  # no workout: an hour and five minutes is a time


@pytest.mark.parametrize("text", ["WD", "CAP", "3 pt", "10:23 - s", "222 reps - s", "0", "", "225 lbs", "102.0 kg",
                                  "48 cal"])
def test_leaderboard_notations_read_in_both_notations(text):
    for notation in ("box", "games"):
        assert isinstance(parse_score(text, notation=notation), Score)


def test_an_unknown_notation_or_policy_is_named():
    with pytest.raises(WodlabError, match="unknown score notation 'cf'"):
        parse_score("4:10", notation="cf")
    with pytest.raises(WodlabError, match="unknown ranking policy 'open'"):
        rank_key(parse_score("4:10"), policy="open")


def test_more_reps_left_than_the_workout_has_is_refused():
    with pytest.raises(ScoreMismatch, match="reps left"):
        parse_score("CAP+91", FRAN, notation="games")


def test_impossible_clocks_stay_refused_in_games_notation():
    with pytest.raises(ScoreSyntaxError):
        parse_score("4:75", notation="games")


# --- round trip in both notations ----------------------------------------------------------------------------

_counts = st.integers(min_value=0, max_value=999).map(Decimal)
_seconds = st.decimals(min_value=0, max_value=36000, places=2, allow_nan=False, allow_infinity=False)


@st.composite
def board_scores(draw):
    kind = draw(st.sampled_from(["time", "amrap", "reps", "load", "points", "capped_done", "capped_left", "capped_bare",
                                 "dnf", "dns", "wd", "none"]))
    if kind == "time":
        base = Score("TIME", draw(_seconds), None, "s")
    elif kind == "amrap":
        base = Score("ROUNDS", draw(_counts), draw(_counts), "rounds")
    elif kind == "reps":  # zero reps is no score ("0" on a board)
        base = Score("REPS", draw(_counts.filter(bool)), None, "reps")
    elif kind == "load":
        base = Score("LOAD", draw(_counts), None, draw(st.sampled_from(["kg", "lb"])))
    elif kind == "points":
        base = Score("POINTS", draw(_counts), None, "pt")
    elif kind == "capped_done":
        base = Score("REPS", draw(_counts), None, "reps", "capped")
    elif kind == "capped_left":
        base = Score("REPS", None, None, "reps", "capped", reps_left=draw(_counts))
    elif kind == "capped_bare":
        base = Score("REPS", None, None, "reps", "capped")
    elif kind == "none":
        base = Score("REPS", None, None, "reps", "none")
    else:
        base = Score("TIME", None, None, "s", kind)
    division = draw(st.sampled_from([None, "rx", "rx+", "scaled"]))
    tiebreak = draw(st.one_of(st.none(), _seconds))
    return Score(base.score_type, base.score_value, base.score_secondary, base.score_unit, base.status, division,
                 tiebreak, base.reps_left)


@given(board_scores(), st.sampled_from(["box", "games"]))
@settings(max_examples=400, deadline=None)
def test_format_then_parse_gives_the_score_back_in_each_notation(score, notation):
    if notation == "box" and score.reps_left is not None:
        return  # reps left is the games boards' convention: the box writes reps done
    if score.status == "none" and score.tiebreak is not None:
        return  # "0 tb 1:00" is not something a board prints; no score has no tie-break
    assert parse_score(score.format(notation), notation=notation) == score


# --- competitions: a board as exported, standings by the official rules -------------------------------------

def _standings(lab) -> list:
    frame = lab.standings("Open Test")
    return frame.assign(athlete_id=frame["athlete_id"].map(_external(lab)))[["division", "rank", "athlete_id", "points"]
                                                                           ].values.tolist()


def _external(lab) -> dict:
    return dict(lab.sql("SELECT id::text AS id, external_id FROM athletes").values.tolist())


def _expected() -> list:
    return pd.read_csv(BOARDS / "open_standings.csv").values.tolist()


@pytest.fixture
def open_lab(lab):
    assert lab.load_wods(library=True, progress=False).ok
    return lab


@pytest.mark.parametrize("board", ["open_long.csv", "open_wide.csv"])
def test_a_board_as_exported_loads_in_one_call_and_gives_the_official_standings(open_lab, board):
    report = open_lab.load_leaderboard(BOARDS / board, competition="Open Test")
    assert report.inserted == 20 and report.ok
    assert _standings(open_lab) == _expected()


def test_per_workout_ranks_within_divisions(open_lab):
    open_lab.load_leaderboard(BOARDS / "open_long.csv", competition="Open Test")
    ranks = open_lab.competition_results("Open Test", division="Men")
    names = _external(open_lab)
    by_workout = {label: dict(zip(group["athlete_id"].map(names), group["place"]))
                  for label, group in ranks.groupby("label")}
    assert by_workout["23.1"] == {"m1": 1, "m3": 1, "m2": 3, "m4": 4, "m5": 5}
    assert by_workout["24.1"] == {"m1": 1, "m3": 2, "m2": 3, "m4": 4, "m5": 5}
    capped = open_lab.sql("SELECT score_value FROM athlete_results WHERE score_text = 'CAP+170'")
    assert capped["score_value"].tolist() == [170]  # CAP+10 on a 180-rep workout: 170 reps done


def test_the_competition_leaderboard_of_one_workout_uses_the_crossfit_policy(open_lab):
    open_lab.load_leaderboard(BOARDS / "open_long.csv", competition="Open Test")
    board = open_lab.leaderboard("Open 24.1", track=None, limit=None, policy="crossfit", gender="F", competition="Open Test")
    names = _external(open_lab)
    assert board["athlete_id"].map(names).tolist()[:4] == ["w2", "w5", "w1", "w4"]
    assert board["rank"].tolist()[-1] == len(board)  # w3's empty cell: a no-score, last


def test_a_bad_score_on_a_board_loads_nothing_and_names_line_and_column(open_lab, tmp_path, count):
    text = (BOARDS / "open_wide.csv").read_text().replace("9:50", "4:75")
    (tmp_path / "board.csv").write_text(text)
    before = count(open_lab, "athletes")
    with pytest.raises(LoadError) as caught:
        open_lab.load_leaderboard(tmp_path / "board.csv", competition="Open Test")
    assert [(p.row, p.column) for p in caught.value.problems] == [(2, "24.1")]
    assert count(open_lab, "athletes") == before and count(open_lab, "athlete_results") == 0


def test_an_unknown_workout_label_says_how_to_map_it(open_lab, tmp_path):
    (tmp_path / "board.csv").write_text("athlete_id,name,gender,Event 1\nx,X,M,4:00\n")
    with pytest.raises(LoadError, match="workouts=.*'Event 1'"):
        open_lab.load_leaderboard(tmp_path / "board.csv", competition="Other")
    report = open_lab.load_leaderboard(tmp_path / "board.csv", competition="Other", workouts={"Event 1": "Fran"})
    assert report.inserted == 1


def test_an_unknown_competition_is_named(open_lab):
    from wodlab.core.errors import QueryError

    with pytest.raises(QueryError, match="no competition 'Nope'"):
        open_lab.standings("Nope")


def test_cli_loads_a_leaderboard_in_one_command(wodlab_cli, open_lab):
    import os

    env = {**os.environ, "DATABASE_URL": open_lab.engine.url.render_as_string(hide_password=False)}
    run = wodlab_cli("load", "leaderboard", str(BOARDS / "open_wide.csv"), "--competition", "Open Test", "--notation", "games", env=env)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "Open Test: athlete_results: 20 rows read, 20 new, 0 unchanged, 0 updated"
    assert _standings(open_lab) == _expected()


# --- competition scoring of distances and ladders ------------------------------------------------------------

def _open(path: str) -> dict:
    return compile_source(get(path).source).document


def test_distances_count_as_the_workout_counts_them():
    """Open 18.4: 5 ft of handstand walk is a rep (165 in all); Open 25.1: each 15 ft of lunge, per its note."""
    assert Scoring.of(_open("open/18_4")).total_reps == 165
    from wodlab.workouts.structure import FOOT_M, rep_distances

    assert rep_distances(_open("open/25_1")) == {"lunge": pytest.approx(15 * FOOT_M)}
    assert rep_distances(_open("open/18_4")) == {"handstand_walk": pytest.approx(5 * FOOT_M)}


def test_an_open_ladder_has_no_fixed_total_and_accepts_capped_reps():
    assert Scoring.of(_open("open/25_1")).total_reps == 0
    for notation in ("box", "games"):
        score = parse_score("CAP+124 Rx", _open("open/25_1"), notation=notation)
        assert (score.status, score.score_value) == ("capped", 124)


def test_capped_scores_beyond_what_official_scoring_allows_are_refused():
    with pytest.raises(ScoreMismatch, match="165 reps"):
        parse_score("CAP +170", _open("open/18_4"), notation="games")
    with pytest.raises(ScoreMismatch, match="165 reps"):
        parse_score("CAP+170", _open("open/18_4"), notation="games")
    assert parse_score("CAP+20", _open("open/18_4"), notation="games").score_value == 145


def test_a_competition_leaderboard_leaves_out_the_same_workout_done_elsewhere(open_lab, tmp_path):
    open_lab.load_leaderboard(BOARDS / "open_long.csv", competition="Open Test")
    (tmp_path / "other.csv").write_text("athlete_id,name,gender,24.1\nz9,Zed,F,5:00\n")
    open_lab.load_leaderboard(tmp_path / "other.csv", competition="Another")
    assert "Zed" in open_lab.leaderboard("Open 24.1", track=None, limit=None)["athlete"].tolist()
    board = open_lab.leaderboard("Open 24.1", track=None, limit=None, competition="Open Test")
    assert "Zed" not in board["athlete"].tolist() and len(board) == 10
    with pytest.raises(Exception, match="not a workout of the competition"):
        open_lab.leaderboard("Fran", competition="Open Test")


def test_a_wide_export_with_rank_affiliate_and_an_athlete_name_column_loads(open_lab, tmp_path):
    (tmp_path / "export.csv").write_text("Overall Rank,Athlete ID,Athlete,Gender,Affiliate,24.1\n"
                                         "1,q1,Quinn,F,Box A,10:00\n2,q2,Rae,F,Box B,CAP+5\n")
    report = open_lab.load_leaderboard(tmp_path / "export.csv", competition="Export Test")
    assert report.inserted == 2
    assert open_lab.standings("Export Test")["athlete"].tolist() == ["Quinn", "Rae"]


# --- boards as they really come: repeats, bad cells, partial loads (issue 22's fault cases) ---------------------

LONG_HEADER = "competitorId,competitorName,gender,age,workout,scoreDisplay,tiebreak\n"


def _board(tmp_path, text: str, header: str = LONG_HEADER):
    (tmp_path / "board.csv").write_text(header + text)
    return tmp_path / "board.csv"


def test_an_athlete_twice_on_a_workout_with_two_scores_is_refused_naming_both_lines(open_lab, tmp_path, count):
    path = _board(tmp_path, "m1,Marc,M,30,24.1,9:50,\nm2,Malo,M,28,24.1,10:00,\nm1,Marc,M,30,24.1,11:00,\n")
    with pytest.raises(LoadError) as caught:
        open_lab.load_leaderboard(path, competition="Dup")
    (problem,) = caught.value.problems
    assert (problem.row, problem.column) == (4, "scoreDisplay")
    assert "line 2 says '9:50'" in problem.reason and "'11:00'" in problem.reason
    assert count(open_lab, "athlete_results") == 0


def test_the_same_score_given_twice_loads_once(open_lab, tmp_path):
    path = _board(tmp_path, "m1,Marc,M,30,24.1,9:50,\nm1,Marc,M,30,24.1,9:50,\n")
    report = open_lab.load_leaderboard(path, competition="Twice")
    assert (report.rows_read, report.inserted, report.unchanged) == (2, 1, 1)


def test_a_bad_age_and_a_bad_tiebreak_are_named_at_their_own_columns(open_lab, tmp_path):
    path = _board(tmp_path, "m1,Marc,M,thirty,24.1,9:50,\nm2,Malo,M,28,23.1,180 reps,soon\n")
    with pytest.raises(LoadError) as caught:
        open_lab.load_leaderboard(path, competition="Bad cells")
    assert [(p.row, p.column) for p in caught.value.problems] == [(2, "age"), (3, "tiebreak")]
    assert "age in years" in caught.value.problems[0].reason and "tie-break 'soon'" in caught.value.problems[1].reason


def test_a_workout_column_given_twice_is_refused_by_name(open_lab, tmp_path):
    path = _board(tmp_path, "m1,Marc,M,9:50,10:00\n", header="athlete_id,name,gender,24.1,24.1\n")
    with pytest.raises(LoadError, match="appears twice in the header"):
        open_lab.load_leaderboard(path, competition="Twice header")


def test_skip_bad_loads_the_good_rows_and_writes_the_bad_ones_aside(open_lab, tmp_path):
    path = _board(tmp_path, "m1,Marc,M,30,24.1,9:50,\nm2,Malo,M,28,24.1,4:75,\n,Nobody,F,30,24.1,10:00,\n")
    report = open_lab.load_leaderboard(path, competition="Partial", skip_bad=True)
    assert (report.inserted, report.rejected) == (1, 2)
    rejected = pd.read_csv(report.reject_file, dtype=str, keep_default_na=False)
    assert rejected["line"].tolist() == ["3", "4"] and rejected["reject_column"].tolist() == ["scoreDisplay", "competitorId"]
    assert open_lab.standings("Partial")["athlete"].tolist() == ["Marc"]


def test_a_renamed_athletes_conflict_names_the_file(open_lab, tmp_path):
    open_lab.load_leaderboard(_board(tmp_path, "m1,Marc,M,30,24.1,9:50,\n"), competition="Rename")
    with pytest.raises(LoadError, match=str(tmp_path / "board.csv")):
        open_lab.load_leaderboard(_board(tmp_path, "m1,Marcus,M,30,24.1,9:50,\n"), competition="Rename")
