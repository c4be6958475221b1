"""The athletes table spec: external_id, name[, gender, birth_year] -> athletes.

wodlab keeps a minimal local copy of the box's athletes (migration 002) so that leaderboards can
split by gender and notebooks can show names. An athlete's id is uuid5 of the box's external id.
"""

from __future__ import annotations

import uuid

import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from wodlab.core.fields import RowProblem, choice, integer, required
from wodlab.core.ids import stable_id_texts
from wodlab.load.columnar import cell, read_distinct, stripped
from wodlab.load.reading import TableSpec
from wodlab.store.names import athlete_id


def known_ids(conn: Connection) -> set[uuid.UUID]:
    return set(conn.execute(sa.text("SELECT id FROM athletes")).scalars())


def _athlete_row(record: dict, _context) -> tuple:
    external = required(record, "external_id")
    return (athlete_id(external), external, required(record, "name"), _gender(record), _birth_year(record))


def _gender(record: dict) -> str | None:
    return choice(record, "gender", ("M", "F"))


def _birth_year(record: dict) -> int | None:
    birth_year = integer(record, "birth_year")
    if birth_year is not None and not 1900 <= birth_year <= 2100:
        raise RowProblem("birth_year", f"{birth_year} is not a plausible birth year")
    return birth_year


def _columnar(batch: dict, _context) -> pa.Table | None:
    """A batch of a file with no problem as ATHLETES.columns (wodlab.load.columnar): each distinct name, gender
    and birth year read by the row path's readers once, the ids made in bulk. None at any problem or at an
    external id given twice (the row path then names the rows); a stored one makes the COPY decline too."""
    externals = stripped(batch["external_id"]).to_pylist()
    if "" in externals or len(set(externals)) != len(externals):
        return None
    try:
        names, name_of = read_distinct(batch, "name", lambda record: required(record, "name"))
        genders, gender_of = read_distinct(batch, "gender", _gender)
        years, year_of = read_distinct(batch, "birth_year", _birth_year)
    except RowProblem:
        return None
    return pa.table({"id": pa.array(stable_id_texts("athlete", externals), pa.string()),
                     "external_id": pa.array(externals, pa.string()), "display_name": names.spread(name_of),
                     "gender": genders.spread(gender_of), "birth_year": years.spread([cell(y) for y in year_of])})


ATHLETES = TableSpec(
    table="athletes",
    columns=("id", "external_id", "display_name", "gender", "birth_year"),
    required=("external_id", "name"),
    optional=("gender", "birth_year"),
    row=_athlete_row,
    context=lambda conn: None,
    columnar=_columnar,
    key_names="external_id",
    shown=("display_name", "gender", "birth_year"),
)
