"""What a caller names, resolved to one stored row: a workout, an athlete, a session, a competition.

One rule per kind of name, used by every reader and loader (the Lab, the documented queries, the
loads of results and boards, merges):

- a workout is its id, or its title in any case; when several titles differ only in case, the one
  written exactly; two workouts with the very same title are ambiguous: give an id;
- an athlete is their id, or the box's external id (the id is uuid5 of it: the same in every database);
- a session is its id; a competition is its name, as written.

An unknown name raises UnknownName (a QueryError) with the closest known names; the loads turn it
into a problem of the row that named it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from wodlab.core.errors import QueryError
from wodlab.core.hints import did_you_mean
from wodlab.core.ids import stable_id


class UnknownName(QueryError):
    """A name that matches no stored row, or several."""


def pick_workout(reference: str, candidates: Iterable[tuple[str, str]]) -> str:
    """The id the reference names among (id, title) candidates (every workout whose id or title, in any case,
    is the reference); UnknownName when none or several fit."""
    text = str(reference).strip()
    candidates = list(candidates)
    by_id = [wod_id for wod_id, _ in candidates if wod_id == text.lower()]
    if by_id:
        return by_id[0]
    titled = [(wod_id, title) for wod_id, title in candidates if title.strip().lower() == text.lower()]
    exact = [wod_id for wod_id, title in titled if title.strip() == text]
    if len(titled) == 1:
        return titled[0][0]
    if len(exact) == 1:
        return exact[0]
    if titled:
        raise UnknownName(f"{len(titled)} workouts are titled {text!r}: give one of their ids "
                          f"({', '.join(sorted(wod_id for wod_id, _ in titled))})")
    raise UnknownName(f"no workout titled {text!r} and no workout with that id")


class Workouts:
    """Every stored workout's (id, title), read once: for a load that resolves many references."""

    def __init__(self, pairs: Iterable[tuple[str, str]]):
        self.pairs = list(pairs)
        self.ids = {wod_id for wod_id, _ in self.pairs}
        self._by_title: dict[str, list[tuple[str, str]]] = {}
        for wod_id, title in self.pairs:
            self._by_title.setdefault(title.strip().lower(), []).append((wod_id, title))

    @classmethod
    def read(cls, conn: Connection) -> Workouts:
        return cls(titles(conn))

    def resolve(self, reference: str) -> str:
        """The workout's id; UnknownName with the closest titles."""
        text = str(reference).strip()
        if text.lower() in self.ids:
            return text.lower()
        titled = self._by_title.get(text.lower(), [])
        try:
            return pick_workout(text, titled)
        except UnknownName as problem:
            if titled:
                raise
            raise UnknownName(f"{problem}{did_you_mean(text, (title for _, title in self.pairs))}") from None

    def find(self, reference: str) -> str | None:
        """The id, or None when the reference names no workout (ambiguous titles still raise)."""
        text = str(reference).strip().lower()
        if text not in self.ids and text not in self._by_title:
            return None
        return self.resolve(reference)


def titles(conn: Connection) -> list[tuple[str, str]]:
    """(id, title) of every stored workout, ordered by title then id."""
    return [(r.id, r.title) for r in conn.execute(sa.text("SELECT id::text AS id, title FROM wod_definitions ORDER BY title, id"))]


def resolve_workout(conn: Connection, reference: str | uuid.UUID) -> str:
    """One workout's id from its id or title (the rule above); reads only the matching rows, by index."""
    text = str(reference).strip()
    rows = conn.execute(sa.text("SELECT id::text AS id, title FROM wod_definitions "
                                "WHERE id::text = lower(:r) OR lower(title) = lower(:r) ORDER BY title, id"), {"r": text})
    candidates = [(r.id, r.title) for r in rows]
    if candidates:
        return pick_workout(text, candidates)
    return Workouts.read(conn).resolve(text)  # raises, with the closest titles


def resolve_athlete(conn: Connection, reference: str | uuid.UUID) -> str:
    """An athlete's id from their id or the box's external id; UnknownName when no such athlete is stored."""
    try:
        key = str(uuid.UUID(str(reference)))
    except ValueError:
        key = str(athlete_id(str(reference)))
    if conn.execute(sa.text("SELECT 1 FROM athletes WHERE id = CAST(:id AS UUID)"), {"id": key}).first() is None:
        raise UnknownName(f"no athlete {reference!r}: load the athletes file first, or check the id or external id")
    return key


def athlete_id(external_id: str) -> uuid.UUID:
    """The id of the athlete the box knows as `external_id`: the same in every database."""
    return stable_id("athlete", external_id.strip())


def resolve_session(conn: Connection, reference: str | uuid.UUID) -> str:
    """A scheduled session's id, checked; UnknownName naming it when there is none."""
    try:
        key = uuid.UUID(str(reference))
    except ValueError:
        raise UnknownName(f"{reference!r} is not a session id (a UUID): see lab.tracked_sessions() or the sessions file") from None
    if conn.execute(sa.text("SELECT 1 FROM scheduled_sessions WHERE id = :id"), {"id": key}).first() is None:
        raise UnknownName(f"no scheduled session {key}: load the sessions file first, or check the id")
    return str(key)


def resolve_competition(conn: Connection, name: str) -> str:
    """A stored competition's name, as given; UnknownName with the closest names."""
    names = list(conn.execute(sa.text("SELECT name FROM competitions ORDER BY name")).scalars())
    if name not in names:
        raise UnknownName(f"no competition {name!r}{did_you_mean(name, names, list_known=True)}")
    return name
