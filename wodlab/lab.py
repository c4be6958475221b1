"""Lab: the handle a notebook holds. One engine, and the verbs a coach or analyst needs."""

from __future__ import annotations

import uuid

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from wodlab import db, dedup, difficulty, ingest, loading, queries, results, schema, tracker
from wodlab.difficulty import calibrate, observed, versions
from wodlab.catalog import sync_catalog
from wodlab.errors import DatabaseError, QueryError
from wodlab.loading import LoadResult
from wodlab.wods import compile_records, insert_record


def _pair(name: str, value) -> tuple:
    if value is None:
        return None, None
    try:
        low, high = value
    except (TypeError, ValueError):
        raise QueryError(f"{name} expects a (low, high) pair, either end may be None; got {value!r}") from None
    return low, high


def _ids(value) -> list[str] | None:
    """A movement list: one catalog id as a string is accepted and wrapped."""
    if value is None:
        return None
    return [value] if isinstance(value, str) else list(value)


class DifficultyTools:
    """`lab.difficulty`: features, observed difficulty, calibration and versions on this database."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def features(self, tracks=("RX",)) -> pd.DataFrame:
        """Features of every stored workout; columns wod_id, title, track, then wodlab.difficulty.FEATURES."""
        return difficulty.feature_frame(self.engine, tuple(tracks))

    def observed(self, **options) -> observed.ObservedDifficulty:
        """Each item's difficulty and each athlete's ability, fitted jointly from the results."""
        return observed.estimate(self.engine, **options)

    def fit(self, **options) -> tuple[difficulty.DifficultyModel, calibrate.CalibrationReport]:
        """Calibrate a model on the results (cross-validated by workout); save it with `save`."""
        return calibrate.fit(self.engine, **options)

    def save(self, model: difficulty.DifficultyModel, report: calibrate.CalibrationReport | None = None) -> bool:
        return versions.save_model(self.engine, model, report.metrics_dict() if report else None)

    def apply(self, version: str) -> int:
        """Recompute every workout's difficulty_score with a saved version; return how many changed."""
        return versions.apply_model(self.engine, version)

    def list(self) -> pd.DataFrame:
        return versions.list_models(self.engine)

    def scores(self, *models: difficulty.DifficultyModel, track: str = "RX") -> pd.DataFrame:
        """Every workout's 0-100 score under each model: columns wod_id, title, then one per version."""
        frame = self.features(tracks=(track,))
        records = frame.to_dict("records")
        out = frame[["wod_id", "title"]].copy()
        for model in models:
            out[model.version] = [round(model.points(r), 1) for r in records]
        return out

    def model(self, version: str | None = None) -> difficulty.DifficultyModel:
        """A saved version, or the active one (last applied) when no version is given."""
        with self.engine.connect() as conn:
            return versions.get_model(conn, version) if version else versions.active_model(conn)


class Lab:
    """A connected wodlab: `lab = wodlab.connect()`, then `lab.search_wods(...)`, `lab.leaderboard(...)`."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.difficulty = DifficultyTools(engine)

    def __repr__(self) -> str:
        return f"Lab({self.engine.url.render_as_string(hide_password=True)!r})"

    # --- schema -------------------------------------------------------------------------------

    def init(self) -> list[str]:
        """Apply pending migrations and refresh the movement catalog; return the migrations applied."""
        applied = schema.apply_migrations(self.engine)
        with self.engine.begin() as conn:
            sync_catalog(conn)
        return [f"{m.version:03d}_{m.name}" for m in applied]

    def check_schema(self) -> None:
        missing = schema.pending(self.engine)
        if missing:
            names = ", ".join(f"{m.version:03d}_{m.name}" for m in missing)
            raise DatabaseError(f"the database lacks migrations {names}: run `wodlab init` to apply them")

    # --- workouts -----------------------------------------------------------------------------

    def store_wod(self, source: str, name: str | None = None) -> list[str]:
        """Compile a WODCraft source and store its workouts; return their ids (existing ones included).

        Raises WodCompileError, with every diagnostic, when it does not compile; nothing is written.
        """
        records = compile_records(source, name, model=self.difficulty.model())
        with self.engine.begin() as conn:
            for record in records:
                insert_record(conn, record)
        return [str(r.id) for r in records]

    def load_wods(self, paths=None, *, library: bool = False, strict: bool = False, progress: bool | None = None) -> ingest.LoadReport:
        """Import .wod files and folders (and/or wodcraft's standard library with library=True).

        The library goes first: when a file repeats a library workout, the library's title is kept.
        """
        sources = ingest.library_sources() if library else []
        if paths is not None:
            sources += ingest.expand_paths(paths)
        return ingest.import_sources(self.engine, sources, strict=strict, progress=progress, model=self.difficulty.model())

    # --- athletes, sessions, results, events -----------------------------------------------------

    def _load(self, kind: str, source, skip_bad: bool, rejects, progress) -> LoadResult:
        return loading.load(self.engine, results.SPECS[kind], source, skip_bad=skip_bad, rejects=rejects, progress=progress)

    def load_athletes(self, source, *, skip_bad=False, rejects=None, progress=None) -> LoadResult:
        """Athletes from a CSV/JSONL path or a DataFrame: external_id, name[, gender, birth_year]."""
        return self._load("athletes", source, skip_bad, rejects, progress)

    def load_sessions(self, source, *, skip_bad=False, rejects=None, progress=None) -> LoadResult:
        """Scheduled sessions: wod, session_date[, session_time, track, gender_mode, team_size, location, ...]."""
        return self._load("sessions", source, skip_bad, rejects, progress)

    def load_results(self, source, *, skip_bad=False, rejects=None, progress=None) -> LoadResult:
        """Results: the session (wod, session_date[, session_time, track, location] or session_id), athlete, score."""
        return self._load("results", source, skip_bad, rejects, progress)

    def load_events(self, source, *, skip_bad=False, rejects=None, progress=None) -> LoadResult:
        """Realized events (CSV or JSON Lines): the session, athlete, timestamp_offset, movement, quantity..."""
        return self._load("events", source, skip_bad, rejects, progress)

    def wods(self) -> pd.DataFrame:
        """Every stored workout (see search_wods for the columns)."""
        return self.search_wods()

    # --- the documented queries ----------------------------------------------------------------

    def query(self, name: str, **params) -> pd.DataFrame:
        """Run sql/queries/NAME.sql with named parameters; see `wodlab.queries.catalog()`."""
        return queries.run(self.engine, name, **params)

    def explain(self, name: str, **params) -> str:
        return queries.explain(self.engine, name, **params)

    def search_wods(self, movements_all=None, movements_any=None, category: str | None = None,
                    form: str | None = None, duration=None, difficulty=None, limit: int | None = None) -> pd.DataFrame:
        """Workouts matching every given filter. duration in seconds and difficulty as (low, high)."""
        min_s, max_s = _pair("duration", duration)
        min_d, max_d = _pair("difficulty", difficulty)
        return self.query(
            "search_wods", movements_all=_ids(movements_all), movements_any=_ids(movements_any),
            category=category, form=form,
            min_seconds=min_s, max_seconds=max_s, min_difficulty=min_d, max_difficulty=max_d, limit=limit,
        )

    def leaderboard(self, wod: str, track: str | None = "RX", gender: str | None = None, session=None,
                    limit: int | None = 10) -> pd.DataFrame:
        """Each athlete's best result on a workout (title or id), ranked; None means no filter."""
        return self.query("leaderboard", wod=str(wod), track=track, gender=gender, session_id=session, limit=limit)

    def athlete_progression(self, athlete, movement: str | None = None) -> pd.DataFrame:
        """An athlete's (id or external id) results, newest first; only workouts with `movement` when given."""
        return self.query("athlete_movement_progression", athlete_id=self.athlete_id(athlete), movement=movement)

    def athletes(self) -> pd.DataFrame:
        return self.query("athletes")

    def athlete_id(self, athlete) -> str:
        """An athlete's id from their id or their external id (the box's own)."""
        try:
            return str(uuid.UUID(str(athlete)))
        except ValueError:
            return str(results.athlete_id(str(athlete)))

    def athlete(self, athlete) -> pd.Series:
        """One athlete's row of `athletes()`; QueryError when unknown."""
        found = self.athletes().set_index("athlete_id")
        key = self.athlete_id(athlete)
        if key not in found.index:
            raise QueryError(f"no athlete {athlete!r}: load the athletes file first, or check the external id")
        return found.loc[key]

    def athlete_history(self, athlete) -> pd.DataFrame:
        """Every result of an athlete (id or external id), oldest first, with class percentiles."""
        return self.query("athlete_history", athlete_id=self.athlete_id(athlete))

    def workout_results(self, wod: str, track: str | None = None) -> pd.DataFrame:
        """Every result on a workout (title or id), by session, with the rank key and class percentile."""
        return self.query("workout_results", wod=str(wod), track=track)

    def tracked_sessions(self) -> pd.DataFrame:
        return self.query("tracked_sessions")

    def session_events(self, session) -> pd.DataFrame:
        return self.query("session_events", session_id=session)

    def reconcile(self, session) -> pd.DataFrame:
        """Whiteboard scores against the tracker's events for one session; see wodlab.tracker.reconcile."""
        return tracker.reconcile(self.engine, session)

    def duplicates(self, threshold: float = 0.35) -> pd.DataFrame:
        """Duplicate workout pairs (exact, semantic, near), ranked; see wodlab.dedup."""
        return dedup.find_duplicates(self.engine, threshold)

    def merge_plan(self, pairs: pd.DataFrame) -> pd.DataFrame:
        return dedup.merge_plan(self.engine, pairs)

    def live_leaderboard(self, session) -> pd.DataFrame:
        return self.query("live_leaderboard", session_id=session)

    def athlete_timeline(self, session, athlete) -> pd.DataFrame:
        return self.query("athlete_timeline", session_id=session, athlete_id=athlete)

    # --- live tracking -----------------------------------------------------------------------------

    def tracker(self, session, start_time: float | None = None) -> tracker.RealtimeTracker:
        """A RealtimeTracker for one session: record events as they happen."""
        return tracker.RealtimeTracker(self.engine, session, start_time)

    def listen(self, session=None, timeout: float | None = None, stop_after: int | None = None, on_ready=None):
        """Yield live events (dicts) as they are recorded, by any process; see wodlab.tracker.listen."""
        return tracker.listen(self.engine, session, timeout=timeout, stop_after=stop_after, on_ready=on_ready)

    # --- housekeeping --------------------------------------------------------------------------------

    def require_results(self) -> int:
        """The number of results; a clear error when there are none (a notebook opened on an empty box)."""
        with self.engine.connect() as conn:
            n = conn.execute(sa.text("SELECT count(*) FROM athlete_results")).scalar_one()
        if not n:
            raise DatabaseError(f"no results in {self!r}: run `make demo`, or `wodlab load box fixtures/sim`")
        return n

    def scratch_copy(self, name: str | None = None) -> Lab:
        """A copy of this database on the same server (CREATE DATABASE ... TEMPLATE), for trying writes.

        PostgreSQL copies a database only while nobody else is connected to it: this Lab's own
        connections are closed first; other clients (another kernel) make it fail with a clear error.
        """
        source = self.engine.url.database
        target = name or f"{source}_scratch"
        self.engine.dispose()
        # template1 for the admin connection: a copy cannot start while anyone is connected to the source.
        admin = sa.create_engine(self.engine.url.set(database="template1"), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)'))
                conn.execute(sa.text(f'CREATE DATABASE "{target}" TEMPLATE "{source}"'))
        except sa.exc.OperationalError as exc:
            raise DatabaseError(f"cannot copy {source!r}: {exc.orig} (close other connections to it first)") from exc
        finally:
            admin.dispose()
        return connect(self.engine.url.set(database=target).render_as_string(hide_password=False))

    # --- raw access ----------------------------------------------------------------------------

    def sql(self, statement: str, **params) -> pd.DataFrame:
        """Ad-hoc SQL with bound parameters, for exploration (documented queries are better)."""
        with self.engine.connect() as conn:
            return pd.read_sql(sa.text(statement), conn, params=params)


def connect(url: str | None = None, *, init: bool = True) -> Lab:
    """A Lab on `url`, else DATABASE_URL, else the embedded server under WODLAB_HOME.

    With `init` (the default) a database with no wodlab schema yet is initialised (migrations,
    movement catalog), and one that lacks newer migrations raises, pointing at `wodlab init`.
    With init=False the schema is left alone and not checked.
    """
    engine = db.create_engine(db.resolve_url(url))
    lab = Lab(engine)
    if not init:
        return lab
    with engine.connect() as conn:
        empty = not schema.has_ledger(conn)
    if empty:
        lab.init()
    else:
        lab.check_schema()
    return lab
