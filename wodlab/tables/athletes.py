"""The athletes table spec: external_id, name[, gender, birth_year] -> athletes.

wodlab keeps a minimal local copy of the box's athletes (migration 002) so that leaderboards can
split by gender and notebooks can show names. An athlete's id is uuid5 of the box's external id.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from wodlab.core.fields import RowProblem, choice, integer, required
from wodlab.load.reading import TableSpec
from wodlab.store.names import athlete_id


def known_ids(conn: Connection) -> set[uuid.UUID]:
    return set(conn.execute(sa.text("SELECT id FROM athletes")).scalars())


def _athlete_row(record: dict, _context) -> tuple:
    external = required(record, "external_id")
    gender = choice(record, "gender", ("M", "F"))
    birth_year = integer(record, "birth_year")
    if birth_year is not None and not 1900 <= birth_year <= 2100:
        raise RowProblem("birth_year", f"{birth_year} is not a plausible birth year")
    return (athlete_id(external), external, required(record, "name"), gender, birth_year)


ATHLETES = TableSpec(
    table="athletes",
    columns=("id", "external_id", "display_name", "gender", "birth_year"),
    required=("external_id", "name"),
    optional=("gender", "birth_year"),
    row=_athlete_row,
    context=lambda conn: None,
    key_names="external_id",
    shown=("display_name", "gender", "birth_year"),
)
