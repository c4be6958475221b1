"""Scores as coaches write them: parse (lark grammar score.lark), format, check, rank.

A Score holds the seed's athlete_results columns (score_type, score_value, score_secondary,
score_unit, is_rx, is_dnf) plus what the whiteboard says besides: the division (Rx, Rx+, scaled),
the status (finished, capped, DNF, DNS) and a tie-break time.

Conventions (also in the README):
- a bare number is reps; `CAP+12`, `cap 12`, `TC + 12 reps` mean capped with 12 reps done;
- `7 rounds` alone has no reps part (score_secondary None); `7+0` has 0;
- times are seconds; loads, distances and calories keep the unit written.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from functools import lru_cache
from importlib.resources import files

from lark import Lark, Token, Transformer, UnexpectedInput

from wodlab.errors import WodlabError
from wodlab.structure import Scoring, total_work

STATUSES = ("finished", "capped", "dnf", "dns")
DIVISIONS = ("rx", "rx+", "scaled")

_UNITS = {  # token type -> (score_type, canonical unit)
    "REPS": ("REPS", "reps"), "LB": ("LOAD", "lb"), "KG": ("LOAD", "kg"), "POOD": ("LOAD", "pood"),
    "CAL": ("CALORIES", "cal"), "METRE": ("DISTANCE", "m"), "KM": ("DISTANCE", "km"),
    "MILE": ("DISTANCE", "mi"), "FOOT": ("DISTANCE", "ft"),
}
KG_PER_UNIT = {"kg": Decimal(1), "lb": Decimal("0.45359237"), "pood": Decimal(16)}
METRES_PER_UNIT = {"m": Decimal(1), "km": Decimal(1000), "mi": Decimal("1609.344"), "ft": Decimal("0.3048")}

# Human names of the grammar's terminals, for "expected ..." in error messages.
_EXPECTED_NAMES = {
    "CLOCK": "a time (4:32)", "NUMBER": "a number", "ROUNDS": "'rounds'", "REPS": "'reps'",
    "LB": "'lb'", "KG": "'kg'", "POOD": "'pood'", "CAL": "'cal'", "METRE": "'m'", "KM": "'km'",
    "MILE": "'mi'", "FOOT": "'ft'", "CAP": "'CAP'", "DNF": "'DNF'", "DNS": "'DNS'", "RX": "'Rx'",
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
    score_type: str  # TIME, ROUNDS, REPS, LOAD, CALORIES, DISTANCE
    score_value: Decimal | None
    score_secondary: Decimal | None = None
    score_unit: str | None = None  # s, rounds, reps, kg, lb, pood, cal, m, km, mi, ft
    status: str = "finished"  # finished, capped, dnf, dns
    division: str | None = None  # rx, rx+, scaled; None when the text does not say
    tiebreak: Decimal | None = None  # seconds

    @property
    def is_rx(self) -> bool | None:
        return None if self.division is None else self.division != "scaled"

    @property
    def is_dnf(self) -> bool:
        return self.status in ("dnf", "dns")

    @property
    def capped(self) -> bool:
        return self.status == "capped"

    def format(self) -> str:
        """Canonical text; parse_score(score.format()) == score."""
        if self.status == "dnf":
            body = "DNF"
        elif self.status == "dns":
            body = "DNS"
        elif self.status == "capped":
            body = f"CAP+{_plain(self.score_value)}"
        elif self.score_type == "TIME":
            body = format_clock(self.score_value)
        elif self.score_type == "ROUNDS":
            rounds = _plain(self.score_value)
            body = f"{rounds} rounds" if self.score_secondary is None else f"{rounds}+{_plain(self.score_secondary)}"
        else:
            body = f"{_plain(self.score_value)} {self.score_unit}"
        parts = [body]
        if self.division:
            parts.append({"rx": "Rx", "rx+": "Rx+", "scaled": "Sc"}[self.division])
        if self.tiebreak is not None:
            parts.append(f"tb {format_clock(self.tiebreak)}")
        return " ".join(parts)


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
        number = next(c for c in children if isinstance(c, Token) and c.type == "NUMBER")
        return Score("REPS", _number(number), score_unit="reps", status="capped")

    def dnf(self, _):
        return Score("TIME", None, score_unit="s", status="dnf")

    def dns(self, _):
        return Score("TIME", None, score_unit="s", status="dns")


@lru_cache(maxsize=1)
def _parser() -> Lark:
    grammar = (files("wodlab") / "score.lark").read_text(encoding="utf-8")
    return Lark(grammar, parser="lalr", maybe_placeholders=False)


def _syntax_error(text: str, error: UnexpectedInput) -> ScoreSyntaxError:
    expected = getattr(error, "expected", None) or getattr(error, "allowed", None) or set()
    names = sorted({_EXPECTED_NAMES.get(e, e) for e in expected if not e.startswith("_")})
    token = getattr(error, "token", None)
    column = getattr(error, "column", None)
    if getattr(token, "type", None) == "$END" or not isinstance(column, int) or column < 1:
        column = len(text) + 1  # the text stopped too early: point just past it
    return ScoreSyntaxError(text, column, names)


@lru_cache(maxsize=65536)
def _parse_text(text: str) -> Score:
    # Scores repeat (every "DNF", every "7+12"): each distinct text is parsed once.
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


def parse_score(text: str, wod: Scoring | dict | None = None) -> Score:
    """Read a score; with its workout (Scoring or compiled document), check and normalise it."""
    if not isinstance(text, str) or not text.strip():
        raise ScoreSyntaxError(str(text), 1, ["a score"])
    score = _parse_text(text.strip())
    if wod is None:
        return score
    return check_score(score, wod if isinstance(wod, Scoring) else Scoring.of(wod))


def _rounds_to_total(score: Score, per_round: float) -> Decimal:
    return total_work(score.score_value, score.score_secondary, Decimal(str(per_round)))


def check_score(score: Score, scoring: Scoring) -> Score:
    """The score as this workout scores it, or ScoreMismatch saying why it cannot be one."""
    kind, per_round = scoring.kind, Decimal(str(scoring.reps_per_round))
    if score.status in ("dnf", "dns"):
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
    if scoring.total_reps and score.score_value >= Decimal(str(scoring.total_reps)):
        raise ScoreMismatch(f"{score.format()!r}: the whole workout is {_plain(Decimal(str(scoring.total_reps)))} reps")
    return replace(score, status="capped", score_unit="reps")


@dataclass(frozen=True, order=True)
class RankKey:
    """Sorts ascending from best to worst: (tier, value, tie-break).

    tier: 0 finished, 1 capped, 2 DNF, 3 DNS; plus 4 when the score is not Rx (every Rx score
    ranks ahead of every scaled one, as on CrossFit leaderboards).
    value: seconds for a time; minus the amount for everything else (more is better), with
    rounds+reps as total reps using the workout's reps per round, loads in kg, distances in m.
    tiebreak: seconds, missing ones last.
    """

    tier: int
    value: Decimal
    tiebreak: Decimal


_NO_TIEBREAK = Decimal("1e9")


def rank_key(score: Score, scoring: Scoring | None = None, is_rx: bool | None = None) -> RankKey:
    """The one ordering of results: every leaderboard and percentile sorts by it.

    is_rx: what to assume when the score itself does not say (the class's track); unknown is Rx.
    """
    rx = score.is_rx if score.is_rx is not None else is_rx
    tier = STATUSES.index(score.status) + (4 if rx is False else 0)
    tiebreak = score.tiebreak if score.tiebreak is not None else _NO_TIEBREAK
    if score.status in ("dnf", "dns") or score.score_value is None:
        return RankKey(tier, Decimal(0), tiebreak)
    if score.score_type == "TIME" and score.status == "finished":
        return RankKey(tier, score.score_value, tiebreak)
    amount = score.score_value
    if score.score_type == "ROUNDS":
        per_round = scoring.reps_per_round if scoring and scoring.reps_per_round else 10_000  # lexicographic
        amount = _rounds_to_total(score, per_round)
    elif score.score_type == "LOAD":
        amount = score.score_value * KG_PER_UNIT[score.score_unit]
    elif score.score_type == "DISTANCE":
        amount = score.score_value * METRES_PER_UNIT[score.score_unit]
    return RankKey(tier, -amount, tiebreak)


def personal_records(history):
    """True for each result that beats every earlier one of the athlete on the same workout and level.

    `history` is lab.athlete_history(...): it carries the stored rank key (rank_tier, rank_value,
    tiebreak_seconds), so a PR is judged by the same ordering as every leaderboard. A first result
    on a workout sets the mark to beat; it is not a PR. Returns a boolean Series on history's index.
    """
    import pandas as pd

    best: dict = {}
    flags = []
    ordered = history.sort_values(["session_date"], kind="stable")
    for row in ordered.itertuples():
        key = (row.rank_tier, row.rank_value, _NO_TIEBREAK if pd.isna(row.tiebreak_seconds) else row.tiebreak_seconds)
        group = (row.wod_id, bool(row.is_rx))
        counts = row.result_status in ("finished", "capped")
        is_record = counts and group in best and key < best[group]
        if counts and (group not in best or key < best[group]):
            best[group] = key
        flags.append(is_record)
    return pd.Series(flags, index=ordered.index).reindex(history.index)
