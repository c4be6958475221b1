"""What a score is: its type, value, unit and status, the errors of a score, and how a score is written back."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from wodlab.core.errors import WodlabError

STATUSES = ("finished", "capped", "dnf", "dns", "wd", "none")


NO_SCORES = ("dnf", "dns", "wd", "none")  # a result with no score: below every score on every board


DIVISIONS = ("rx", "rx+", "scaled")


NOTATIONS = ("box", "games")


KG_PER_UNIT = {"kg": Decimal(1), "lb": Decimal("0.45359237"), "pood": Decimal(16)}


METRES_PER_UNIT = {"m": Decimal(1), "km": Decimal(1000), "mi": Decimal("1609.344"), "ft": Decimal("0.3048")}


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


def plain_number(value: Decimal) -> str:
    """A decimal without exponent or trailing zeros: 102.50 -> 102.5, 1E+2 -> 100."""
    return format(value.normalize(), "f")


def format_clock(seconds: Decimal) -> str:
    whole = int(seconds)
    fraction = seconds - whole
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    tail = plain_number(fraction)[1:] if fraction else ""  # ".5"
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
        check_notation(notation)
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
                return f"CAP+{plain_number(self.reps_left)}"
            if self.score_value is None:
                return "CAP"
            return f"CAP +{plain_number(self.score_value)}" if notation == "games" else f"CAP+{plain_number(self.score_value)}"
        if self.score_type == "TIME":
            return format_clock(self.score_value)
        if self.score_type == "ROUNDS":
            rounds = plain_number(self.score_value)
            return f"{rounds} rounds" if self.score_secondary is None else f"{rounds}+{plain_number(self.score_secondary)}"
        return f"{plain_number(self.score_value)} {self.score_unit}"


def check_notation(notation: str) -> None:
    if notation not in NOTATIONS:
        raise WodlabError(f"unknown score notation {notation!r}; notations are {', '.join(NOTATIONS)}")
