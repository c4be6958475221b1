"""The realized_events table spec: events of a finished session, from a CSV or JSON Lines file.

Live events are recorded one by one by wodlab.tables.tracker; this loads a file of them at once. An
event's id is uuid5 of its natural key (or of its own event_id column when the file has one), so
loading the file twice adds nothing, while two identical events in one file stay two events. An
`id` column (a file written by `wodlab export`) is kept verbatim.
"""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pandas as pd
import pyarrow as pa

from wodlab.core.fields import RowProblem, choice, decimal, integer, optional, timestamp
from wodlab.core.ids import stable_id, stable_id_texts
from wodlab.load.columnar import read_distinct
from wodlab.load.reading import TableSpec
from wodlab.tables.sessions import SESSION_KEY, SessionRefs, verbatim_id
from wodlab.workouts.catalog import resolve_movement

EVENT_TYPES = ("COMPLETE", "START", "REST", "FINISH", "NOTE")
MAX_QUANTITY = 10**8  # quantity_completed is DECIMAL(10,2)


class EventRefs(SessionRefs):
    """SessionRefs, plus how many times each identical event was read so far (to tell them apart)."""

    def __init__(self, conn):
        super().__init__(conn)
        self.occurrences: Counter = Counter()
        # the columnar path's count of each natural key, by a 64-bit hash of it: an int a key, where
        # the texts of millions of events would take gigabytes
        self._hashed: dict[int, int] = {}

    def occurrences_of(self, natural: list[str]) -> list[int]:
        """How many times each key was read before it (earlier batches, then earlier rows of this one)."""
        seen, out = self._hashed, []
        for key in pd.util.hash_array(np.array(natural, dtype=object)).tolist():
            count = seen.get(key, 0)
            out.append(count)
            seen[key] = count + 1
        return out


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


def _columnar(batch: dict, refs: EventRefs) -> pa.Table | None:
    """A batch of a file with no problem as EVENTS.columns (wodlab.load.columnar), each distinct cell read once
    by the row path's readers; None at any problem (the row path then names the rows)."""
    try:
        where = refs.who_and_where(batch)
        offsets, offset_of = read_distinct(batch, "timestamp_offset",
                                           lambda r: integer(r, "timestamp_offset", low=0))
        types, type_of = read_distinct(batch, "event_type", lambda r: choice(r, "event_type", EVENT_TYPES, "COMPLETE"))
        movements, movement_of = read_distinct(batch, "movement", _movement)
        quantities, quantity_of = read_distinct(batch, "quantity_completed",
                                                lambda r: decimal(r, "quantity_completed", low=0, below=MAX_QUANTITY))
        explicit, explicit_of = read_distinct(batch, "event_id", lambda r: optional(r, "event_id"))
        verbatim, verbatim_of = read_distinct(batch, "id", verbatim_id)
        metadata, metadata_of = read_distinct(batch, "metadata", _metadata)
        stamps, stamp_of = read_distinct(batch, "recorded_at", lambda r: timestamp(r, "recorded_at"))
        units, unit_of = read_distinct(batch, "quantity_unit", lambda r: optional(r, "quantity_unit"))
    except RowProblem:
        return None
    if None in offset_of:
        return None  # an empty offset
    complete = np.array([t == "COMPLETE" for t in type_of])[types.codes]
    if (complete & np.array([q is None for q in quantity_of])[quantities.codes]).any():
        return None  # a COMPLETE event without its quantity
    session_text, athlete_text = where.session_text(), where.athlete_text()
    natural = [f"{s}|{a}|{o}|{t}|{m}|{q}" for s, a, o, t, m, q in zip(
        session_text, athlete_text, _texts(offset_of)[offsets.codes], _texts(type_of)[types.codes],
        _texts(movement_of)[movements.codes], _texts(quantity_of)[quantities.codes])]
    occurrence = refs.occurrences_of(natural)
    keys = [explicit_of[e] or f"{n}|{k}" for e, n, k in zip(explicit.codes, natural, occurrence)]
    ids = [str(verbatim_of[v] or "") or made for v, made in zip(verbatim.codes, stable_id_texts("event", keys))]
    return pa.table({
        "id": pa.array(ids, pa.string()), "session_id": pa.array(session_text, pa.string()),
        "athlete_id": pa.array(athlete_text, pa.string()), "timestamp_offset": offsets.spread(offset_of),
        "movement": movements.spread(movement_of), "quantity_completed": quantities.spread(quantity_of),
        "quantity_unit": units.spread(unit_of),
        "event_type": types.spread(type_of), "metadata": metadata.spread(metadata_of),
        "recorded_at": stamps.spread([None if v is None else v.isoformat() for v in stamp_of]),
        "session_date": where.session_dates(),
    })


def _texts(values: list) -> np.ndarray:
    """str() of each value (None as 'None', as the natural key writes it), as an array to index."""
    return np.array([str(v) for v in values], dtype=object)


EVENTS = TableSpec(
    table="realized_events",
    columns=("id", "session_id", "athlete_id", "timestamp_offset", "movement", "quantity_completed", "quantity_unit",
             "event_type", "metadata", "recorded_at", "session_date"),
    required=("athlete", "timestamp_offset"),
    optional=("session_id", *SESSION_KEY, "movement", "quantity_completed", "quantity_unit", "event_type", "metadata",
              "recorded_at", "event_id", "id"),
    row=_event_row,
    context=lambda conn: EventRefs(conn),
    casts={"recorded_at": "COALESCE(recorded_at, NOW())"},
    key_names="event_id",
    columnar=_columnar,
    monthly="session_date",
)
