"""Programming review: is the box's training balanced, and which workouts would fill the gaps.

- `profile` (profile.py): each session's time domain, modality mix, movement families, loading
  and difficulty, from the stored workouts and the catalog;
- `review` (review.py): the balance rules, each with its threshold (`Targets`), as findings;
- `similar` (similar.py): the distance between two workouts, nearest workouts, suggestions.

The functions here read the database and hand the frames to those modules; `Lab.programming*`,
`Lab.similar_wods`, `Lab.suggest_wods` and `wodlab programming report` call them.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy.engine import Engine

from wodlab.core.errors import QueryError
from wodlab.programming.profile import Programme, WorkoutProfile, profiles_of, programme
from wodlab.programming.review import FINDINGS_SCHEMA, RULES, Targets, findings
from wodlab.programming.similar import SIMILAR_SCHEMA, SUGGEST_SCHEMA, distance, similar, suggest
from wodlab.store import queries

__all__ = ["FINDINGS_SCHEMA", "RULES", "SIMILAR_SCHEMA", "SUGGEST_SCHEMA", "Programme", "Targets", "WorkoutProfile",
           "distance", "period", "programme", "report", "similar_wods", "suggest_wods", "workout_profiles"]


def day(value, name: str) -> dt.date | None:
    """A date from a date, a datetime or 'YYYY-MM-DD'; QueryError naming the parameter otherwise."""
    if value is None:
        return None
    try:
        return pd.Timestamp(value).date()
    except (TypeError, ValueError):
        raise QueryError(f"{name} expects a date (a date or 'YYYY-MM-DD'); got {value!r}") from None


def last_session_date(engine: Engine, track: str | None) -> dt.date | None:
    calendar = queries.run(engine, "programming_sessions", start=None, end=None, track=track)
    return None if calendar.empty else calendar["session_date"].max().date()


def period(engine: Engine, start, end, track: str | None, weeks: int | None = None) -> tuple[dt.date | None, dt.date | None]:
    """The period to review: `end` defaults to the last scheduled session's date (a box that stopped
    logging is still reviewed over its real last weeks); `weeks` sets start to that many weeks back."""
    start, end = day(start, "start"), day(end, "end")
    if weeks is not None:
        if int(weeks) < 1:
            raise QueryError(f"weeks must be at least 1; got {weeks!r}")
        end = end or last_session_date(engine, track)
        start = None if end is None else end - dt.timedelta(days=7 * int(weeks) - 1)
    if start and end and start > end:
        raise QueryError(f"start {start} is after end {end}")
    return start, end


def report(engine: Engine, start, end, track: str | None, targets: Targets | None = None) -> pd.DataFrame:
    """The balance findings of the period, worst first (rules in review.RULES)."""
    reviewed = programme(engine, start, end, track)
    history = programme(engine, None, end, track)
    return findings(reviewed, history, targets)


def workout_profiles(engine: Engine, track: str = "RX") -> list[WorkoutProfile]:
    """Every stored workout, profiled at `track`'s level, ordered by title."""
    stored = queries.run(engine, "search_wods").rename(columns={"id": "wod_id"})
    profiles = profiles_of(engine, {(wod, track) for wod in stored["wod_id"]}, stored)
    return sorted(profiles.values(), key=lambda p: (p.title, p.wod_id))


def similar_wods(engine: Engine, wod_id: str, k: int, track: str = "RX") -> pd.DataFrame:
    """The k stored workouts nearest to the workout `wod_id` (wodlab.store.names resolves a title to it), by
    similar.py's distance, nearest first."""
    profiles = workout_profiles(engine, track)
    target = next(p for p in profiles if p.wod_id == wod_id)
    return similar(target, profiles, k)


def suggest_wods(engine: Engine, start, end, k: int, track: str = "RX", targets: Targets | None = None,
                 recent_weeks: int = 4) -> pd.DataFrame:
    """Stored workouts that would best move the period's mix toward `targets`, none done in the period
    or in the `recent_weeks` before its end."""
    reviewed = programme(engine, start, end, track)
    calendar = queries.run(engine, "programming_sessions", start=None, end=end, track=None)  # dates only
    last_done = calendar.groupby("wod_id")["session_date"].max().to_dict()
    end_day = pd.Timestamp(end) if end else (calendar["session_date"].max() if len(calendar) else None)
    recent_after = None if end_day is None else end_day - pd.Timedelta(weeks=recent_weeks)
    return suggest(reviewed, workout_profiles(engine, track), last_done, recent_after, targets or Targets(), k)
