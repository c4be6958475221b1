"""Merge duplicate workouts for real, and undo a merge exactly.

`merge_workouts(engine, keep, drop)` moves everything hanging off the dropped workout to the kept one,
in one transaction: its sessions, and with them their results, events and competition workouts; the
boards and flags follow (the statements' own upkeep, migrations 017 and 019). The dropped row leaves
wod_definitions for workout_merges (migration 021) with what an undo needs: the row as it was, its
limits, the sessions that moved and every flag of both workouts' results. Re-importing the dropped
text later resolves to the kept workout (wods.insert_records and wods.stored_ids read the archive).

Refused, with the reason and nothing written:
- the two are not duplicates (dedup finds no pair), or are near duplicates (other numbers: their
  results are not comparable) without allow_near=True;
- a session of the dropped workout has a twin on the kept one: same day, time, track and place (the
  two would be one class on two rows; merge or delete one of them first);
- either workout was itself merged away (the message names where it went), or is the other.

`undo_merge(engine, merge_id)` puts back exactly what was there: the same row (id, source, hash,
documents, timestamps), its limits, the sessions on it, the flags; the boards follow. Refused when
the kept workout was merged away since (undo that merge first), a moved session is gone, or the
merge was undone already.

Concurrent loads: the merge locks both workout rows first (FOR UPDATE). A load that adds a session
to the dropped workout meanwhile waits, then fails on the missing row (its own transaction rolls
back, nothing half-written); results added to the moved sessions simply follow them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from wodlab.audit import dedup
from wodlab.core.errors import WodlabError
from wodlab.core.frames import INT, TEXT, typed_frame
from wodlab.store import names
from wodlab.tables import wods


class MergeError(WodlabError):
    """A merge or an undo that cannot be done; says which workout and what blocks it. Nothing was written."""


@dataclass
class MergeReport:
    """What a merge did (or, dry_run, would do)."""

    merge_id: int | None
    kind: str
    kept_id: str
    kept_title: str
    dropped_id: str
    dropped_title: str
    sessions: int = 0
    results: int = 0
    events: int = 0
    competition_workouts: int = 0
    dry_run: bool = False
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        verb = "would move" if self.dry_run else "moved"
        head = f"merge {self.merge_id}: " if self.merge_id is not None else ""
        return (f"{head}{self.dropped_title!r} ({self.dropped_id}) into {self.kept_title!r} ({self.kept_id}), {self.kind}: "
                f"{verb} {self.sessions} session(s), {self.results} result(s), {self.events} event(s), "
                f"{self.competition_workouts} competition workout(s)")


MERGES_SCHEMA = {"merge_id": INT, "kind": TEXT, "kept_id": TEXT, "kept_title": TEXT, "dropped_id": TEXT,
                 "dropped_title": TEXT, "sessions": INT, "merged_at": TEXT, "undone_at": TEXT}


def workout_id(conn: Connection, reference: str) -> str:
    """A stored workout's id from its id or its exact title; MergeError naming what is wrong (several workouts
    of that title, a workout merged away, or none, with the closest titles)."""
    text = str(reference).strip()
    try:
        return names.resolve_workout(conn, text)
    except names.UnknownName as unknown:
        merged = conn.execute(sa.text(
            "SELECT id, kept_id::text FROM workout_merges WHERE undone_at IS NULL "
            "AND (dropped_id::text = lower(:r) OR lower(dropped_row ->> 'title') = lower(:r)) ORDER BY id DESC LIMIT 1"),
            {"r": text}).first()
        if merged:
            raise MergeError(f"workout {text!r} was merged into {merged.kept_id} (merge {merged.id}): use that one, "
                             f"or undo merge {merged.id}") from None
        raise MergeError(str(unknown)) from None


def merge_workouts(engine: Engine, keep: str, drop: str, *, allow_near: bool = False, dry_run: bool = False) -> MergeReport:
    """Merge `drop` into `keep` (ids or exact titles), in one transaction; see the module docstring."""
    with engine.connect() as conn, conn.begin() as transaction:
        report = _merge(conn, keep, drop, allow_near)
        if dry_run:
            transaction.rollback()
            report.dry_run, report.merge_id = True, None
    return report


def _merge(conn: Connection, keep: str, drop: str, allow_near: bool) -> MergeReport:
    kept, dropped = workout_id(conn, keep), workout_id(conn, drop)
    if kept == dropped:
        raise MergeError(f"{keep!r} and {drop!r} are the same workout ({kept}): nothing to merge")
    rows = {r.id: r for r in conn.execute(sa.text(
        "SELECT id::text, title FROM wod_definitions WHERE id IN (CAST(:a AS UUID), CAST(:b AS UUID)) ORDER BY id FOR UPDATE"),
        {"a": kept, "b": dropped})}
    if len(rows) < 2:  # merged or deleted by another transaction while we resolved them
        raise MergeError(f"{keep!r} or {drop!r} is no longer stored (merged or deleted meanwhile): look again")
    kind = dedup.pair_kind(conn, kept, dropped)
    if kind is None:
        raise MergeError(f"{rows[dropped].title!r} and {rows[kept].title!r} are not duplicates (their compiled workouts "
                         "differ): merging would mix results of different workouts")
    if kind == "near" and not allow_near:
        raise MergeError(f"{rows[dropped].title!r} and {rows[kept].title!r} are near duplicates (some numbers differ): "
                         "their results are not comparable; merge only with allow_near=True (--allow-near)")
    _refuse_twin_sessions(conn, kept, dropped, rows)
    moved = _counts(conn, dropped)
    archived = conn.execute(sa.text("""
        INSERT INTO workout_merges (kept_id, dropped_id, kind, dropped_row, dropped_limits, moved_sessions, flags)
        SELECT CAST(:kept AS UUID), w.id, :kind, to_jsonb(w), (SELECT to_jsonb(l) FROM workout_limits l WHERE l.wod_id = w.id),
               COALESCE((SELECT array_agg(s.id ORDER BY s.id) FROM scheduled_sessions s WHERE s.wod_definition_id = w.id),
                        '{}'),
               COALESCE((SELECT jsonb_agg(to_jsonb(f) ORDER BY f.result_id) FROM result_flags f
                         JOIN athlete_results ar ON ar.id = f.result_id
                         JOIN scheduled_sessions s ON s.id = ar.session_id
                         WHERE s.wod_definition_id IN (CAST(:kept AS UUID), w.id)), '[]')
        FROM wod_definitions w WHERE w.id = CAST(:dropped AS UUID)
        RETURNING id"""), {"kept": kept, "dropped": dropped, "kind": kind}).scalar_one()
    conn.execute(sa.text("UPDATE scheduled_sessions SET wod_definition_id = CAST(:kept AS UUID) "
                         "WHERE wod_definition_id = CAST(:dropped AS UUID)"), {"kept": kept, "dropped": dropped})
    wods.remove_merged(conn, dropped)
    return MergeReport(archived, kind, kept, rows[kept].title, dropped, rows[dropped].title, **moved)


def _refuse_twin_sessions(conn: Connection, kept: str, dropped: str, rows: dict) -> None:
    twins = conn.execute(sa.text("""
        SELECT d.id::text AS dropped_session, k.id::text AS kept_session, d.session_date, d.session_time, d.track, d.location
        FROM scheduled_sessions d JOIN scheduled_sessions k
          ON k.wod_definition_id = CAST(:kept AS UUID) AND k.session_date = d.session_date
         AND k.session_time IS NOT DISTINCT FROM d.session_time AND k.track IS NOT DISTINCT FROM d.track
         AND k.location IS NOT DISTINCT FROM d.location
        WHERE d.wod_definition_id = CAST(:dropped AS UUID)
        ORDER BY d.session_date, d.id"""), {"kept": kept, "dropped": dropped}).all()
    if twins:
        listed = "; ".join(f"{t.session_date} {t.session_time or ''} {t.track} at {t.location or '-'}: session "
                           f"{t.dropped_session} of the dropped, {t.kept_session} of the kept" for t in twins[:5])
        raise MergeError(f"merging {rows[dropped].title!r} into {rows[kept].title!r} would put two sessions of one class "
                         f"on one workout ({len(twins)}): {listed}. Merge or delete one of each pair first")


def _counts(conn: Connection, dropped: str) -> dict:
    row = conn.execute(sa.text("""
        SELECT count(*) AS sessions,
               COALESCE(sum((SELECT count(*) FROM athlete_results ar WHERE ar.session_id = s.id)), 0) AS results,
               COALESCE(sum((SELECT count(*) FROM realized_events e WHERE e.session_id = s.id)), 0) AS events,
               COALESCE(sum((SELECT count(*) FROM competition_workouts cw WHERE cw.session_id = s.id)), 0)
                   AS competition_workouts
        FROM scheduled_sessions s WHERE s.wod_definition_id = CAST(:dropped AS UUID)"""), {"dropped": dropped}).one()
    return {k: int(v) for k, v in row._mapping.items()}


def undo_merge(engine: Engine, merge_id: int) -> MergeReport:
    """Put back what merge `merge_id` moved and removed, exactly; see the module docstring."""
    with engine.begin() as conn:
        merge = conn.execute(sa.text("SELECT * FROM workout_merges WHERE id = :m FOR UPDATE"), {"m": merge_id}).first()
        if merge is None:
            raise MergeError(f"no merge {merge_id} (`wodlab dedup merges` lists them)")
        if merge.undone_at is not None:
            raise MergeError(f"merge {merge_id} was undone already ({merge.undone_at:%Y-%m-%d %H:%M})")
        kept = conn.execute(sa.text("SELECT title FROM wod_definitions WHERE id = :k FOR UPDATE"), {"k": merge.kept_id}).first()
        if kept is None:
            later = conn.execute(sa.text("SELECT id FROM workout_merges WHERE dropped_id = :k AND undone_at IS NULL"),
                                 {"k": merge.kept_id}).scalar()
            raise MergeError(f"merge {merge_id} kept workout {merge.kept_id}, which was merged away since"
                             + (f" (merge {later}): undo merge {later} first" if later else ""))
        sessions = [str(s) for s in merge.moved_sessions]
        present = set(conn.execute(sa.text("SELECT id::text FROM scheduled_sessions WHERE id = ANY(CAST(:s AS UUID[])) "
                                           "AND wod_definition_id = :k FOR UPDATE"),
                                   {"s": sessions, "k": merge.kept_id}).scalars())
        gone = sorted(set(sessions) - present)
        if gone:
            raise MergeError(f"merge {merge_id} cannot be undone exactly: session(s) {', '.join(gone[:5])} it moved are no "
                             "longer on the kept workout (deleted or moved since)")
        _restore(conn, merge, sessions)
        conn.execute(sa.text("UPDATE workout_merges SET undone_at = NOW() WHERE id = :m"), {"m": merge_id})
        row = merge.dropped_row
    return MergeReport(merge_id, merge.kind, str(merge.kept_id), kept.title, str(merge.dropped_id), row["title"],
                       sessions=len(sessions), notes=["undone"])


def _restore(conn: Connection, merge, sessions: list[str]) -> None:
    wods.restore_merged(conn, merge.dropped_row, merge.dropped_limits)
    conn.execute(sa.text("UPDATE scheduled_sessions SET wod_definition_id = :d WHERE id = ANY(CAST(:s AS UUID[]))"),
                 {"d": merge.dropped_id, "s": sessions})
    # the flags of both workouts' results as they were before the merge (the boards' upkeep may have taken a
    # "leader" flag away, which only a full check would add back)
    conn.execute(sa.text("""
        DELETE FROM result_flags f USING athlete_results ar, scheduled_sessions s
        WHERE ar.id = f.result_id AND s.id = ar.session_id AND s.wod_definition_id IN (:k, :d)"""),
                 {"k": merge.kept_id, "d": merge.dropped_id})
    conn.execute(sa.text("INSERT INTO result_flags SELECT (jsonb_populate_record(NULL::result_flags, f)).* "
                         "FROM jsonb_array_elements(CAST(:flags AS JSONB)) AS f"), {"flags": json.dumps(merge.flags)})


def merges(engine: Engine) -> pd.DataFrame:
    """MERGES_SCHEMA: every merge, newest first, with whether it was undone."""
    with engine.connect() as conn:
        rows = conn.execute(sa.text("""
            SELECT m.id, m.kind, m.kept_id::text, w.title AS kept_title, m.dropped_id::text, m.dropped_row ->> 'title',
                   cardinality(m.moved_sessions), to_char(m.merged_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'),
                   to_char(m.undone_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')
            FROM workout_merges m LEFT JOIN wod_definitions w ON w.id = m.kept_id
            ORDER BY m.id DESC""")).all()
    return typed_frame([tuple(r) for r in rows], MERGES_SCHEMA)


SAFE_KINDS = ("exact", "semantic")  # the pairs a plan merges unless asked for near ones too


def apply_plan(engine: Engine, plan: pd.DataFrame, *, kinds=SAFE_KINDS, allow_near: bool = False,
               dry_run: bool = False) -> list[MergeReport]:
    """Each row of a merge plan (dedup.merge_plan) of the given kinds, in order, each merge its own transaction;
    a pair whose workout an earlier row merged away is followed to where it went. Stops at the first refusal
    (MergeError), the merges before it applied (listed by `merges`), unless dry_run."""
    reports = []
    gone: dict[str, str] = {}  # dropped id -> kept id, within this plan
    for row in plan[plan["kind"].isin(kinds)].itertuples(index=False):
        keep, drop = _followed(row.keep_id, gone), _followed(row.merge_id, gone)
        if keep == drop:
            continue
        report = merge_workouts(engine, keep, drop, allow_near=allow_near or row.kind == "near", dry_run=dry_run)
        reports.append(report)
        if not dry_run:
            gone[drop] = keep
    return reports


def _followed(workout: str, gone: dict[str, str]) -> str:
    while workout in gone:
        workout = gone[workout]
    return workout
