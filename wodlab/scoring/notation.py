"""Score texts read by the lark grammar (score.lark), with a quick path for the common shapes:
the notations of boxes and of competition boards."""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal
from functools import lru_cache
from importlib.resources import files

from lark import Lark, Token, Transformer, UnexpectedInput

from wodlab.core.errors import WodlabError
from wodlab.scoring.values import (
    MAX_NUMBER,
    Score,
    ScoreMismatch,
    ScoreSyntaxError,
)

_UNITS = {  # token type -> (score_type, canonical unit)
    "REPS": ("REPS", "reps"), "LB": ("LOAD", "lb"), "KG": ("LOAD", "kg"), "POOD": ("LOAD", "pood"),
    "CAL": ("CALORIES", "cal"), "METRE": ("DISTANCE", "m"), "KM": ("DISTANCE", "km"),
    "MILE": ("DISTANCE", "mi"), "FOOT": ("DISTANCE", "ft"), "POINT": ("POINTS", "pt"),
}


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


class _BadToken(Exception):
    """Raised inside the transformer; parse_text turns it into a ScoreSyntaxError pointing at the token."""

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
    # cache=True: lark keeps the parser's tables in the temp directory, keyed by the grammar's hash and
    # lark's version; building them took 0.14 s of each new process's first load (a `wodlab load` of a
    # day's results), reading them takes 4 ms. A missing or unreadable cache is rebuilt.
    return Lark(grammar, parser="lalr", maybe_placeholders=False, cache=True)


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
def parse_text(text: str) -> Score:
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
