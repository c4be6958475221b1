"""Athletes, scheduled sessions, results and realized events: validate each row, then bulk load.

Column dictionaries are in the README ("Loading results"). Workouts are referenced by title or
id; athletes by the box's external id; sessions by the natural key (wod, session_date,
session_time, track, location) or by session_id. Every id is derived from the natural key
(wodlab/ids.py), so the same file gives the same ids in every database and loads only once.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections import Counter
from decimal import Decimal, InvalidOperation
from functools import lru_cache

import sqlalchemy as sa

from wodlab.catalog import resolve_movement
from wodlab.ids import stable_id
from wodlab.loading import RowProblem, TableSpec
from wodlab.scores import ScoreMismatch, ScoreSyntaxError, parse_score, rank_key
from wodlab.structure import Scoring

TRACKS = ("RX", "SCALED", "INTERMEDIATE")
GENDER_MODES = ("M", "F", "MIXED")
SESSION_KEY = ("wod", "session_date", "session_time", "track", "location")
EVENT_TYPES = ("COMPLETE", "START", "REST", "FINISH", "NOTE")


# --- ids from natural keys ---------------------------------------------------------------------------

def athlete_id(external_id: str) -> uuid.UUID:
    return stable_id("athlete", external_id.strip())


def session_id(wod_id, date: dt.date, time: dt.time | None, track: str, location: str | None) -> uuid.UUID:
    key = f"{wod_id}|{date.isoformat()}|{time.strftime('%H:%M') if time else ''}|{track}|{location or ''}"
    return stable_id("session", key)


def result_id(session: uuid.UUID, athlete: uuid.UUID) -> uuid.UUID:
    return stable_id("result", f"{session}|{athlete}")


# --- field readers: text in, value out, RowProblem naming the column otherwise ------------------------

def _required(record: dict, column: str) -> str:
    value = record.get(column, "").strip()
    if not value:
        raise RowProblem(column, "is empty")
    return value


def _parsed(record: dict, column: str, parse, expected: str):
    """The column read by `parse`, None when empty; RowProblem saying what was expected otherwise."""
    text = record.get(column, "").strip()
    if not text:
        return None
    try:
        return parse(text)
    except (ValueError, InvalidOperation):
        raise RowProblem(column, f"{text!r} is not {expected}") from None


def _date(record: dict, column: str) -> dt.date:
    _required(record, column)
    return _parsed(record, column, dt.date.fromisoformat, "a date (YYYY-MM-DD)")


def _time(record: dict, column: str) -> dt.time | None:
    return _parsed(record, column, dt.time.fromisoformat, "a time of day (HH:MM)")


def _timestamp(record: dict, column: str) -> dt.datetime | None:
    value = _parsed(record, column, dt.datetime.fromisoformat, "an ISO timestamp")
    return value if value is None or value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def _int(record: dict, column: str, default: int | None = None, low: int | None = None) -> int | None:
    value = _parsed(record, column, int, "a whole number")
    if value is None:
        return default
    if low is not None and value < low:
        raise RowProblem(column, f"{value} is below {low}")
    return value


def _decimal(record: dict, column: str) -> Decimal | None:
    return _parsed(record, column, Decimal, "a number")


def _choice(record: dict, column: str, choices: tuple[str, ...], default: str | None = None) -> str | None:
    text = record.get(column, "").strip().upper()
    if not text:
        return default
    if text not in choices:
        raise RowProblem(column, f"{text!r} is not one of {', '.join(choices)}")
    return text


def _optional(record: dict, column: str) -> str | None:
    return record.get(column, "").strip() or None


# --- athletes --------------------------------------------------------------------------------------------

def _athlete_row(record: dict, _context) -> tuple:
    external = _required(record, "external_id")
    gender = _choice(record, "gender", ("M", "F"))
    birth_year = _int(record, "birth_year")
    if birth_year is not None and not 1900 <= birth_year <= 2100:
        raise RowProblem("birth_year", f"{birth_year} is not a plausible birth year")
    return (athlete_id(external), external, _required(record, "name"), gender, birth_year)


ATHLETES = TableSpec(
    table="athletes",
    columns=("id", "external_id", "display_name", "gender", "birth_year"),
    required=("external_id", "name"),
    optional=("gender", "birth_year"),
    row=_athlete_row,
    context=lambda conn, frame: None,
)


# --- sessions ----------------------------------------------------------------------------------------------

class _Workouts:
    """Workouts by id and by title, and their Scoring, read once per load."""

    def __init__(self, conn):
        rows = conn.execute(sa.text("SELECT id, title FROM wod_definitions")).all()
        self.ids = {str(r.id) for r in rows}
        self.by_title: dict[str, list[str]] = {}
        for r in rows:
            self.by_title.setdefault(r.title.strip().lower(), []).append(str(r.id))
        self._engine = conn.engine
        self._scoring: dict[str, Scoring] = {}

    def resolve(self, reference: str, column: str = "wod") -> str:
        if reference.strip().lower() in self.ids:
            return reference.strip().lower()
        matches = self.by_title.get(reference.strip().lower(), [])
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise RowProblem(column, f"no workout titled {reference!r} (load it first, or give its id)")
        raise RowProblem(column, f"{len(matches)} workouts are titled {reference!r}: give one of their ids {sorted(matches)}")

    def scoring(self, wod_id: str) -> Scoring:
        if wod_id not in self._scoring:
            with self._engine.connect() as conn:
                document = conn.execute(sa.text("SELECT ast_json FROM wod_definitions WHERE id = :id"), {"id": wod_id}).scalar_one()
            self._scoring[wod_id] = Scoring.of(document)
        return self._scoring[wod_id]


def _session_row(record: dict, workouts: _Workouts) -> tuple:
    wod = workouts.resolve(_required(record, "wod"))
    date, time = _date(record, "session_date"), _time(record, "session_time")
    track = _choice(record, "track", TRACKS, "RX")
    location = _optional(record, "location")
    return (
        session_id(wod, date, time, track, location), uuid.UUID(wod), date, time, track,
        _choice(record, "gender_mode", GENDER_MODES, "MIXED"), _int(record, "team_size", 1, low=1), location,
        _optional(record, "coach_notes"), _int(record, "max_participants", None, low=1),
    )


SESSIONS = TableSpec(
    table="scheduled_sessions",
    columns=("id", "wod_definition_id", "session_date", "session_time", "track", "gender_mode", "team_size",
             "location", "coach_notes", "max_participants"),
    required=("wod", "session_date"),
    optional=("session_time", "track", "gender_mode", "team_size", "location", "coach_notes", "max_participants"),
    row=_session_row,
    context=lambda conn, frame: _Workouts(conn),
)


# --- results -------------------------------------------------------------------------------------------------

class _ResultContext:
    """What a result row is checked against: workouts, sessions, athletes; rows seen so far."""

    def __init__(self, conn):
        self.workouts = _Workouts(conn)
        sessions = conn.execute(sa.text("SELECT id, wod_definition_id, track FROM scheduled_sessions")).all()
        self.sessions = {r.id: (str(r.wod_definition_id), r.track) for r in sessions}
        self.athletes = {r.id for r in conn.execute(sa.text("SELECT id FROM athletes"))}
        self.seen: set[tuple] = set()  # (session, athlete) of the results read so far
        self.occurrences: Counter = Counter()  # identical events read so far, to tell them apart

    def session(self, record: dict) -> uuid.UUID:
        if record.get("session_id", "").strip():
            try:
                found = uuid.UUID(record["session_id"].strip())
            except ValueError:
                raise RowProblem("session_id", f"{record['session_id']!r} is not a UUID") from None
        else:
            wod = self.workouts.resolve(_required(record, "wod"))
            found = session_id(wod, _date(record, "session_date"), _time(record, "session_time"),
                               _choice(record, "track", TRACKS, "RX"), _optional(record, "location"))
        if found not in self.sessions:
            column = "session_id" if record.get("session_id", "").strip() else "session_date"
            raise RowProblem(column, "no such scheduled session (load the sessions file first)")
        return found

    def athlete(self, record: dict) -> uuid.UUID:
        external = _required(record, "athlete")
        found = athlete_id(external)
        if found not in self.athletes:
            raise RowProblem("athlete", f"unknown athlete {external!r} (load the athletes file first)")
        return found


@lru_cache(maxsize=200_000)
def _checked_score(text: str, scoring: Scoring):
    return parse_score(text, scoring)


def _result_row(record: dict, ctx: _ResultContext) -> tuple:
    session = ctx.session(record)
    athlete = ctx.athlete(record)
    if (session, athlete) in ctx.seen:
        raise RowProblem("athlete", "a second result for this athlete in this session")
    wod_id, track = ctx.sessions[session]
    scoring = ctx.workouts.scoring(wod_id)
    text = _required(record, "score")
    try:
        score = _checked_score(text, scoring)
    except (ScoreSyntaxError, ScoreMismatch) as problem:
        raise RowProblem("score", str(problem).splitlines()[0]) from None
    ctx.seen.add((session, athlete))
    is_rx = score.is_rx if score.is_rx is not None else track == "RX"  # unmarked: the class's track says
    key = rank_key(score, scoring, is_rx=is_rx)
    return (
        result_id(session, athlete), session, athlete, score.score_type, score.score_value, score.score_secondary,
        score.score_unit, is_rx, score.is_dnf, _optional(record, "notes"), _timestamp(record, "recorded_at"),
        score.format(), score.division, score.status, score.tiebreak, key.tier, key.value,
    )


RESULTS = TableSpec(
    table="athlete_results",
    columns=("id", "session_id", "athlete_id", "score_type", "score_value", "score_secondary", "score_unit", "is_rx",
             "is_dnf", "notes", "recorded_at", "score_text", "division", "result_status", "tiebreak_seconds",
             "rank_tier", "rank_value"),
    required=("athlete", "score"),
    optional=("session_id", *SESSION_KEY, "notes", "recorded_at"),
    row=_result_row,
    context=lambda conn, frame: _ResultContext(conn),
    casts={"recorded_at": "COALESCE(recorded_at, NOW())"},
)


# --- realized events -----------------------------------------------------------------------------------------

def _movement(record: dict) -> str | None:
    text = record.get("movement", "").strip()
    if not text:
        return None
    try:
        return resolve_movement(text)
    except ValueError as problem:
        raise RowProblem("movement", str(problem)) from None


def _metadata(record: dict) -> str | None:
    text = record.get("metadata", "").strip()
    if not text:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RowProblem("metadata", f"not JSON: {exc.msg}") from None
    if not isinstance(value, dict):
        raise RowProblem("metadata", "must be a JSON object")
    return json.dumps(value, sort_keys=True)


def _event_row(record: dict, ctx: _ResultContext) -> tuple:
    session, athlete = ctx.session(record), ctx.athlete(record)
    offset = _int(record, "timestamp_offset", low=0)
    if offset is None:
        raise RowProblem("timestamp_offset", "is empty")
    event_type = _choice(record, "event_type", EVENT_TYPES, "COMPLETE")
    movement, quantity = _movement(record), _decimal(record, "quantity_completed")
    if event_type == "COMPLETE" and quantity is None:
        raise RowProblem("quantity_completed", "a COMPLETE event needs a quantity")
    explicit = _optional(record, "event_id")
    natural = f"{session}|{athlete}|{offset}|{event_type}|{movement}|{quantity}"
    occurrence = ctx.occurrences[natural]  # two identical events in one file are two events
    ctx.occurrences[natural] += 1
    event = stable_id("event", explicit or f"{natural}|{occurrence}")
    return (event, session, athlete, offset, movement, quantity, _optional(record, "quantity_unit"), event_type,
            _metadata(record), _timestamp(record, "recorded_at"))


EVENTS = TableSpec(
    table="realized_events",
    columns=("id", "session_id", "athlete_id", "timestamp_offset", "movement", "quantity_completed", "quantity_unit",
             "event_type", "metadata", "recorded_at"),
    required=("athlete", "timestamp_offset"),
    optional=("session_id", *SESSION_KEY, "movement", "quantity_completed", "quantity_unit", "event_type", "metadata",
              "recorded_at", "event_id"),
    row=_event_row,
    context=lambda conn, frame: _ResultContext(conn),
    casts={"recorded_at": "COALESCE(recorded_at, NOW())"},
)

SPECS = {"athletes": ATHLETES, "sessions": SESSIONS, "results": RESULTS, "events": EVENTS}
