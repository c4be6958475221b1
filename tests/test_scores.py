"""Score notation: the lark grammar, canonical formatting, checks against the workout, ranking."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st
from wodcraft.api import compile_source
from wodcraft.library import get

from wodlab.scoring.ranking import rank_key
from wodlab.scoring.scores import parse_score
from wodlab.scoring.values import Score, ScoreMismatch, ScoreSyntaxError
from wodlab.workouts.structure import Scoring


def S(score_type, value, secondary=None, unit=None, status="finished", division=None, tiebreak=None):  # noqa: N802
    as_d = lambda v: None if v is None else D(str(v))  # noqa: E731
    return Score(score_type, as_d(value), as_d(secondary), unit, status, division, as_d(tiebreak))


NOTATIONS = [
    # times
    ("4:32", S("TIME", 272, unit="s")),
    ("1:02:03", S("TIME", 3723, unit="s")),
    ("4:32.5", S("TIME", "272.5", unit="s")),
    ("0:59", S("TIME", 59, unit="s")),
    ("12:00", S("TIME", 720, unit="s")),
    ("  4:32  ", S("TIME", 272, unit="s")),
    # rounds + reps
    ("7+12", S("ROUNDS", 7, 12, "rounds")),
    ("7 + 12", S("ROUNDS", 7, 12, "rounds")),
    ("7 rounds + 12 reps", S("ROUNDS", 7, 12, "rounds")),
    ("7 rds 12", S("ROUNDS", 7, 12, "rounds")),
    ("7rds12", S("ROUNDS", 7, 12, "rounds")),
    ("7 RDS + 12", S("ROUNDS", 7, 12, "rounds")),
    ("7 rnds 12 reps", S("ROUNDS", 7, 12, "rounds")),
    ("7 round + 1 rep", S("ROUNDS", 7, 1, "rounds")),
    ("10+0", S("ROUNDS", 10, 0, "rounds")),
    ("12 rounds", S("ROUNDS", 12, None, "rounds")),
    # reps
    ("185", S("REPS", 185, unit="reps")),
    ("185 reps", S("REPS", 185, unit="reps")),
    ("185reps", S("REPS", 185, unit="reps")),
    ("185 REPS", S("REPS", 185, unit="reps")),
    # loads
    ("225 lb", S("LOAD", 225, unit="lb")),
    ("225lbs", S("LOAD", 225, unit="lb")),
    ("225#", S("LOAD", 225, unit="lb")),
    ("225 LB", S("LOAD", 225, unit="lb")),
    ("102.5 kg", S("LOAD", "102.5", unit="kg")),
    ("102.5kg", S("LOAD", "102.5", unit="kg")),
    ("100 kilos", S("LOAD", 100, unit="kg")),
    ("1.5 pood", S("LOAD", "1.5", unit="pood")),
    # calories and distances
    ("48 cal", S("CALORIES", 48, unit="cal")),
    ("48 cals", S("CALORIES", 48, unit="cal")),
    ("48 Calories", S("CALORIES", 48, unit="cal")),
    ("5000 m", S("DISTANCE", 5000, unit="m")),
    ("5000m", S("DISTANCE", 5000, unit="m")),
    ("3.1 mi", S("DISTANCE", "3.1", unit="mi")),
    ("5 km", S("DISTANCE", 5, unit="km")),
    ("150 ft", S("DISTANCE", 150, unit="ft")),
    # capped
    ("CAP+12", S("REPS", 12, unit="reps", status="capped")),
    ("cap 12", S("REPS", 12, unit="reps", status="capped")),
    ("TC + 12 reps", S("REPS", 12, unit="reps", status="capped")),
    ("cap+12", S("REPS", 12, unit="reps", status="capped")),
    ("capped 150", S("REPS", 150, unit="reps", status="capped")),
    ("Time cap + 40", S("REPS", 40, unit="reps", status="capped")),
    # did not finish / start
    ("DNF", S("TIME", None, unit="s", status="dnf")),
    ("dnf", S("TIME", None, unit="s", status="dnf")),
    ("did not finish", S("TIME", None, unit="s", status="dnf")),
    ("DNS", S("TIME", None, unit="s", status="dns")),
    # divisions, anywhere they are usually written
    ("4:32 Rx", S("TIME", 272, unit="s", division="rx")),
    ("4:32rx", S("TIME", 272, unit="s", division="rx")),
    ("Rx 4:32", S("TIME", 272, unit="s", division="rx")),
    ("4:32 (Rx)", S("TIME", 272, unit="s", division="rx")),
    ("4:32 Rx+", S("TIME", 272, unit="s", division="rx+")),
    ("7+12 Sc", S("ROUNDS", 7, 12, "rounds", division="scaled")),
    ("Scaled 7+12", S("ROUNDS", 7, 12, "rounds", division="scaled")),
    ("7+12 - scaled", S("ROUNDS", 7, 12, "rounds", division="scaled")),
    ("225# RX", S("LOAD", 225, unit="lb", division="rx")),
    ("CAP+12 sc", S("REPS", 12, unit="reps", status="capped", division="scaled")),
    # tie-breaks
    ("4:32 tb 3:15", S("TIME", 272, unit="s", tiebreak=195)),
    ("4:32 TB: 3:15", S("TIME", 272, unit="s", tiebreak=195)),
    ("4:32 (tb 3:15)", S("TIME", 272, unit="s", tiebreak=195)),
    ("CAP+12, tiebreak 8:40", S("REPS", 12, unit="reps", status="capped", tiebreak=520)),
    ("7+12 rx tb 10:02", S("ROUNDS", 7, 12, "rounds", division="rx", tiebreak=602)),
    ("(tb 3:15) 7+12 Rx", S("ROUNDS", 7, 12, "rounds", division="rx", tiebreak=195)),
]


@pytest.mark.parametrize("text, expected", NOTATIONS, ids=[t for t, _ in NOTATIONS])
def test_reads_the_notation(text, expected):
    assert parse_score(text) == expected


def test_the_table_covers_forty_distinct_notations():
    assert len({t.strip().lower() for t, _ in NOTATIONS}) >= 40


@pytest.mark.parametrize("text, column, expected", [
    ("4:3x", 4, "'Rx'"),
    ("7++12", 3, "a number"),
    ("abc", 1, "a time (4:32)"),
    ("cap +", 6, "a number"),  # a bare CAP reads (reps unknown); a "+" promises a number
    ("7 +", 4, "a number"),
    ("tb 3:15", 8, "a time (4:32)"),
    ("1,5 kg", 3, "'Rx'"),  # after a comma only a marker may come
    ("225 lb lb", 8, "'Rx'"),
])
def test_malformed_text_is_rejected_with_its_column_and_what_was_expected(text, column, expected):
    with pytest.raises(ScoreSyntaxError) as caught:
        parse_score(text)
    assert caught.value.column == column
    assert expected in caught.value.expected
    assert f"column {column}" in str(caught.value)


def test_an_empty_score_is_no_score():
    """Leaderboards leave the cell empty (or print 0) for an athlete who entered nothing."""
    assert parse_score("   ").status == "none" and parse_score("0").status == "none"


def test_two_divisions_in_one_score_are_rejected():
    with pytest.raises(ScoreMismatch, match="two different divisions"):
        parse_score("4:32 rx sc")


# --- round trip -----------------------------------------------------------------------------------

_amounts = st.decimals(min_value=0, max_value=99999, places=2, allow_nan=False, allow_infinity=False)
_counts = st.integers(min_value=0, max_value=999).map(D)
_seconds = st.decimals(min_value=0, max_value=36000, places=1, allow_nan=False, allow_infinity=False)


@st.composite
def scores(draw):
    kind = draw(st.sampled_from(["time", "rounds", "rounds_only", "amount", "capped", "dnf", "dns"]))
    if kind == "time":
        base = Score("TIME", draw(_seconds), None, "s")
    elif kind == "rounds":
        base = Score("ROUNDS", draw(_counts), draw(_counts), "rounds")
    elif kind == "rounds_only":
        base = Score("ROUNDS", draw(_counts), None, "rounds")
    elif kind == "amount":
        score_type, unit = draw(st.sampled_from([("REPS", "reps"), ("LOAD", "kg"), ("LOAD", "lb"), ("LOAD", "pood"),
                                                 ("CALORIES", "cal"), ("DISTANCE", "m"), ("DISTANCE", "km"),
                                                 ("DISTANCE", "mi"), ("DISTANCE", "ft")]))
        amount = draw(_amounts.filter(bool) if score_type == "REPS" else _amounts)  # zero reps is no score
        base = Score(score_type, amount, None, unit)
    elif kind == "capped":
        base = Score("REPS", draw(_counts), None, "reps", "capped")
    else:
        base = Score("TIME", None, None, "s", kind)
    division = draw(st.sampled_from([None, "rx", "rx+", "scaled"]))
    tiebreak = draw(st.one_of(st.none(), _seconds))
    return Score(base.score_type, base.score_value, base.score_secondary, base.score_unit, base.status, division, tiebreak)


@given(scores())
def test_format_then_parse_gives_the_score_back(score):
    assert parse_score(score.format()) == score


@given(scores())
def test_formatting_is_canonical(score):
    text = score.format()
    assert parse_score(text).format() == text


# --- against the workout ----------------------------------------------------------------------------

def scoring(path_or_source: str) -> Scoring:
    source = get(path_or_source).source if "/" in path_or_source and "\n" not in path_or_source else path_or_source
    return Scoring.of(compile_source(source).document)


GRACE = "girls/grace"  # for time, no cap
FRAN = "girls/fran"  # for time, cap 10:00, capped athletes score reps (90 reps in all)
CINDY = "girls/cindy"  # AMRAP 20, 30 reps a round
TOTAL = "benchmarks/crossfit_total"  # load, total


def test_rounds_plus_reps_on_a_for_time_workout_without_cap_is_rejected_with_the_reason():
    with pytest.raises(ScoreMismatch, match="for-time workout without a time cap"):
        parse_score("7+12", scoring(GRACE))


@pytest.mark.parametrize("text, wod, reason", [
    ("CAP+30", GRACE, "without a time cap"),
    ("12:01", FRAN, "past the 10:00 cap"),
    ("CAP+90", FRAN, "the whole workout is 90 reps"),
    ("4:32", CINDY, "on an AMRAP"),
    ("7+31", CINDY, "a round of this workout is 30 reps"),
    ("4:32", TOTAL, "scored by load"),
])
def test_scores_that_cannot_belong_to_the_workout_say_why(text, wod, reason):
    with pytest.raises(ScoreMismatch, match=reason):
        parse_score(text, scoring(wod))


def test_scores_are_normalised_by_their_workout():
    assert parse_score("CAP+75", scoring(FRAN)).capped
    assert parse_score("75", scoring(FRAN)) == S("REPS", 75, unit="reps", status="capped")  # bare reps at the cap
    assert parse_score("212", scoring(CINDY)) == S("ROUNDS", 7, 2, "rounds")  # a total of reps, split
    assert parse_score("7 rounds", scoring(CINDY)) == S("ROUNDS", 7, 0, "rounds")
    assert parse_score("305", scoring(TOTAL)) == S("LOAD", 305, unit="kg")  # the workout's own unit
    assert parse_score("DNF", scoring(CINDY)).score_type == "ROUNDS"


# --- rank key -----------------------------------------------------------------------------------------

def ranked(texts, wod):
    sc = scoring(wod)
    return sorted(texts, key=lambda t: rank_key(parse_score(t, sc), sc))


def test_finishers_by_time_then_capped_by_reps_then_scaled_then_no_scores():
    """A no-score is last on every board, below every scaled score (the official rule)."""
    order = ranked(["CAP+60", "DNF", "5:10", "3:05 sc", "CAP+80", "4:32", "DNS"], FRAN)
    assert order == ["4:32", "5:10", "CAP+80", "CAP+60", "3:05 sc", "DNF", "DNS"]


def test_ties_break_on_the_tiebreak_with_missing_ones_last():
    assert ranked(["CAP+70", "CAP+70 tb 8:10", "CAP+70 tb 7:55"], FRAN) == ["CAP+70 tb 7:55", "CAP+70 tb 8:10", "CAP+70"]


def test_amrap_ranks_rounds_plus_reps_as_total_reps():
    # 8+0 = 240 reps, 7+29 = 239, 218 = 7+8, 6+12 = 192
    assert ranked(["7+29", "8+0", "6+12", "218"], CINDY) == ["8+0", "7+29", "218", "6+12"]


def test_loads_rank_by_weight_whatever_the_unit():
    assert ranked(["100 kg", "225 lb", "7 pood"], TOTAL) == ["7 pood", "225 lb", "100 kg"]  # 112, 102.1, 100 kg


def test_rounds_plus_reps_at_the_cap_of_a_rounds_for_time_workout_become_reps():
    wod = scoring("# Five\n5 rounds for time, cap 20:00\n  10 Burpee\n  20 Air squat\n")
    assert parse_score("3+12", wod) == S("REPS", 102, unit="reps", status="capped")  # 3 x 30 + 12


def test_rounds_plus_reps_on_a_capped_ladder_is_rejected():
    with pytest.raises(ScoreMismatch, match="write a time, or CAP\\+reps"):
        parse_score("7+12", scoring(FRAN))


def test_personal_records_follow_the_rank_key():
    import pandas as pd

    history = pd.DataFrame({
        "session_date": pd.to_datetime(["2026-01-01", "2026-02-01", "2026-03-01", "2026-04-01", "2026-05-01"]),
        "wod_id": ["fran", "fran", "fran", "fran", "cindy"],
        "is_rx": [True, True, True, True, True],
        "result_status": ["capped", "finished", "finished", "dnf", "finished"],
        "rank_tier": [1, 0, 0, 2, 0],
        "rank_value": [-80, 300, 310, 0, -400],
        "tiebreak_seconds": [None, None, None, None, None],
    })
    from wodlab.scoring.ranking import personal_records

    # first Fran: the mark; 5:00 beats the cap: PR; 5:10 is slower; a DNF never is; a first Cindy is not
    assert personal_records(history).tolist() == [False, True, False, False, False]


_clock = st.builds(lambda h, m, s, f: (f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:0{2}d}") + (f".{f}" if f else ""),
                   st.integers(0, 12), st.integers(0, 99), st.integers(0, 75), st.sampled_from(["", "5", "25"]))
_number_text = st.builds(lambda n, f: f"{n}" + (f".{f}" if f else ""), st.integers(0, 12_000_000), st.sampled_from(["", "5", "00"]))
_rounds_reps = st.builds(lambda r, sep, p, tail: f"{r}{sep}{p}{tail}", st.integers(0, 10_000_001),
                         st.sampled_from(["+", " + ", " +", "+ ", " rds ", " rd ", " RDS ", " rounds ", " round + ",
                                          " Rounds + ", " rds + ", "rds ", " rounds+", " r ", "rds", " rds", "rounds"]),
                         st.integers(0, 500), st.sampled_from(["", " reps", " rep", "reps", " Reps"]))
_load = st.builds(lambda n, f, sep, unit: f"{n}" + (f".{f}" if f else "") + sep + unit, st.integers(0, 12_000_000),
                  st.sampled_from(["", "5", "25"]), st.sampled_from(["", " ", "  "]),
                  st.sampled_from(["kg", "KG", "lb", "lbs", "Lb", "kgs", "k"]))
_cap = st.builds(lambda word, sep, n: f"{word}{sep}{n}", st.sampled_from(["CAP", "cap", "Cap", "TC"]),
                 st.sampled_from(["+", " + ", " ", "", "  +  ", "+ "]), st.integers(0, 12_000_000))
_marker = st.sampled_from(["", " Rx", " rx", " RX+", " Sc", " scaled", " SC"])


@given(st.tuples(st.one_of(_clock, _number_text, _rounds_reps, _load, _cap), _marker).map("".join))
def test_the_quick_reading_of_common_shapes_is_the_grammars(text):
    """scores._quick_score reads bare clocks, numbers and rounds+reps without the grammar: it must give
    exactly the grammar's Score, and leave to the grammar every text the grammar refuses."""
    from wodlab.scoring.notation import _grammar_score, _quick_score

    quick = _quick_score(text)
    try:
        expected = _grammar_score(text)
    except (ScoreSyntaxError, ScoreMismatch):
        assert quick is None, text
        return
    assert quick == expected, text


_TIME_WORKOUTS = ("girls/fran", "girls/grace", "heroes/murph", "open/18_4", "girls/diane")


@given(st.tuples(_clock, _marker).map("".join), st.sampled_from(_TIME_WORKOUTS), st.sampled_from(["RX", "SCALED"]))
def test_a_finished_time_reads_the_same_on_every_for_time_workout_within_its_cap(text, path, track):
    """results.ResultRefs checks a bare time once for every for-time workout: it must give exactly the
    columns of the full check on each workout whose cap it is within, and say so when it is not."""
    from decimal import Decimal

    from wodcraft import library
    from wodcraft.api import compile_source

    from wodlab.core.fields import RowProblem
    from wodlab.tables.results import _BARE_TIME, _time_columns, score_columns
    from wodlab.workouts.structure import Scoring

    if not _BARE_TIME.match(text):
        return
    scoring = Scoring.of(compile_source(library.get(path).source).document)
    try:
        full = score_columns(parse_score(text, scoring), scoring, track)
    except (ScoreSyntaxError, ScoreMismatch):
        full = None
    try:
        shared = _time_columns(text, track)
    except RowProblem:
        assert full is None, text
        return
    within = not scoring.cap_seconds or shared.first[1] <= Decimal(str(scoring.cap_seconds))
    assert (shared if within else None) == full, (text, path)


@pytest.mark.parametrize("notation", ["box", "games"])
def test_zero_reps_with_a_tiebreak_is_a_score_and_a_bare_zero_is_not(notation):
    """A judged "0 reps tb 3:00" (the athlete started and was timed) ranks above every no-score, by its
    tie-break; "0" and "0 reps" alone stay no-scores."""
    from wodlab.scoring.ranking import rank_key

    zero = parse_score("0 reps tb 3:00", notation=notation)
    assert (zero.status, zero.score_value, zero.tiebreak) == ("finished", 0, 180)
    assert parse_score("0", notation=notation).status == "none" and parse_score("0 reps", notation=notation).status == "none"
    assert rank_key(zero) < rank_key(parse_score("0", notation=notation))
    assert rank_key(parse_score("0 reps tb 2:00", notation=notation)) < rank_key(zero)
    assert parse_score(zero.format(notation), notation=notation) == zero


@pytest.mark.parametrize("text", ["55 reps - s tb 24:00", "tb 24:00 55 reps - s", "55 reps tb 24:00 - s"])
def test_the_scaled_mark_and_the_tiebreak_in_either_order(text):
    score = parse_score(text, notation="games")
    assert (score.score_value, score.division, score.tiebreak) == (55, "scaled", 1440)
