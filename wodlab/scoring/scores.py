"""Scores as coaches and leaderboards write them: parse (lark grammar score.lark), check, format.

A Score holds the seed's athlete_results columns (score_type, score_value, score_secondary,
score_unit, is_rx, is_dnf) plus what the text says besides: the division (Rx, Rx+, scaled), the
status (finished, capped, DNF, DNS, WD, none) and a tie-break time. Ranking is wodlab.scoring.ranking.

Two notations, named by whose conventions the text follows (also in the README):

- "box" (the default), as coaches write on the whiteboard: `CAP+12`, `cap 12`, `TC + 12 reps` are
  capped with 12 reps *done*;
- "games", as CrossFit's competition leaderboards print: `CAP+24` (no space) is capped with 24
  reps *left* when the cap fell, `CAP +234` (a space, as some regional boards print) is 234 reps
  done.

Both read: a bare number as reps; `7 rounds` alone with no reps part (score_secondary None), `7+0`
with 0; the ` - s` scaled mark of leaderboards (`10:23 - s`, `222 reps - s`, before or after a
tie-break: `55 reps - s tb 24:00`, `tb 24:00 55 reps - s`); `0` and an empty cell as no score, but
zero reps with a tie-break (`0 reps tb 3:00`) as a score of zero reps; `WD` (withdrawn); a bare
`CAP` (capped, reps unknown); `N pt` (points events);
`h:mm:ss.cc` and `m:ss.cc`; `mm:ss:ff` read as minutes, seconds and hundredths where the hours
reading is impossible (past the workout's cap, or past 10 hours); `225 lb`, `102.5 kg`, `1.0 pood`,
`48 cal`, `5000 m`. Times are seconds; loads, distances, calories and points keep the unit written.
Impossible clocks (`4:75`, `1:75:00`) are refused, never carried over.
"""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal

from wodlab.scoring.notation import parse_text
from wodlab.scoring.values import (
    MAX_UNITS_PER_SECOND,
    NO_SCORES,
    Score,
    ScoreMismatch,
    ScoreSyntaxError,
    check_notation,
    format_clock,
    plain_number,
)
from wodlab.workouts.structure import Scoring, total_work

# "10:23 - s": leaderboards' scaled mark, at the end or before the tie-break ("55 reps - s tb 24:00")
_SCALED_SUFFIX = re.compile(r"\s+-\s*s\s*(?=$|tb\b)", re.IGNORECASE)
_NO_SCORE = re.compile(r"^(0|-+|)$")  # "0", "--" or an empty cell: no score entered
_CAP_LEFT = re.compile(r"^(cap|tc)\+(\d+)(?=\s|$)", re.IGNORECASE)  # games: "CAP+24", no space: reps left
_THREE_PART_CLOCK = re.compile(r"^(\d{1,2}):(\d{2}):(\d{2})(?![\d.:])")
MAX_HOURS = 10  # a workout longer than this is a misreading of mm:ss:ff


def parse_score(text: str, wod: Scoring | dict | None = None, notation: str = "box") -> Score:
    """Read a score written in `notation` ("box" or "games"); with its workout (Scoring or compiled
    document), check it against the workout and normalise it. See the module docstring."""
    check_notation(notation)
    if not isinstance(text, str):
        raise ScoreSyntaxError(str(text), 1, ["a score"])
    scoring = None if wod is None else wod if isinstance(wod, Scoring) else Scoring.of(wod)
    body = text.strip()
    scaled = _SCALED_SUFFIX.search(body)
    if scaled:
        body = f"{body[: scaled.start()]} {body[scaled.end():]}".strip()
    reps_left = None
    if notation == "games" and (cap := _CAP_LEFT.match(body)):
        reps_left = Decimal(cap[2])
        body = "CAP" + body[cap.end():]
    if _NO_SCORE.match(body):
        score = Score("REPS", None, score_unit="reps", status="none")
    else:
        score = parse_text(_hundredths_if_hours_impossible(body, scoring))
        if score.status == "finished" and score.score_type == "REPS" and score.score_value == 0 and score.tiebreak is None:
            # "0 Rx": zero reps is no score; "0 reps tb 3:00" was judged (the athlete started and was
            # timed): a score of zero reps, above every no-score, ranked by its tie-break
            score = replace(score, score_value=None, status="none")
    if scaled:
        if score.division not in (None, "scaled"):
            raise ScoreMismatch(f"two different divisions in one score: {score.division} and scaled")
        score = replace(score, division="scaled")
    if reps_left is not None:
        score = replace(score, score_value=None, reps_left=reps_left)
    return score if scoring is None else check_score(score, scoring)


def _hundredths_if_hours_impossible(text: str, scoring: Scoring | None) -> str:
    """ "17:22:00" as 17:22.00 when 17 hours cannot be a time of this workout (past its cap, or past MAX_HOURS)."""
    match = _THREE_PART_CLOCK.match(text)
    if not match:
        return text
    hours, minutes, seconds = (int(g) for g in match.groups())
    as_hours = hours * 3600 + minutes * 60 + seconds
    limit = scoring.cap_seconds if scoring and scoring.cap_seconds else MAX_HOURS * 3600
    if as_hours <= limit or minutes >= 60:
        return text
    return f"{hours}:{minutes:02d}.{seconds:02d}{text[match.end():]}"


def _rounds_to_total(score: Score, per_round: float) -> Decimal:
    return total_work(score.score_value, score.score_secondary, Decimal(str(per_round)))


def check_score(score: Score, scoring: Scoring) -> Score:
    """The score as this workout scores it, or ScoreMismatch saying why it cannot be one."""
    kind, per_round = scoring.kind, Decimal(str(scoring.reps_per_round))
    if score.status in NO_SCORES:
        return replace(score, score_type=_DEFAULT_TYPE.get(kind, score.score_type))
    if kind == "none":
        raise ScoreMismatch("this workout is not scored (score: none)")
    if kind == "time":
        return _check_for_time(score, scoring)
    if kind == "rounds+reps":
        if score.score_type == "REPS" and not score.capped and per_round:
            rounds, reps = divmod(score.score_value, per_round)  # a total of reps: split it
            score = replace(score, score_type="ROUNDS", score_value=rounds, score_secondary=reps, score_unit="rounds")
            _check_pace(score, scoring)
            return score
        if score.score_type != "ROUNDS" or score.capped:
            raise ScoreMismatch(f"{score.format()!r} on an AMRAP: write rounds+reps, e.g. 7+12")
        if per_round and (score.score_secondary or 0) >= per_round:
            raise ScoreMismatch(f"{score.format()!r}: a round of this workout is {plain_number(per_round)} reps")
        _check_pace(score, scoring)
        return replace(score, score_secondary=score.score_secondary or Decimal(0))
    if kind == "load":
        if score.score_type == "REPS" and not score.capped:  # a bare number: the workout's unit
            return replace(score, score_type="LOAD", score_unit=scoring.load_unit)
        if score.score_type != "LOAD":
            raise ScoreMismatch(f"{score.format()!r} on a workout scored by load: write e.g. 225 lb or 102.5 kg")
        return score
    expected = {"reps": "REPS", "rounds": "ROUNDS", "calories": "CALORIES", "distance": "DISTANCE"}.get(kind)
    if expected == "ROUNDS" and score.score_type == "REPS" and not score.capped:
        return replace(score, score_type="ROUNDS", score_unit="rounds")
    if expected and score.score_type != expected:
        raise ScoreMismatch(f"{score.format()!r} on a workout scored by {kind}")
    return score


def _check_pace(score: Score, scoring: Scoring) -> None:
    """An AMRAP total no one can do in the clock (more than MAX_UNITS_PER_SECOND) is a slip: refused."""
    if not scoring.clock_seconds or not scoring.reps_per_round:
        return
    total = total_work(score.score_value, score.score_secondary, Decimal(str(scoring.reps_per_round)))
    limit = Decimal(MAX_UNITS_PER_SECOND) * Decimal(str(scoring.clock_seconds))
    if total > limit:
        raise ScoreMismatch(f"{score.format()!r}: {plain_number(total)} units of work in "
                            f"{format_clock(Decimal(str(scoring.clock_seconds)))} "
                            f"is more than {MAX_UNITS_PER_SECOND} a second, which no one does; check the score")


_DEFAULT_TYPE = {"time": "TIME", "rounds+reps": "ROUNDS", "rounds": "ROUNDS", "reps": "REPS", "load": "LOAD",
                 "calories": "CALORIES", "distance": "DISTANCE"}


def _check_for_time(score: Score, scoring: Scoring) -> Score:
    cap = scoring.cap_seconds
    if score.score_type == "TIME":
        if cap and score.score_value > Decimal(str(cap)):
            raise ScoreMismatch(f"{score.format()!r} is past the {format_clock(Decimal(str(cap)))} cap: write CAP+reps")
        return score
    if not scoring.capped_scores_reps:
        reason = "without a time cap" if not cap else "whose cap is not scored by reps"
        raise ScoreMismatch(f"{score.format()!r} on a for-time workout {reason}: only a time, DNF or DNS fits")
    if score.score_type == "ROUNDS" and scoring.rounds > 1:  # "4+10" at the cap of "5 rounds for time"
        per_round = scoring.total_reps / scoring.rounds
        score = replace(score, score_type="REPS", score_value=_rounds_to_total(score, per_round), score_secondary=None,
                        score_unit="reps", status="capped")
    if score.score_type != "REPS":
        raise ScoreMismatch(f"{score.format()!r} on a for-time workout: write a time, or CAP+reps")
    total = Decimal(str(scoring.total_reps)) if scoring.total_reps else None
    if score.reps_left is not None and total is None:
        # An open ladder has no total to count down from: its boards print the reps done after CAP+.
        score = replace(score, score_value=score.reps_left, reps_left=None)
    if score.reps_left is not None and total is not None:  # games' CAP+N: reps done = the workout's total - N
        if not 0 < score.reps_left <= total:
            raise ScoreMismatch(f"{score.format('games')!r}: {plain_number(score.reps_left)} reps left, but the whole workout "
                                f"is {plain_number(total)} reps")
        score = replace(score, score_value=total - score.reps_left)
    if total is not None and score.score_value is not None and score.score_value >= total:
        raise ScoreMismatch(f"{score.format()!r}: the whole workout is {plain_number(total)} reps")
    return replace(score, status="capped", score_unit="reps")
