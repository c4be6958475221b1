"""The realized_events table spec: events of a finished session, from a CSV or JSON Lines file.

Live events are recorded one by one by wodlab.tracker; this loads a file of them at once. An
event's id is uuid5 of its natural key (or of its own event_id column when the file has one), so
loading the file twice adds nothing, while two identical events in one file stay two events. An
`id` column (a file written by `wodlab export`) is kept verbatim.
"""

from __future__ import annotations

import json
from collections import Counter

from wodlab.catalog import resolve_movement
from wodlab.fields import RowProblem, choice, decimal, integer, optional, timestamp
from wodlab.ids import stable_id
from wodlab.loading import TableSpec
from wodlab.sessions import SESSION_KEY, SessionRefs, verbatim_id

EVENT_TYPES = ("COMPLETE", "START", "REST", "FINISH", "NOTE")
MAX_QUANTITY = 10**8  # quantity_completed is DECIMAL(10,2)


class EventRefs(SessionRefs):
    """SessionRefs, plus how many times each identical event was read so far (to tell them apart)."""

    def __init__(self, conn):
        super().__init__(conn)
        self.occurrences: Counter = Counter()


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


def _event_row(record: dict, refs: EventRefs) -> tuple:
    session, athlete = refs.session(record), refs.athlete(record)
    offset = integer(record, "timestamp_offset", low=0)
    if offset is None:
        raise RowProblem("timestamp_offset", "is empty")
    event_type = choice(record, "event_type", EVENT_TYPES, "COMPLETE")
    movement, quantity = _movement(record), decimal(record, "quantity_completed", low=0, below=MAX_QUANTITY)
    if event_type == "COMPLETE" and quantity is None:
        raise RowProblem("quantity_completed", "a COMPLETE event needs a quantity")
    explicit = optional(record, "event_id")
    natural = f"{session}|{athlete}|{offset}|{event_type}|{movement}|{quantity}"
    occurrence = refs.occurrences[natural]  # two identical events in one file are two events
    refs.occurrences[natural] += 1
    event = verbatim_id(record) or stable_id("event", explicit or f"{natural}|{occurrence}")
    return (event, session, athlete, offset, movement, quantity, optional(record, "quantity_unit"), event_type,
            _metadata(record), timestamp(record, "recorded_at"), refs.dates[session])


EVENTS = TableSpec(
    table="realized_events",
    columns=("id", "session_id", "athlete_id", "timestamp_offset", "movement", "quantity_completed", "quantity_unit",
             "event_type", "metadata", "recorded_at", "session_date"),
    required=("athlete", "timestamp_offset"),
    optional=("session_id", *SESSION_KEY, "movement", "quantity_completed", "quantity_unit", "event_type", "metadata",
              "recorded_at", "event_id", "id"),
    row=_event_row,
    context=lambda conn, frame: EventRefs(conn),
    casts={"recorded_at": "COALESCE(recorded_at, NOW())"},
    key_names="event_id",
    monthly="session_date",
)
