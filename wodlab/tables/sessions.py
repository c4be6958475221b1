"""The scheduled_sessions table spec, and how results and events name a session.

A session is named by its natural key (wod, session_date, session_time, track, location) or by
session_id; its id is uuid5 of that key. Workouts are referenced by title or id (wodlab.store.names).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from wodlab.core.fields import RowProblem, choice, date, integer, optional, required, time_of_day
from wodlab.core.ids import stable_id
from wodlab.load.columnar import Distinct
from wodlab.load.reading import TableSpec
from wodlab.store import names
from wodlab.store.names import athlete_id
from wodlab.tables import athletes, wods
from wodlab.workouts.levels import TRACKS
from wodlab.workouts.structure import Scoring

GENDER_MODES = ("M", "F", "MIXED")
SESSION_KEY = ("wod", "session_date", "session_time", "track", "location")


def session_id(wod_id, day: dt.date, time: dt.time | None, track: str, location: str | None) -> uuid.UUID:
    key = f"{wod_id}|{day.isoformat()}|{time.strftime('%H:%M') if time else ''}|{track}|{location or ''}"
    return stable_id("session", key)


def session_info(conn: Connection, session) -> dict:
    """{id, wod_id, track, session_date} of one session; UnknownName naming it when there is none."""
    key = names.resolve_session(conn, session)
    row = conn.execute(sa.text("SELECT id, wod_definition_id, track, session_date FROM scheduled_sessions WHERE id = :id"),
                       {"id": key}).one()
    return {"id": row.id, "wod_id": str(row.wod_definition_id), "track": row.track, "session_date": row.session_date}


_ENSURE = sa.text("""
    INSERT INTO scheduled_sessions (id, wod_definition_id, session_date, track, location)
    VALUES (:id, :wod, :day, :track, :location)
    ON CONFLICT (id) DO NOTHING
""")


def ensure_session(conn: Connection, session: uuid.UUID, wod_id: str, day: dt.date, track: str, location: str) -> None:
    """A session created by another loader (a competition's workout), unless it exists."""
    conn.execute(_ENSURE, {"id": session, "wod": wod_id, "day": day, "track": track, "location": location})


class Workouts(names.Workouts):
    """Workouts by id and by title (the rule of wodlab.store.names), and their Scoring, read once per load
    (in the load's transaction)."""

    def __init__(self, conn: Connection):
        super().__init__(names.titles(conn))
        self._conn = conn
        self._scoring: dict[str, Scoring] = {}

    def resolve(self, reference: str, column: str = "wod") -> str:
        try:
            return super().resolve(reference)
        except names.UnknownName as problem:
            raise RowProblem(column, f"{problem} (load it first, or give its id)") from None

    def scoring(self, wod_id: str) -> Scoring:
        if wod_id not in self._scoring:
            self._scoring[wod_id] = Scoring.of(wods.document(self._conn, wod_id).document)
        return self._scoring[wod_id]

    def preload(self, wod_ids) -> None:
        """Read the Scoring of these workouts now, in one query: the columnar load then checks its
        batches without touching the connection, which is busy writing the batch before."""
        missing = sorted({str(w) for w in wod_ids} - set(self._scoring))
        for stored in wods.documents(self._conn, missing) if missing else []:
            self._scoring[str(stored.id)] = Scoring.of(stored.document)


def verbatim_id(record: dict) -> uuid.UUID | None:
    """An `id` column kept as written (a file exported by `wodlab export`); None when the file has none."""
    text = optional(record, "id")
    if text is None:
        return None
    try:
        return uuid.UUID(text)
    except ValueError:
        raise RowProblem("id", f"{text!r} is not a UUID") from None


def _session_row(record: dict, workouts: Workouts) -> tuple:
    wod = workouts.resolve(required(record, "wod"))
    day, time = date(record, "session_date"), time_of_day(record, "session_time")
    track = choice(record, "track", TRACKS, "RX")
    location = optional(record, "location")
    return (
        verbatim_id(record) or session_id(wod, day, time, track, location), uuid.UUID(wod), day, time, track,
        choice(record, "gender_mode", GENDER_MODES, "MIXED"), integer(record, "team_size", 1, low=1), location,
        optional(record, "coach_notes"), integer(record, "max_participants", None, low=1),
    )


SESSIONS = TableSpec(
    table="scheduled_sessions",
    columns=("id", "wod_definition_id", "session_date", "session_time", "track", "gender_mode", "team_size",
             "location", "coach_notes", "max_participants"),
    required=("wod", "session_date"),
    optional=("id", "session_time", "track", "gender_mode", "team_size", "location", "coach_notes", "max_participants"),
    row=_session_row,
    context=lambda conn: Workouts(conn),
    key_names="session (wod, session_date, session_time, track, location)",
)


SESSION_FIELDS = ("session_id", *SESSION_KEY)
MAX_REMEMBERED = 100_000  # distinct scores a load keeps checked (about 100 MB); see SessionRefs.once


@dataclass(frozen=True)
class Whereabouts:
    """Where each row of a columnar batch happened: the batch's distinct sessions and athletes (Distinct) and
    the id of each, with the row-by-row columns a table stores from them."""

    sessions: Distinct
    athletes: Distinct
    session_ids: list[uuid.UUID]
    athlete_ids: list[uuid.UUID]
    dates: dict  # every session's date (SessionRefs.dates)

    def session_text(self) -> np.ndarray:
        return np.array([str(s) for s in self.session_ids], dtype=object)[self.sessions.codes]

    def athlete_text(self) -> np.ndarray:
        return np.array([str(a) for a in self.athlete_ids], dtype=object)[self.athletes.codes]

    def session_dates(self) -> pa.Array:
        """Each row's session date, the partition key (a CSV cell)."""
        return self.sessions.spread([self.dates[s].isoformat() for s in self.session_ids])


class SessionRefs:
    """What a result or event row is checked against: workouts, sessions, athletes (read once per load).

    A file names the same session and the same athlete on many rows: each distinct reference is
    resolved once (its answer, or its problem, is remembered).
    """

    def __init__(self, conn: Connection):
        self.workouts = Workouts(conn)
        rows = conn.execute(sa.text("SELECT id, wod_definition_id, track, session_date FROM scheduled_sessions")).all()
        self.sessions = {r.id: (str(r.wod_definition_id), r.track) for r in rows}
        self.dates = {r.id: r.session_date for r in rows}  # the partition key results and events carry
        self.athletes = athletes.known_ids(conn)
        self._resolved: dict[tuple, object] = {}
        self._many: dict[tuple, object] = {}

    def session(self, record: dict) -> uuid.UUID:
        return self.once(("session", *(record.get(f, "") for f in SESSION_FIELDS)), lambda: self._session(record))

    def athlete(self, record: dict) -> uuid.UUID:
        return self.once(("athlete", record.get("athlete", "")), lambda: self._athlete(record))

    def once(self, key: tuple, resolve, *, many: bool = False):
        """resolve() the first time `key` is asked for; its answer, or its RowProblem, every time after.

        many=True for values that can be as many as the rows (scores): those are kept up to
        MAX_REMEMBERED, then forgotten all at once, so a load's memory stays bounded whatever the
        file's size (the common values come straight back)."""
        store = self._many if many else self._resolved
        if key not in store:
            if many and len(store) >= MAX_REMEMBERED:
                store.clear()
            try:
                store[key] = resolve()
            except RowProblem as problem:
                store[key] = problem
        found = store[key]
        if isinstance(found, RowProblem):
            raise RowProblem(found.column, found.reason)
        return found

    def each_once(self, keys: list[tuple], resolve) -> list:
        """once(key, lambda: resolve(*key), many=True) of each key, in order; the remembered ones are looked up
        inline (a batch asks for thousands, most remembered)."""
        store, out = self._many, []
        for key in keys:
            found = store.get(key)
            if found is None:
                found = self.once(key, lambda key=key: resolve(*key), many=True)
            elif isinstance(found, RowProblem):
                raise RowProblem(found.column, found.reason)
            out.append(found)
        return out

    def who_and_where(self, batch: dict) -> Whereabouts:
        """A columnar batch's sessions and athletes (wodlab.load.columnar), each distinct one resolved once;
        RowProblem at the first bad one."""
        sessions, athletes = Distinct(*(batch[f] for f in SESSION_FIELDS)), Distinct(batch["athlete"])
        session_ids = [self.session(dict(zip(SESSION_FIELDS, cells)))
                       for cells in zip(*(sessions.values(i) for i in range(len(SESSION_FIELDS))))]
        athlete_ids = [self.athlete({"athlete": name}) for name in athletes.values()]
        return Whereabouts(sessions, athletes, session_ids, athlete_ids, self.dates)

    def _session(self, record: dict) -> uuid.UUID:
        if record.get("session_id", "").strip():
            try:
                found = uuid.UUID(record["session_id"].strip())
            except ValueError:
                raise RowProblem("session_id", f"{record['session_id']!r} is not a UUID") from None
        else:
            wod = self.workouts.resolve(required(record, "wod"))
            found = session_id(wod, date(record, "session_date"), time_of_day(record, "session_time"),
                               choice(record, "track", TRACKS, "RX"), optional(record, "location"))
        if found not in self.sessions:
            column = "session_id" if record.get("session_id", "").strip() else "session_date"
            raise RowProblem(column, "no such scheduled session (load the sessions file first)")
        return found

    def _athlete(self, record: dict) -> uuid.UUID:
        external = required(record, "athlete")
        found = athlete_id(external)
        if found not in self.athletes:
            raise RowProblem("athlete", f"unknown athlete {external!r} (load the athletes file first)")
        return found
