"""The Lab's writing verbs: workouts, box files, whole box folders, exports, rebuilds and refreshes.

Loaders check every row first: all or nothing unless skip_bad (the bad rows, with their reasons, to
a reject file); rows already stored with other values are corrections, refused unless update=True
(the old values kept in load_history). See wodlab.load.loading.
"""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
from sqlalchemy.engine import Engine

from wodlab.audit import flags
from wodlab.core.errors import DatabaseError
from wodlab.exchange import box, export
from wodlab.load import loading
from wodlab.load.reading import TableSpec
from wodlab.load.report import LoadReport
from wodlab.store import schema, workout_standings
from wodlab.store.cache import WODCraftCache
from wodlab.tables import ingest, rebuild, wods
from wodlab.tables.athletes import ATHLETES
from wodlab.tables.events import EVENTS
from wodlab.tables.results import RESULTS
from wodlab.tables.sessions import SESSIONS
from wodlab.tables.wod_records import compile_records
from wodlab.workouts.catalog import sync_catalog

Source = str | Path | pd.DataFrame  # a CSV / JSON Lines path, or a DataFrame of text columns


class LoadVerbs:
    engine: Engine
    cache: WODCraftCache

    def init(self) -> list[str]:
        """Apply pending migrations and refresh the movement catalog; return the migrations applied."""
        applied = schema.apply_migrations(self.engine)
        with self.engine.begin() as conn:
            schema.serialize(conn)  # two kernels opening a new database at once: one catalog upsert at a time
            sync_catalog(conn)
        return [f"{m.version:03d}_{m.name}" for m in applied]

    def check_schema(self) -> None:
        """DatabaseError naming the migrations the database lacks (`wodlab init` applies them)."""
        missing = schema.pending(self.engine)
        if missing:
            names = ", ".join(f"{m.version:03d}_{m.name}" for m in missing)
            raise DatabaseError(f"the database lacks migrations {names}: run `wodlab init` to apply them")

    def store_wod(self, source: str, *, name: str | None = None) -> list[str]:
        """Compile a WODCraft source and store its workouts; return their ids (existing ones included).

        Raises WodCompileError, with every diagnostic, when it does not compile; nothing is written.
        """
        records = compile_records(source, name, model=self.difficulty.model(), cache=self.cache)
        with self.engine.begin() as conn:
            for record in records:
                wods.insert_record(conn, record)
            return [wods.stored_id(conn, r) for r in records]

    def load_wods(self, paths: str | Path | list | None = None, *, library: bool = False, strict: bool = False,
                  progress: bool | None = None) -> LoadReport:
        """Import .wod files and folders (and/or wodcraft's standard library with library=True).

        The library goes first: when a file repeats a library workout, the library's title is kept.
        """
        files = ingest.library_files() if library else []
        if paths is not None:
            files += ingest.expand_paths(paths)
        return ingest.import_files(self.engine, files, strict=strict, progress=progress, model=self.difficulty.model(),
                                   cache=self.cache)

    def rebuild(self, *, dry_run: bool = False, batch_size: int = rebuild.DEFAULT_BATCH, on_batch=None) -> pd.DataFrame:
        """Recompile the workouts stored by another wodcraft version, in batches of one transaction each
        (wodlab.tables.rebuild); dry_run lists what would change and writes nothing."""
        return rebuild.rebuild(self.engine, dry_run=dry_run, batch_size=batch_size, model=self.difficulty.model(),
                               on_batch=on_batch)

    def export(self, directory: str | Path, *, force: bool = False) -> dict[str, int]:
        """Write the database as a box folder (wodlab.exchange.export) that `load_box` reads back into the same
        rows: one snapshot, a manifest `load_box` checks, owner-only files; force replaces an earlier export there."""
        return export.export_box(self.engine, directory, force=force)

    def load_box(self, directory: str | Path, *, update: bool = False, progress: bool | None = None) -> dict[str, LoadReport]:
        """A box folder (wods/, athletes.csv, sessions.csv, results.csv, events) in one transaction; see
        wodlab.exchange.box. update: stored rows with other values take the folder's (old values in load_history)."""
        reports = box.load_box(self.engine, directory, model=self.difficulty.model(), update=update, progress=progress)
        flags.refresh(self.engine)  # a box's leaderboards show their suspicious results at once
        return reports

    def refresh(self) -> dict[str, float]:
        """Rebuild every workout's board from the results (wodlab.store.workout_standings) and check every result
        again (wodlab.audit.flags: a refit of the box). The loads keep the boards current, so this is a check or
        a repair, not a step of loading. Seconds per table rebuilt."""
        took = workout_standings.rebuild(self.engine)
        start = time.perf_counter()
        flags.refresh(self.engine)
        return {**took, "result_flags": time.perf_counter() - start}

    def load_athletes(self, source: Source, *, skip_bad: bool = False, update: bool = False,
                      rejects: str | Path | None = None, progress: bool | None = None) -> LoadReport:
        """Athletes from a CSV/JSONL path or a DataFrame: external_id, name[, gender, birth_year]."""
        return self._load(ATHLETES, source, skip_bad, update, rejects, progress)

    def load_sessions(self, source: Source, *, skip_bad: bool = False, update: bool = False,
                      rejects: str | Path | None = None, progress: bool | None = None) -> LoadReport:
        """Scheduled sessions: wod, session_date[, session_time, track, gender_mode, team_size, location, ...]."""
        return self._load(SESSIONS, source, skip_bad, update, rejects, progress)

    def load_results(self, source: Source, *, skip_bad: bool = False, update: bool = False,
                     rejects: str | Path | None = None, progress: bool | None = None) -> LoadReport:
        """Results: the session (wod, session_date[, session_time, track, location] or session_id), athlete, score.
        The leaderboards show them when this returns (wodlab.store.workout_standings)."""
        return self._load(RESULTS, source, skip_bad, update, rejects, progress)

    def load_events(self, source: Source, *, skip_bad: bool = False, update: bool = False,
                    rejects: str | Path | None = None, progress: bool | None = None) -> LoadReport:
        """Realized events (CSV or JSON Lines): the session, athlete, timestamp_offset, movement, quantity..."""
        return self._load(EVENTS, source, skip_bad, update, rejects, progress)

    def _load(self, spec: TableSpec, source: Source, skip_bad: bool, update: bool, rejects, progress) -> LoadReport:
        return loading.load(self.engine, spec, source, skip_bad=skip_bad, update=update, rejects=rejects, progress=progress)
