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
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import lru_cache
from importlib.resources import files

from lark import Lark, Token, Transformer, UnexpectedInput

from wodlab.core.errors import WodlabError
from wodlab.workouts.structure import Scoring, total_work

STATUSES = ("finished", "capped", "dnf", "dns", "wd", "none")
NO_SCORES = ("dnf", "dns", "wd", "none")  # a result with no score: below every score on every board
DIVISIONS = ("rx", "rx+", "scaled")
NOTATIONS = ("box", "games")

_UNITS = {  # token type -> (score_type, canonical unit)
    "REPS": ("REPS", "reps"), "LB": ("LOAD", "lb"), "KG": ("LOAD", "kg"), "POOD": ("LOAD", "pood"),
    "CAL": ("CALORIES", "cal"), "METRE": ("DISTANCE", "m"), "KM": ("DISTANCE", "km"),
    "MILE": ("DISTANCE", "mi"), "FOOT": ("DISTANCE", "ft"), "POINT": ("POINTS", "pt"),
}
KG_PER_UNIT = {"kg": Decimal(1), "lb": Decimal("0.45359237"), "pood": Decimal(16)}
METRES_PER_UNIT = {"m": Decimal(1), "km": Decimal(1000), "mi": Decimal("1609.344"), "ft": Decimal("0.3048")}

# Human names of the grammar's terminals, for "expected ..." in error messages.
_EXPECTED_NAMES = {
    "CLOCK": "a time (4:32)", "NUMBER": "a number", "ROUNDS": "'rounds'", "REPS": "'reps'",
    "LB": "'lb'", "KG": "'kg'", "POOD": "'pood'", "CAL": "'cal'", "METRE": "'m'", "KM": "'km'",
    "MILE": "'mi'", "FOOT": "'ft'", "POINT": "'pt'", "CAP": "'CAP'", "DNF": "'DNF'", "DNS": "'DNS'", "WD": "'WD'",
    "RX": "'Rx'",
    "RX_PLUS": "'Rx+'", "SCALED": "'Sc'", "TIEBREAK": "'tb'", "PLUS": "'+'", "LPAR": "'('",
    "RPAR": "')'", "COLON": "':'", "$END": "the end of the score", "COMMA": "','", "MINUS": "'-'",
    "SEMICOLON": "';'", "SLASH": "'/'",
}


class ScoreSyntaxError(WodlabError):
    """Text that is not a score: says at which column, and what could have come there."""

    def __init__(self, text: str, column: int, expected: list[str]):
        self.text, self.column, self.expected = text, column, expected
        pointer = " " * (column - 1) + "^"
        super().__init__(
            f"cannot read score {text!r} at column {column}: expected {' or '.join(expected) or 'nothing more'}\n"
            f"    {text}\n    {pointer}"
        )


class ScoreMismatch(WodlabError):
    """A well-formed score that cannot be a score of this workout."""


# Scores are stored in DECIMAL(10,3) columns: a number past this is a slip, not a score.
MAX_NUMBER = Decimal(10_000_000)
# Above this many units of work a second (reps, calories, metres) no athlete does an AMRAP: a slip.
MAX_UNITS_PER_SECOND = 20


class _BadToken(Exception):
    """Raised inside the transformer; _parse_text turns it into a ScoreSyntaxError pointing at the token."""

    def __init__(self, token: Token, expected: str):
        super().__init__(expected)
        self.token, self.expected = token, expected


def _clock_seconds(token: Token) -> Decimal:
    """h:mm:ss or m:ss (fractions allowed); every part after the first must be below 60.

    A leading part may be 60 or more ("65:12" is 65 minutes): whiteboards write long workouts so.
    "4:75" or "1:75:00" are refused, never carried over into 5:15 or 2:15:00.
    """
    parts = str(token).split(":")
    seconds = Decimal(parts[-1])
    if seconds >= 60:
        raise _BadToken(token, "seconds below 60")
    minutes = int(parts[-2])
    if len(parts) == 3 and minutes >= 60:
        raise _BadToken(token, "minutes below 60 after the hours")
    hours = int(parts[0]) if len(parts) == 3 else 0
    return Decimal(hours * 3600 + minutes * 60) + seconds


def _number(token: Token, whole: bool = False) -> Decimal:
    value = Decimal(str(token))
    if value >= MAX_NUMBER:
        raise _BadToken(token, "a number below 10,000,000")
    if whole and value != value.to_integral_value():
        raise _BadToken(token, "a whole number of rounds and reps")
    return value


def _plain(value: Decimal) -> str:
    """A decimal without exponent or trailing zeros: 102.50 -> 102.5, 1E+2 -> 100."""
    return format(value.normalize(), "f")


def format_clock(seconds: Decimal) -> str:
    whole = int(seconds)
    fraction = seconds - whole
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    tail = _plain(fraction)[1:] if fraction else ""  # ".5"
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}{tail}"
    return f"{minutes}:{secs:02d}{tail}"


@dataclass(frozen=True)
class Score:
    score_type: str  # TIME, ROUNDS, REPS, LOAD, CALORIES, DISTANCE, POINTS
    score_value: Decimal | None
    score_secondary: Decimal | None = None
    score_unit: str | None = None  # s, rounds, reps, kg, lb, pood, cal, m, km, mi, ft, pt
    status: str = "finished"  # finished, capped, dnf, dns, wd, none
    division: str | None = None  # rx, rx+, scaled; None when the text does not say
    tiebreak: Decimal | None = None  # seconds
    reps_left: Decimal | None = None  # games notation CAP+N: reps left at the cap (score_value: reps done, once known)

    @property
    def is_rx(self) -> bool | None:
        return None if self.division is None else self.division != "scaled"

    @property
    def is_dnf(self) -> bool:
        """The seed's is_dnf: no score (did not finish, did not start, withdrew, nothing entered)."""
        return self.status in NO_SCORES

    @property
    def capped(self) -> bool:
        return self.status == "capped"

    def format(self, notation: str = "box") -> str:
        """Canonical text in a notation; parse_score(score.format(n), notation=n) == score."""
        _check_notation(notation)
        parts = [self._body(notation)]
        games_scaled = self.division == "scaled" and notation == "games"
        if self.division and not games_scaled:
            parts.append({"rx": "Rx", "rx+": "Rx+", "scaled": "Sc"}[self.division])
        if self.tiebreak is not None:
            parts.append(f"tb {format_clock(self.tiebreak)}")
        if games_scaled:
            parts.append("- s")  # the leaderboards' suffix: always last
        return " ".join(parts)

    def _body(self, notation: str) -> str:
        if self.status in ("dnf", "dns", "wd"):
            return self.status.upper()
        if self.status == "none":
            return "0"
        if self.status == "capped":
            if notation == "games" and self.reps_left is not None:
                return f"CAP+{_plain(self.reps_left)}"
            if self.score_value is None:
                return "CAP"
            return f"CAP +{_plain(self.score_value)}" if notation == "games" else f"CAP+{_plain(self.score_value)}"
        if self.score_type == "TIME":
            return format_clock(self.score_value)
        if self.score_type == "ROUNDS":
            rounds = _plain(self.score_value)
            return f"{rounds} rounds" if self.score_secondary is None else f"{rounds}+{_plain(self.score_secondary)}"
        return f"{_plain(self.score_value)} {self.score_unit}"


def _check_notation(notation: str) -> None:
    if notation not in NOTATIONS:
        raise WodlabError(f"unknown score notation {notation!r}; notations are {', '.join(NOTATIONS)}")


class _ToScore(Transformer):
    """Parse tree -> Score. Markers may come before or after the body, in any order."""

    def start(self, children):
        body = next(c for c in children if isinstance(c, Score))
        changes = {}
        for child in children:
            if isinstance(child, tuple):
                key, value = child
                if key in changes and changes[key] != value:
                    raise ScoreMismatch(f"two different {key}s in one score: {changes[key]} and {value}")
                changes[key] = value
        return replace(body, **changes)

    def marker(self, children):
        return children[0]

    def division(self, children):
        return ("division", {"RX_PLUS": "rx+", "RX": "rx", "SCALED": "scaled"}[children[0].type])

    def tiebreak(self, children):
        return ("tiebreak", _clock_seconds(children[-1]))

    def time(self, children):
        return Score("TIME", _clock_seconds(children[0]), score_unit="s")

    def rounds_reps(self, children):
        numbers = [c for c in children if c.type == "NUMBER"]
        return Score("ROUNDS", _number(numbers[0], whole=True), _number(numbers[1], whole=True), "rounds")

    def rounds_only(self, children):
        return Score("ROUNDS", _number(children[0], whole=True), None, "rounds")

    def amount(self, children):
        number = _number(children[0])
        if len(children) == 1:
            return Score("REPS", number, score_unit="reps")
        score_type, unit = _UNITS[children[1].type]
        return Score(score_type, number, score_unit=unit)

    def capped(self, children):
        number = next((c for c in children if isinstance(c, Token) and c.type == "NUMBER"), None)
        return Score("REPS", None if number is None else _number(number), score_unit="reps", status="capped")

    def dnf(self, _):
        return Score("TIME", None, score_unit="s", status="dnf")

    def dns(self, _):
        return Score("TIME", None, score_unit="s", status="dns")

    def wd(self, _):
        return Score("TIME", None, score_unit="s", status="wd")


@lru_cache(maxsize=1)
def _parser() -> Lark:
    grammar = (files("wodlab.scoring") / "score.lark").read_text(encoding="utf-8")
    return Lark(grammar, parser="lalr", maybe_placeholders=False)


def _syntax_error(text: str, error: UnexpectedInput) -> ScoreSyntaxError:
    expected = getattr(error, "expected", None) or getattr(error, "allowed", None) or set()
    names = sorted({_EXPECTED_NAMES.get(e, e) for e in expected if not e.startswith("_")})
    token = getattr(error, "token", None)
    column = getattr(error, "column", None)
    if getattr(token, "type", None) == "$END" or not isinstance(column, int) or column < 1:
        column = len(text) + 1  # the text stopped too early: point just past it
    return ScoreSyntaxError(text, column, names)


# The shapes most results are written in, read without the grammar: a bare clock ("4:05"), a bare
# number ("185"), rounds+reps ("7+12", "14 + 7", "18 rds 12", "35 rounds + 11 reps"), a load
# ("335 kg", "225lb") and a capped count ("CAP+147", "cap 145"), each optionally followed by a
# division marker ("4:05 Rx"). Each builds exactly the Score the grammar's rule would
# (tests/test_scores.py checks them against the grammar on generated texts); anything else, or any
# doubt, goes to the grammar. A bulk load reads thousands of distinct texts: the grammar takes
# about 100 µs for one, this a few.
_QUICK = re.compile(
    r"^(?:(?P<clock>\d+:\d{1,2}(?::\d{1,2})?(?:\.\d+)?)"
    r"|(?P<number>\d+(?:\.\d+)?)"
    r"|(?P<rounds>\d+)\s*(?:\+|(?:rds?|rounds?)(?:\s*\+)?)\s*(?P<reps>\d+)(?:\s*reps?)?"
    r"|(?P<load>\d+(?:\.\d+)?)\s*(?P<unit>kgs?|lbs?)"
    r"|(?:cap|tc)\s*\+?\s*(?P<cap>\d+))"
    r"(?:\s+(?P<division>rx\+|rx|sc|scaled))?$", re.IGNORECASE)
_QUICK_DIVISIONS = {"rx+": "rx+", "rx": "rx", "sc": "scaled", "scaled": "scaled"}


def _quick_score(text: str) -> Score | None:
    found = _QUICK.match(text)
    if found is None:
        return None
    try:
        if found["clock"]:
            score = Score("TIME", _clock_seconds(found["clock"]), score_unit="s")
        elif found["number"]:
            score = Score("REPS", _number(found["number"]), score_unit="reps")
        elif found["rounds"]:
            score = Score("ROUNDS", _number(found["rounds"], whole=True), _number(found["reps"], whole=True), "rounds")
        elif found["load"]:
            score = Score("LOAD", _number(found["load"]), score_unit=found["unit"][:2].lower())
        else:
            score = Score("REPS", _number(found["cap"]), score_unit="reps", status="capped")
    except _BadToken:
        return None  # the grammar's path says what is wrong, and where
    division = found["division"]
    return score if division is None else replace(score, division=_QUICK_DIVISIONS[division.lower()])


@lru_cache(maxsize=65536)
def _parse_text(text: str) -> Score:
    # Scores repeat (every "DNF", every "7+12"): each distinct text is parsed once.
    quick = _quick_score(text)
    return quick if quick is not None else _grammar_score(text)


def _grammar_score(text: str) -> Score:
    """A score text read by the lark grammar (score.lark)."""
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as error:
        raise _syntax_error(text, error) from None
    try:
        return _ToScore().transform(tree)
    except Exception as error:  # lark wraps transformer errors
        cause = getattr(error, "orig_exc", error)
        if isinstance(cause, _BadToken):
            raise ScoreSyntaxError(text, cause.token.column or 1, [cause.expected]) from None
        if isinstance(cause, WodlabError):
            raise cause from None
        raise


# "10:23 - s": leaderboards' scaled mark, at the end or before the tie-break ("55 reps - s tb 24:00")
_SCALED_SUFFIX = re.compile(r"\s+-\s*s\s*(?=$|tb\b)", re.IGNORECASE)
_NO_SCORE = re.compile(r"^(0|-+|)$")  # "0", "--" or an empty cell: no score entered
_CAP_LEFT = re.compile(r"^(cap|tc)\+(\d+)(?=\s|$)", re.IGNORECASE)  # games: "CAP+24", no space: reps left
_THREE_PART_CLOCK = re.compile(r"^(\d{1,2}):(\d{2}):(\d{2})(?![\d.:])")
MAX_HOURS = 10  # a workout longer than this is a misreading of mm:ss:ff


def parse_score(text: str, wod: Scoring | dict | None = None, notation: str = "box") -> Score:
    """Read a score written in `notation` ("box" or "games"); with its workout (Scoring or compiled
    document), check it against the workout and normalise it. See the module docstring."""
    _check_notation(notation)
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
        score = _parse_text(_hundredths_if_hours_impossible(body, scoring))
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
            raise ScoreMismatch(f"{score.format()!r}: a round of this workout is {_plain(per_round)} reps")
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
        raise ScoreMismatch(f"{score.format()!r}: {_plain(total)} units of work in {format_clock(Decimal(str(scoring.clock_seconds)))} "
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
            raise ScoreMismatch(f"{score.format('games')!r}: {_plain(score.reps_left)} reps left, but the whole workout "
                                f"is {_plain(total)} reps")
        score = replace(score, score_value=total - score.reps_left)
    if total is not None and score.score_value is not None and score.score_value >= total:
        raise ScoreMismatch(f"{score.format()!r}: the whole workout is {_plain(total)} reps")
    return replace(score, status="capped", score_unit="reps")
