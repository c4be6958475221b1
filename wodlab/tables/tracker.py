"""Live events: record them, publish them with PostgreSQL LISTEN/NOTIFY, rank them as they come.

The seed's RealtimeTracker, on wodlab's database. An event is written to realized_events and
announced with pg_notify in the same transaction, so a listener only ever hears of events that
are committed, and a replay of realized_events gives exactly what listeners saw.
"""

from __future__ import annotations

import json
import math
import time
import uuid
from collections.abc import Iterator

import pandas as pd
import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from wodlab.core.errors import WodlabError
from wodlab.core.fields import INT_MAX
from wodlab.core.frames import BOOL, FLOAT, INT, TEXT, conform, typed_frame
from wodlab.store.names import athlete_id
from wodlab.tables.events import EVENT_TYPES, MAX_QUANTITY
from wodlab.workouts.catalog import resolve_movement
from wodlab.workouts.structure import round_volume, total_work, volume

CHANNEL = "wodlab_events"

_INSERT = sa.text("""
    INSERT INTO realized_events (id, session_id, athlete_id, timestamp_offset, movement, quantity_completed,
                                 quantity_unit, event_type, metadata, session_date)
    SELECT :id, :session_id, :athlete_id, :timestamp_offset, :movement, :quantity_completed, :quantity_unit,
           :event_type, CAST(:metadata AS JSONB), ss.session_date  -- the partition key (migration 011)
    FROM scheduled_sessions ss WHERE ss.id = :session_id
""")


class RealtimeTracker:
    """Records one session's events as they happen: `tracker.record_movement_completion(athlete, "thruster", 10)`."""

    def __init__(self, engine: Engine, session_id, start_time: float | None = None):
        self.engine = engine
        self.session_id = uuid.UUID(str(session_id))
        self.start_time = time.monotonic() if start_time is None else start_time  # offsets count from here

    def record_movement_completion(self, athlete_id, movement: str | None, quantity: float | None, unit: str = "reps",
                                   *, event_type: str = "COMPLETE", offset: int | None = None,
                                   metadata: dict | None = None) -> dict:
        """Write the event and publish it; return it as published. `offset` defaults to now - start.

        The athlete is an id or the box's external id. Checked as the events loader checks a file's
        rows: a known event type, a finite quantity >= 0 (required for COMPLETE), an offset >= 0,
        metadata a JSON object; anything else raises WodlabError and nothing is written.
        """
        event_type = _event_type(event_type)
        event = {
            "id": str(uuid.uuid4()),  # live events have no natural key: two identical reps are two events
            "session_id": str(self.session_id),
            "athlete_id": _athlete(athlete_id),
            "timestamp_offset": _offset(int(time.monotonic() - self.start_time) if offset is None else offset),
            "movement": _movement(movement),
            "quantity_completed": _quantity(quantity, event_type),
            "quantity_unit": unit,
            "event_type": event_type,
            "metadata": metadata,
        }
        stored_metadata = _metadata_text(metadata)
        with self.engine.begin() as conn:
            if conn.execute(_INSERT, {**event, "metadata": stored_metadata}).rowcount == 0:
                raise WodlabError(f"no scheduled session {self.session_id}: nothing was recorded")
            # Delivered when the transaction commits, never for a rolled-back event.
            conn.execute(sa.text("SELECT pg_notify(:channel, :payload)"), {"channel": CHANNEL, "payload": _payload(event)})
        return event

    def get_live_leaderboard(self) -> pd.DataFrame:
        """The seed's live leaderboard of this session (sql/queries/live_leaderboard.sql)."""
        from wodlab.store import queries

        return queries.run(self.engine, "live_leaderboard", session_id=self.session_id)


# pg_notify refuses payloads of 8000 bytes or more; an event with big metadata is announced without
# it ("metadata_in_row": true) and listen() reads the metadata back from the stored row.
MAX_PAYLOAD = 7500


def _payload(event: dict) -> str:
    text = json.dumps(event)
    if len(text.encode()) <= MAX_PAYLOAD:
        return text
    return json.dumps({**event, "metadata": None, "metadata_in_row": True})


def _event_type(event_type: str) -> str:
    upper = str(event_type).strip().upper()
    if upper not in EVENT_TYPES:
        raise WodlabError(f"unknown event_type {event_type!r}; use one of {', '.join(EVENT_TYPES)}")
    return upper


def _athlete(athlete) -> str:
    try:
        return str(uuid.UUID(str(athlete)))
    except ValueError:
        return str(athlete_id(str(athlete)))


def _offset(offset) -> int:
    if isinstance(offset, bool) or not isinstance(offset, (int, float)) or offset != offset or not 0 <= offset <= INT_MAX:
        raise WodlabError(f"timestamp_offset {offset!r} must be whole seconds from the session's start, 0 to {INT_MAX:,}")
    return int(offset)


def _movement(movement: str | None) -> str | None:
    try:
        return resolve_movement(movement) if movement else None
    except ValueError as problem:
        raise WodlabError(str(problem)) from None


def _quantity(quantity, event_type: str) -> float | None:
    if quantity is None:
        if event_type == "COMPLETE":
            raise WodlabError("a COMPLETE event needs a quantity")
        return None
    try:
        value = float(quantity)
    except (TypeError, ValueError):
        raise WodlabError(f"quantity {quantity!r} is not a number") from None
    if not math.isfinite(value) or not 0 <= value < MAX_QUANTITY:
        raise WodlabError(f"quantity {quantity!r} must be a finite number, at least 0 and below {MAX_QUANTITY:,}")
    return value


def _metadata_text(metadata) -> str | None:
    if metadata is None:
        return None
    if not isinstance(metadata, dict):
        raise WodlabError(f"metadata must be a dict (a JSON object), got {type(metadata).__name__}")
    try:
        return json.dumps(metadata, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise WodlabError(f"metadata is not JSON: {exc}") from None


def _psycopg_url(engine: Engine) -> str:
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def listen(engine: Engine, session_id=None, timeout: float | None = None, stop_after: int | None = None,
           on_ready=None) -> Iterator[dict]:
    """Yield events as they are recorded (of one session, or all), until `timeout` seconds pass
    without one or `stop_after` events were yielded. `on_ready()` is called once listening."""
    wanted = str(uuid.UUID(str(session_id))) if session_id else None
    yielded = 0
    with psycopg.connect(_psycopg_url(engine), autocommit=True) as conn:
        conn.execute(f"LISTEN {CHANNEL}")
        if on_ready:
            on_ready()
        while stop_after is None or yielded < stop_after:
            # Collected before use: the connection cannot run a query while notifies() waits on it.
            notices = list(conn.notifies(timeout=timeout, stop_after=1))
            if not notices:
                return
            for notice in notices:
                event = json.loads(notice.payload)
                if event.pop("metadata_in_row", False):
                    event["metadata"] = conn.execute("SELECT metadata FROM realized_events WHERE id = %s",
                                                     (event["id"],)).fetchone()[0]
                if wanted is None or event["session_id"] == wanted:
                    yielded += 1
                    yield event


LEADERBOARD_SCHEMA = {"athlete_id": TEXT, "total_reps": FLOAT, "last_update": INT}


def replay(events: list[dict]) -> pd.DataFrame:
    """The live leaderboard computed from events in memory: what the SQL must agree with."""
    done = [e for e in events if e["event_type"] == "COMPLETE"]
    frame = pd.DataFrame(done, columns=["athlete_id", "quantity_completed", "timestamp_offset"])
    table = frame.groupby("athlete_id").agg(total_reps=("quantity_completed", "sum"), last_update=("timestamp_offset", "max"))
    table = table.reset_index().sort_values(["total_reps", "last_update", "athlete_id"], ascending=[False, True, True])
    return conform(table, LEADERBOARD_SCHEMA)


RECONCILE_SCHEMA = {"athlete_id": TEXT, "athlete": TEXT, "score": TEXT, "score_total": FLOAT, "tracked_total": FLOAT,
                    "agrees": BOOL}


def score_total(status: str, score_type: str, value, secondary, blocks: list[dict]) -> float | None:
    """A whiteboard score as units of work of the workout as the athlete did it (None when it has none).

    rounds x that round's work + reps for an AMRAP, the whole workout for a finished time, the reps
    for a capped one; DNF, DNS and other kinds of score carry no total.
    """
    if status in ("dnf", "dns") or pd.isna(value):
        return None
    if status == "capped":
        return float(value)
    if score_type == "ROUNDS":
        return total_work(float(value), None if pd.isna(secondary) else float(secondary), round_volume(blocks))
    if score_type == "TIME" and status == "finished":
        return volume(blocks)
    return None


def reconcile(engine: Engine, session_id) -> pd.DataFrame:
    """Whiteboard against tracker: each athlete's score as total work, next to the events' total.

    Columns RECONCILE_SCHEMA. Disagreements are logging errors to check.
    """
    from wodlab.store import queries
    from wodlab.tables import sessions, wods

    session = uuid.UUID(str(session_id))
    with engine.connect() as conn:
        info = sessions.session_info(conn, session)
        stored = wods.document(conn, info["wod_id"])
    scores = queries.run(engine, "session_scores", session_id=session)
    tracked = queries.run(engine, "live_leaderboard", session_id=session).set_index("athlete_id")["total_reps"]
    rows = []
    for r in scores.itertuples(index=False):
        blocks = stored.resolved(info["track"], None if pd.isna(r.gender) else r.gender)["blocks"]
        total = score_total(r.result_status, r.score_type, r.score_value, r.score_secondary, blocks)
        done = float(tracked.get(r.athlete_id, 0.0))
        rows.append({"athlete_id": r.athlete_id, "athlete": r.athlete, "score": r.score, "score_total": total,
                     "tracked_total": done, "agrees": None if total is None else abs(total - done) < 0.5})
    return typed_frame(rows, RECONCILE_SCHEMA)
