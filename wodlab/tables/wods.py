"""WODCraft source -> WodRecord (compile, hash, derived columns) -> wod_definitions, and back.

Compilation is wodcraft's (`wodcraft.api.compile_source`, called by wodlab.workouts.compiler); wodlab only derives the indexed
columns the seed asks for and stores the row. This module is the one reader and writer of the
workout documents (ast_json, compiled_json): every other module asks `documents()` for them, as
StoredWod values, and changes a stored workout through the functions here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from wodlab.tables.wod_records import WodRecord, limits_of
from wodlab.workouts.levels import athlete_version, level_document

# The limits of a batch of workouts in one statement, each found by its source hash (a record: the id it is
# stored under may be another application's) or by its id (a stored workout). One statement, not one per
# workout: an INSERT per workout ran the limits' statement trigger (migration 019) per workout, and a
# folder of 2,000 workouts spent two thirds of its import there.
_LIMITS = """
    INSERT INTO workout_limits AS wl (wod_id, fastest_seconds, most_work, reps_per_round)
    SELECT DISTINCT ON (w.id) w.id, v.fastest_seconds, v.most_work, v.reps_per_round
    FROM unnest(%(hashes)s::text[], %(ids)s::uuid[], %(fastest)s::float8[], %(most)s::float8[], %(rounds)s::float8[])
         AS v(source_hash, id, fastest_seconds, most_work, reps_per_round)
    JOIN wod_definitions w ON w.id = v.id OR w.source_hash = v.source_hash
    ORDER BY w.id
    ON CONFLICT (wod_id) DO UPDATE
        SET fastest_seconds = EXCLUDED.fastest_seconds, most_work = EXCLUDED.most_work, reps_per_round = EXCLUDED.reps_per_round
        WHERE (wl.fastest_seconds, wl.most_work, wl.reps_per_round)
              IS DISTINCT FROM (EXCLUDED.fastest_seconds, EXCLUDED.most_work, EXCLUDED.reps_per_round)
"""


def _write_limits(conn: Connection, records: list) -> None:
    """The limits of workouts just stored (WodRecord) or stored before (StoredWod), in one statement."""
    if not records:
        return
    limits = [r.limits if isinstance(r, WodRecord) else limits_of(r.document) for r in records]
    number = lambda value: None if value is None else float(value)  # noqa: E731 - one array type per column
    conn.connection.driver_connection.execute(_LIMITS, {
        "hashes": [getattr(r, "source_hash", None) for r in records],
        "ids": [None if isinstance(r, WodRecord) else str(r.id) for r in records],
        "fastest": [number(m["fastest_seconds"]) for m in limits], "most": [number(m["most_work"]) for m in limits],
        "rounds": [number(m["reps_per_round"]) for m in limits]})


def fill_missing_limits(conn: Connection) -> int:
    """The limits of scheduled workouts stored before workout_limits existed (or by another application);
    how many were computed. Workouts no session uses need none: no result is checked against them."""
    missing = conn.execute(sa.text(
        "SELECT w.id FROM wod_definitions w WHERE NOT EXISTS (SELECT 1 FROM workout_limits l WHERE l.wod_id = w.id) "
        "AND EXISTS (SELECT 1 FROM scheduled_sessions s WHERE s.wod_definition_id = w.id)")).scalars().all()
    stored = documents(conn, [str(m) for m in missing]) if missing else []
    _write_limits(conn, stored)
    return len(stored)


_COLUMNS = ("id", "title", "dsl_source", "ast_json", "compiled_json", "source_hash", "movements_list", "equipment_list",
            "duration_seconds", "difficulty_score", "difficulty_version", "modality_tags", "wodcraft_version")
_JSON_COLUMNS = {"ast_json", "compiled_json"}


def _insert_sql(placeholder) -> str:
    """The one INSERT of a workout, with each value written by `placeholder(column)` (SQLAlchemy's or psycopg's)."""
    values = ", ".join(f"CAST({placeholder(c)} AS JSONB)" if c in _JSON_COLUMNS else placeholder(c) for c in _COLUMNS)
    return f"INSERT INTO wod_definitions ({', '.join(_COLUMNS)}) VALUES ({values}) ON CONFLICT DO NOTHING RETURNING id"


_INSERT_DRIVER = _insert_sql(lambda column: f"%({column})s")
# Why no conflict target: the id is uuid5(source_hash), so the primary key and UNIQUE(source_hash)
# state one fact. With "ON CONFLICT (source_hash)" only that index arbitrates, and two processes
# racing on the same text make the slower one fail on the primary key instead of doing nothing
# (tests/test_wods.py::test_two_processes_importing_the_same_workout_create_one_row).


def _params(record: WodRecord) -> dict:
    return {c: json.dumps(getattr(record, c)) if c in _JSON_COLUMNS else getattr(record, c) for c in _COLUMNS}


def stored_id(conn: Connection, record: WodRecord) -> str:
    """The id of the row stored under the record's source_hash: its own uuid5, unless another application
    sharing the database stored the same text first under another id (the seed's store_wod_if_new allows it),
    or the text was merged into another workout (wodlab.audit.merge): that workout's id."""
    return stored_ids(conn, [record])[record.source_hash]


def stored_ids(conn: Connection, records: list[WodRecord]) -> dict[str, str]:
    """stored_id of many records at once: {source_hash: id}."""
    hashes = sorted({r.source_hash for r in records})
    found = dict(conn.execute(sa.text("SELECT source_hash, id::text FROM wod_definitions WHERE source_hash = ANY(:h)"),
                              {"h": hashes}).all())
    found.update(merged_into(conn, [h for h in hashes if h not in found]))
    return {r.source_hash: found.get(r.source_hash, str(r.id)) for r in records}


def merged_into(conn: Connection, hashes: list[str]) -> dict[str, str]:
    """{source_hash: the workout a merged-away text now resolves to}, following later merges of that workout."""
    if not hashes:
        return {}
    return dict(conn.execute(sa.text("""
        WITH RECURSIVE chain AS (
            SELECT dropped_row ->> 'source_hash' AS hash, kept_id, 1 AS depth FROM workout_merges
            WHERE undone_at IS NULL AND dropped_row ->> 'source_hash' = ANY(:h)
            UNION ALL
            SELECT c.hash, m.kept_id, c.depth + 1 FROM chain c
            JOIN workout_merges m ON m.dropped_id = c.kept_id AND m.undone_at IS NULL
        )
        SELECT DISTINCT ON (hash) hash, kept_id::text FROM chain ORDER BY hash, depth DESC"""), {"h": hashes}).all())


def insert_record(conn: Connection, record: WodRecord) -> bool:
    """Insert unless a row with the same source_hash exists; True when this call created it.

    ON CONFLICT DO NOTHING makes it race-safe: two processes importing the same text at once create one row,
    and the loser simply finds it there (the id is derived from the hash, so both know it).
    """
    return insert_records(conn, [record])[0]


def insert_records(conn: Connection, records: list[WodRecord]) -> list[bool]:
    """insert_record of each record, in order, sent to the server in one pipeline (psycopg's executemany):
    a round trip for the lot, not one per workout, which was most of an import's storing time."""
    if not records:
        return []
    merged = merged_into(conn, [r.source_hash for r in records])  # a text merged away is not stored again
    if merged:
        kept = [r for r in records if r.source_hash not in merged]
        created = dict(zip((r.source_hash for r in kept), insert_records(conn, kept)))
        return [created.get(r.source_hash, False) for r in records]
    params = [_params(r) for r in records]
    with conn.connection.driver_connection.cursor() as cursor:
        try:
            cursor.executemany(_INSERT_DRIVER, params, returning=True)
        except psycopg.Error as exc:  # as SQLAlchemy would raise it, so callers catch one kind of error
            raise sa.exc.DBAPIError.instance(_INSERT_DRIVER, None, exc, psycopg.Error) from exc
        created = [cursor.fetchone() is not None]
        while cursor.nextset():
            created.append(cursor.fetchone() is not None)
    _write_limits(conn, records)
    return created


# --- reading stored workouts back ----------------------------------------------------------------------


@dataclass(frozen=True)
class StoredWod:
    """A stored workout's documents: what wodcraft compiled, as every module reads it."""

    id: str
    title: str
    source: str  # dsl_source
    document: dict  # ast_json: the workout as written (Rx, men's and women's values)
    versions: dict  # compiled_json: level -> category -> the document resolved by wodcraft, in kg

    def level_document(self, track: str) -> dict:
        return level_document(self.document, self.versions, track)

    def resolved(self, track: str, gender: str | None) -> dict:
        """The version one athlete did: their track's level (Rx when the workout has none) and category."""
        return athlete_version(self.versions, track, gender)


_DOCUMENTS = """
    SELECT id::text AS id, title, dsl_source, ast_json, compiled_json FROM wod_definitions
    {where} ORDER BY title, id
"""


def documents(conn: Connection, ids=None) -> list[StoredWod]:
    """Stored workouts (all, or those of `ids`), ordered by title then id."""
    where = "" if ids is None else "WHERE id::text = ANY(:ids)"
    params = {} if ids is None else {"ids": [str(i) for i in ids]}
    rows = conn.execute(sa.text(_DOCUMENTS.format(where=where)), params).all()
    return [StoredWod(r.id, r.title, r.dsl_source, r.ast_json, r.compiled_json or {}) for r in rows]


def document(conn: Connection, wod_id) -> StoredWod:
    """One stored workout by id; LookupError when there is none."""
    found = documents(conn, [wod_id])
    if not found:
        raise LookupError(f"no workout with id {wod_id}")
    return found[0]


_SET_DIFFICULTY = sa.text("""
    UPDATE wod_definitions SET difficulty_score = :score, difficulty_version = :version, updated_at = NOW()
    WHERE id = CAST(:id AS UUID)
    AND (difficulty_score IS DISTINCT FROM :score OR difficulty_version IS DISTINCT FROM :version)
""")


def lock_for_rescoring(conn: Connection) -> None:
    """One rescoring at a time, and no workout added meanwhile (held until the transaction ends)."""
    conn.execute(sa.text("LOCK TABLE wod_definitions IN SHARE ROW EXCLUSIVE MODE"))


def set_difficulty(conn: Connection, scores: dict[str, int], version: str) -> int:
    """Write difficulty scores (id -> 0-100) of one model version; return how many rows changed."""
    return sum(conn.execute(_SET_DIFFICULTY, {"id": wod_id, "score": score, "version": version}).rowcount
               for wod_id, score in scores.items())


_SET_DURATION = sa.text("""
    UPDATE wod_definitions SET duration_seconds = :seconds, duration_source = :source, updated_at = NOW()
    WHERE id = CAST(:id AS UUID)
    AND (duration_seconds IS DISTINCT FROM :seconds OR duration_source IS DISTINCT FROM :source)
""")


def set_durations(conn: Connection, durations: dict[str, tuple[int, str]]) -> int:
    """Write learned durations (id -> (seconds, 'estimated' or 'observed'); migration 028); how many changed."""
    return sum(conn.execute(_SET_DURATION, {"id": wod_id, "seconds": seconds, "source": source}).rowcount
               for wod_id, (seconds, source) in durations.items())


# --- recompiling after an upgrade (wodlab.tables.rebuild) ------------------------------------------------------

_OUTDATED = """
    SELECT id::text AS id, title, dsl_source, ast_json, compiled_json, movements_list, equipment_list, duration_seconds,
           difficulty_score, difficulty_version, modality_tags, wodcraft_version, duration_source
    FROM wod_definitions
    WHERE wodcraft_version IS DISTINCT FROM :current AND id > CAST(:after AS UUID)
    ORDER BY id {limit} {lock}
"""


def outdated(conn: Connection, current: str, after: str = "00000000-0000-0000-0000-000000000000",
             limit: int | None = None, lock: bool = False) -> list:
    """Stored rows compiled by another wodcraft version than `current`, in id order after `after`; with
    `lock`, locked until the transaction ends (a rebuild's batch: another rebuild waits for it)."""
    sql = _OUTDATED.format(limit="" if limit is None else "LIMIT :limit", lock="FOR UPDATE" if lock else "")
    return conn.execute(sa.text(sql), {"current": current, "after": after, "limit": limit}).all()


REBUILT_COLUMNS = ("title", "ast_json", "compiled_json", "movements_list", "equipment_list", "duration_seconds",
                   "difficulty_score", "difficulty_version", "modality_tags")

_REWRITE = sa.text("""
    UPDATE wod_definitions SET title = :title, ast_json = CAST(:ast_json AS JSONB), compiled_json = CAST(:compiled_json AS JSONB),
        movements_list = :movements_list, equipment_list = :equipment_list,
        duration_seconds = CASE WHEN duration_source = 'wodcraft' THEN :duration_seconds ELSE duration_seconds END,
        difficulty_score = :difficulty_score, difficulty_version = :difficulty_version, modality_tags = :modality_tags,
        wodcraft_version = :wodcraft_version,
        version = COALESCE(version, 1) + CASE WHEN :changed THEN 1 ELSE 0 END,
        updated_at = CASE WHEN :changed THEN NOW() ELSE updated_at END
    WHERE id = CAST(:id AS UUID)
""")


def changed_columns(stored, record: WodRecord) -> list[str]:
    """The derived columns whose recompiled value differs from the stored row's; a learned duration (migration
    028) is not the compiler's to change."""
    learned = stored.duration_source != "wodcraft"
    return [c for c in REBUILT_COLUMNS
            if getattr(stored, c) != getattr(record, c) and not (learned and c == "duration_seconds")]


def rewrite_record(conn: Connection, wod_id: str, record: WodRecord, changed: bool) -> None:
    """Store a recompiled document over its row (same id, same source); `version` + 1 and `updated_at`
    moved when the document changed, only the compiler stamp otherwise."""
    conn.execute(_REWRITE, {
        "id": wod_id, "changed": changed, "wodcraft_version": record.wodcraft_version,
        **{c: getattr(record, c) for c in REBUILT_COLUMNS if c not in ("ast_json", "compiled_json")},
        "ast_json": json.dumps(record.ast_json), "compiled_json": json.dumps(record.compiled_json),
    })
    _write_limits(conn, [record])


def delete_titled(conn: Connection, pattern: str) -> int:
    """Delete the workouts whose title matches a LIKE pattern and that no session uses; how many went
    (the benchmark's timed import, removed after it)."""
    return conn.execute(sa.text("DELETE FROM wod_definitions w WHERE w.title LIKE :p AND NOT EXISTS "
                                "(SELECT 1 FROM scheduled_sessions s WHERE s.wod_definition_id = w.id)"),
                        {"p": pattern}).rowcount


def replicate(conn: Connection, total: int) -> int:
    """Copies of the stored workouts under other titles and hashes (` #n` added), their durations and
    difficulties spread, until `total` workouts are stored; how many are. For benchmarks: a
    federation's library of 100k workouts, as the search indexes see it. Never for a real box."""
    stored = conn.execute(sa.text("SELECT count(*) FROM wod_definitions")).scalar_one()
    if stored >= total or not stored:
        return stored
    conn.execute(sa.text("""
        INSERT INTO wod_definitions (id, title, dsl_source, ast_json, compiled_json, source_hash, movements_list,
            equipment_list, duration_seconds, difficulty_score, modality_tags)
        SELECT gen_random_uuid(), w.title || ' #' || g, w.dsl_source || '// ' || g, w.ast_json, w.compiled_json,
               md5(w.source_hash || g) || md5(g::text || w.source_hash), w.movements_list, w.equipment_list,
               60 + (g * 37 + n) % 3600, (g * 13 + n * 7) % 101, w.modality_tags
        FROM (SELECT *, row_number() OVER (ORDER BY id) AS n FROM wod_definitions) w,
             generate_series(1, CAST(CEIL(CAST(:missing AS float) / :stored) AS int)) AS g
        ORDER BY g, n LIMIT :missing"""), {"missing": total - stored, "stored": stored})
    return total


def remove_merged(conn: Connection, wod_id: str) -> None:
    """Take a workout merged into another out of wod_definitions (wodlab.audit.merge archived it first; its limits go
    with it)."""
    conn.execute(sa.text("DELETE FROM wod_definitions WHERE id = CAST(:w AS UUID)"), {"w": wod_id})


def restore_merged(conn: Connection, row: dict, limits: dict | None) -> None:
    """Put a merged-away workout back exactly as archived (wodlab.audit.merge.undo_merge): the same row, its limits."""
    conn.execute(sa.text("INSERT INTO wod_definitions SELECT * FROM jsonb_populate_record(NULL::wod_definitions, "
                         "CAST(:row AS JSONB))"), {"row": json.dumps(row)})
    if limits:
        conn.execute(sa.text("INSERT INTO workout_limits SELECT * FROM jsonb_populate_record(NULL::workout_limits, "
                             "CAST(:row AS JSONB)) ON CONFLICT (wod_id) DO UPDATE SET fastest_seconds = EXCLUDED.fastest_seconds, "
                             "most_work = EXCLUDED.most_work, reps_per_round = EXCLUDED.reps_per_round"),
                     {"row": json.dumps(limits)})
