"""Typed rows into a table: month partitions made, COPY (binary where the types allow), stored rows compared."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from sqlalchemy.engine import Connection

from wodlab.load.reading import TableSpec
from wodlab.load.report import Conflict


@dataclass
class Written:
    inserted: int
    unchanged: int
    updated: list  # ids updated
    conflicts: list  # (id, old row, new row) of stored rows the file would change


def copy_insert(conn: Connection, spec: TableSpec, rows: list[tuple], *, update: bool = False, source: str = "") -> Written:
    """COPY rows into a temporary table, compare them with what is stored, then write.

    New ids are inserted in id order (concurrent loads of the same rows then lock them in the same
    order). Ids stored with other values are conflicts: returned untouched, or with update=True,
    updated after their stored values are copied to load_history.
    """
    raw = conn.connection.driver_connection  # the psycopg connection, inside SQLAlchemy's transaction
    if spec.monthly:
        position = spec.columns.index(spec.monthly)
        make_month_partitions(raw, spec.table, {row[position] for row in rows})
    if rows and _copy_straight(raw, spec, rows):
        return Written(len(rows), 0, [], [])
    staging = f"staging_{spec.table}"
    columns = ", ".join(spec.columns)
    selected = ", ".join(spec.casts.get(c, c) for c in spec.columns)
    differs = (f"ROW({', '.join('s.' + c for c in spec.compared)}) IS DISTINCT FROM "
               f"ROW({', '.join('t.' + c for c in spec.compared)})")
    with raw.cursor() as cur:
        cur.execute(f"CREATE TEMP TABLE {staging} (LIKE {spec.table} INCLUDING DEFAULTS) ON COMMIT DROP")
        with cur.copy(f"COPY {staging} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        # the planner's guess for an unanalysed temporary table is hundreds of rows: it then hashes the
        # whole stored table (every month of results) to compare one corrected row (150 ms at 287k
        # results, three times); with the staging's true size it probes the id index
        cur.execute(f"ANALYZE {staging}")
        cur.execute(f"SELECT s.id, to_jsonb(t), to_jsonb(s) FROM {staging} s JOIN {spec.table} t ON t.id = s.id "
                    f"WHERE {differs} ORDER BY s.id")
        conflicts = cur.fetchall()
        updated = []
        if conflicts and update:
            cur.execute(f"INSERT INTO load_history (table_name, row_id, old_row, new_row, source) "
                        f"SELECT %s, s.id, to_jsonb(t), to_jsonb(s), %s FROM {staging} s JOIN {spec.table} t ON t.id = s.id "
                        f"WHERE {differs} ORDER BY s.id", (spec.table, source))
            assignments = ", ".join(f"{c} = s.{c}" for c in spec.compared)
            cur.execute(f"UPDATE {spec.table} t SET {assignments} FROM {staging} s WHERE t.id = s.id AND {differs}")
            updated = [c[0] for c in conflicts]
            conflicts = []
        if conflicts:
            cur.execute(f"DROP TABLE {staging}")
            return Written(0, 0, [], conflicts)
        cur.execute(f"INSERT INTO {spec.table} ({columns}) SELECT {selected} FROM {staging} ORDER BY id ON CONFLICT DO NOTHING")
        inserted = cur.rowcount
        cur.execute(f"DROP TABLE {staging}")
    return Written(inserted, len(rows) - inserted - len(updated), updated, [])


def make_month_partitions(raw, table: str, days: set) -> None:
    """The month partitions of these days, made when missing (wodlab_month_partition, migration 011)."""
    with raw.cursor() as cur:
        for month in sorted({day.replace(day=1) for day in days}):
            cur.execute("SELECT wodlab_month_partition(%s, %s)", (table, month))


_BINARY_AS = {"bpchar": "text"}  # char(n) takes text's binary form


_TEXT_ONLY = {"json", "jsonb"}  # our rows carry JSON as text, which binary jsonb does not take


def _binary_types(cur, spec: TableSpec) -> list[str] | None:
    """Each column's type, for binary COPY; None when a column is better sent as text."""
    cur.execute("SELECT a.attname, t.typname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
                "WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped", (spec.table,))
    found = dict(cur.fetchall())
    types = [found[c] for c in spec.columns]
    if _TEXT_ONLY & set(types):
        return None
    return [_BINARY_AS.get(t, t) for t in types]


def _copy_straight(raw, spec: TableSpec, rows: list[tuple]) -> bool:
    """COPY the rows straight into the table, in id order, when none of their ids is stored yet: the
    common case of a first load, which then skips the staging table and the comparison (half the
    writing). A stored id makes COPY fail on the primary key: the savepoint takes every row back,
    and the caller goes the staging way, which compares and reports. True when the rows are in."""
    if any(expression != f"COALESCE({column}, NOW())" for column, expression in spec.casts.items()):
        return False  # a default this path cannot apply itself
    defaulted = {spec.columns.index(column) for column in spec.casts}
    with raw.cursor() as cur:
        cur.execute("SAVEPOINT straight_copy")
        try:
            now = cur.execute("SELECT NOW()").fetchone()[0]  # what COALESCE(column, NOW()) would give
            types = _binary_types(cur, spec)  # binary: no text rendering of UUIDs, decimals and times
            options = " (FORMAT BINARY)" if types else ""
            with cur.copy(f"COPY {spec.table} ({', '.join(spec.columns)}) FROM STDIN{options}") as copy:
                if types:
                    copy.set_types(types)
                for row in sorted(rows, key=lambda r: r[0]):  # id order: concurrent loads lock alike
                    if defaulted and any(row[i] is None for i in defaulted):
                        row = tuple(now if i in defaulted and v is None else v for i, v in enumerate(row))
                    copy.write_row(row)
        except psycopg.errors.UniqueViolation:
            cur.execute("ROLLBACK TO SAVEPOINT straight_copy")
            return False
        cur.execute("RELEASE SAVEPOINT straight_copy")
    return True


def conflicts_of(spec: TableSpec, found: list, rows: list, good: list) -> list[Conflict]:
    """Conflicts in the order of the file, each with the row label it came from."""
    position = {r[0]: i for i, r in enumerate(good)}
    out = []
    order = [*spec.shown, *(c for c in spec.compared if c not in spec.shown)]
    for row_id, old, new in sorted(found, key=lambda f: position[f[0]]):
        changes = {c: (old.get(c), new.get(c)) for c in order if old.get(c) != new.get(c)}
        out.append(Conflict(rows[position[row_id]], str(row_id), changes))
    return out
