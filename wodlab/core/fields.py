"""Field readers of the loaders: one input text in, one typed value out, or RowProblem naming the column.

Every row function of a table spec (athletes.py, sessions.py, results.py, events.py) reads its
columns with these, so "is empty", "is not a date" and friends are worded the same everywhere.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation


class RowProblem(Exception):
    """Raised by a row function: what is wrong, and in which column."""

    def __init__(self, column: str, reason: str):
        super().__init__(reason)
        self.column, self.reason = column, reason


def required(record: dict, column: str) -> str:
    value = record.get(column, "").strip()
    if not value:
        raise RowProblem(column, "is empty")
    return value


def optional(record: dict, column: str) -> str | None:
    return record.get(column, "").strip() or None


def parsed(record: dict, column: str, parse, expected: str):
    """The column read by `parse`, None when empty; RowProblem saying what was expected otherwise."""
    text = record.get(column, "").strip()
    if not text:
        return None
    try:
        return parse(text)
    except (ValueError, InvalidOperation):
        raise RowProblem(column, f"{text!r} is not {expected}") from None


def date(record: dict, column: str) -> dt.date:
    required(record, column)
    return parsed(record, column, dt.date.fromisoformat, "a date (YYYY-MM-DD)")


def time_of_day(record: dict, column: str) -> dt.time | None:
    return parsed(record, column, dt.time.fromisoformat, "a time of day (HH:MM)")


def timestamp(record: dict, column: str) -> dt.datetime | None:
    value = parsed(record, column, dt.datetime.fromisoformat, "an ISO timestamp")
    return value if value is None or value.tzinfo else value.replace(tzinfo=dt.UTC)


INT_MAX = 2**31 - 1  # PostgreSQL INT: a bigger number would fail inside COPY, far from its row


def integer(record: dict, column: str, default: int | None = None, low: int | None = None,
            high: int = INT_MAX) -> int | None:
    value = parsed(record, column, int, "a whole number")
    if value is None:
        return default
    if low is not None and value < low:
        raise RowProblem(column, f"{value} is below {low}")
    if value > high:
        raise RowProblem(column, f"{value} is above {high:,}")
    return value


def decimal(record: dict, column: str, low: Decimal | int | None = None, below: Decimal | int | None = None) -> Decimal | None:
    """A finite number (NaN and infinities refused), at least `low` and below `below` when given."""
    value = parsed(record, column, Decimal, "a number")
    if value is None:
        return None
    if not value.is_finite():
        raise RowProblem(column, f"{record[column].strip()!r} is not a finite number")
    if low is not None and value < low:
        raise RowProblem(column, f"{value} is below {low}")
    if below is not None and abs(value) >= below:
        raise RowProblem(column, f"{value} is too large (the column holds numbers below {below:,})")
    return value


def choice(record: dict, column: str, choices: tuple[str, ...], default: str | None = None) -> str | None:
    text = record.get(column, "").strip().upper()
    if not text:
        return default
    if text not in choices:
        raise RowProblem(column, f"{text!r} is not one of {', '.join(choices)}")
    return text
