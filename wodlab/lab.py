"""Lab: the handle a notebook holds. One engine, and the verbs a coach or analyst needs.

Every verb is thin: it checks its arguments, then calls the module that owns the work. The same
conventions hold for every method:

- an `athlete` is the athlete's id or the box's external id ("alice");
- a `wod` is a workout's title or id; a `session` is a scheduled session's id;
- tracks ("RX", "rx", "Scaled") and genders ("m", "F") are case-insensitive;
- an unknown workout, session or athlete raises QueryError naming it; a filter that matches
  nothing returns an empty frame with the full schema;
- every frame has the declared column -> dtype contract of its query (sql/queries) or schema.
"""

from __future__ import annotations

import difflib
import time
import uuid
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from wodlab import difficulty, programming
from wodlab.audit import dedup, flags, merge
from wodlab.competition import boards, standings
from wodlab.competition.judging import JUDGMENTS, PENALTY_UNITS, judge, store_rules, stored_rules
from wodlab.competition.rules import Rules, rules_of
from wodlab.core.errors import DatabaseError, QueryError
from wodlab.difficulty import calibrate, observed, reliability, versions
from wodlab.exchange import box, export
from wodlab.load import loading
from wodlab.load.reading import TableSpec
from wodlab.load.report import LoadReport
from wodlab.scoring import ranking
from wodlab.store import db, queries, schema, workout_standings
from wodlab.store.cache import WODCraftCache, default_cache
from wodlab.store.server import copy_database, resolve_url
from wodlab.tables import athletes, ingest, rebuild, sessions, tracker, wods
from wodlab.tables.events import EVENTS
from wodlab.tables.results import RESULTS
from wodlab.tables.wod_records import compile_records
from wodlab.workouts.catalog import FAMILIES, catalog_movements, sync_catalog
from wodlab.workouts.levels import TRACKS
from wodlab.workouts.structure import Scoring, block_forms

Source = str | Path | pd.DataFrame  # a CSV / JSON Lines path, or a DataFrame of text columns
Pair = tuple[float | None, float | None]


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


_CATEGORIES = sorted({category for category, _ in FAMILIES.values()})
_MODALITIES = sorted({modality for _, modality in FAMILIES.values()})


def _equipment() -> list[str]:
    return sorted({m.equipment for m in catalog_movements().values()} - {"bodyweight"})


def _known(what: str, value: str | None, known: list[str]) -> str | None:
    """A value from a known vocabulary, any case; QueryError with the closest ones otherwise."""
    if value is None:
        return None
    lowered = str(value).strip().lower()
    if lowered in known:
        return lowered
    close = difflib.get_close_matches(lowered, known, n=3)
    hint = f"did you mean {', '.join(map(repr, close))}?" if close else f"known: {', '.join(known)}"
    raise QueryError(f"unknown {what} {value!r}; {hint}")


def _known_all(what: str, value, known: list[str]) -> list[str] | None:
    names = _ids(value)
    return None if names is None else [_known(what, name, known) for name in names]


def _track(track: str | None) -> str | None:
    """A track in any case, as stored (RX, SCALED, INTERMEDIATE); None means every track."""
    if track is None:
        return None
    upper = str(track).strip().upper()
    if upper not in TRACKS:
        raise QueryError(f"unknown track {track!r}; tracks are {', '.join(TRACKS)} (any case)")
    return upper


def _count(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise QueryError(f"{name} expects a whole number >= 0; got {value!r}")
    return value


def _gender(gender: str | None) -> str | None:
    if gender is None:
        return None
    upper = str(gender).strip().upper()
    if upper not in ("M", "F"):
        raise QueryError(f"unknown gender {gender!r}; use M or F (any case), or None for everyone")
    return upper


class DifficultyTools:
    """`lab.difficulty`: features, observed difficulty, calibration and versions on this database."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def features(self, tracks: tuple[str, ...] = ("RX",)) -> pd.DataFrame:
        """Features of every stored workout; columns difficulty.calibrate.FEATURES_SCHEMA."""
        return calibrate.feature_frame(self.engine, tuple(_track(t) for t in tracks))

    def observed(self, *, errors: str = "auto", **options) -> observed.ObservedDifficulty:
        """Each item's difficulty and each athlete's ability, fitted jointly from the results (difficulty.joint).

        errors: "sandwich" takes each item's sampling error from the one fit, the athletes' results as clusters
        (joint.fit(robust=True)); "bootstrap" from 20 fits of athletes drawn with replacement; "split-half"
        widens the model's by what a split half of the athletes shows (two more fits); each adds the model
        uncertainty (the item's variance over the model without each of its parts: four more fits); "model"
        keeps the model's own (they assume the model); "auto" (the default) is the sandwich
        (difficulty.reliability.estimate_with_errors). A progress bar counts the fits on a terminal from
        20,000 results (progress=True/False to choose)."""
        if errors not in reliability.ERRORS:
            raise QueryError(f"unknown errors {errors!r}: use one of {', '.join(reliability.ERRORS)}")
        return reliability.estimate_with_errors(self.engine, errors, **options)

    def fit(self, **options) -> tuple[difficulty.DifficultyModel, calibrate.CalibrationReport]:
        """Calibrate a model on the results (cross-validated by workout); save it with `save`."""
        return calibrate.fit(self.engine, **options)

    def save(self, model: difficulty.DifficultyModel, report: calibrate.CalibrationReport | None = None) -> bool:
        return versions.save_model(self.engine, model, report.metrics_dict() if report else None)

    def apply(self, version: str) -> int:
        """Recompute every workout's difficulty_score with a saved version; return how many changed."""
        return versions.apply_model(self.engine, version)

    def list(self) -> pd.DataFrame:
        """Every saved version: columns difficulty.versions.MODELS_SCHEMA."""
        return versions.list_models(self.engine)

    def scores(self, *models: difficulty.DifficultyModel, track: str = "RX") -> pd.DataFrame:
        """Every workout's 0-100 score under each model: columns wod_id, title, then one Float64 per version."""
        frame = self.features(tracks=(track,))
        records = frame.to_dict("records")
        out = frame[["wod_id", "title"]].copy()
        for model in models:
            out[model.version] = pd.array([round(model.points(r), 1) for r in records], dtype="Float64")
        return out

    def model(self, version: str | None = None) -> difficulty.DifficultyModel:
        """A saved version, or the active one (last applied) when no version is given."""
        with self.engine.connect() as conn:
            return versions.get_model(conn, version) if version else versions.active_model(conn)


class Lab:
    """A connected wodlab: `lab = wodlab.connect()`, then `lab.search_wods(...)`, `lab.leaderboard(...)`."""

    def __init__(self, engine: Engine, cache: WODCraftCache | None = None):
        self.engine = engine
        self.difficulty = DifficultyTools(engine)
        self._cache = cache

    @property
    def cache(self) -> WODCraftCache:
        """Compiled sources (wodlab.store.cache): Redis, embedded Redis or LRU, chosen when a workout is first
        compiled (a query never starts a cache server, nor warns about one)."""
        if self._cache is None:
            self._cache = default_cache()
        return self._cache

    @cache.setter
    def cache(self, cache: WODCraftCache) -> None:
        self._cache = cache

    def __repr__(self) -> str:
        return f"Lab({self.engine.url.render_as_string(hide_password=True)!r})"

    # --- schema -------------------------------------------------------------------------------

    def init(self) -> list[str]:
        """Apply pending migrations and refresh the movement catalog; return the migrations applied."""
        applied = schema.apply_migrations(self.engine)
        with self.engine.begin() as conn:
            schema.serialize(conn)  # two kernels opening a new database at once: one catalog upsert at a time
            sync_catalog(conn)
        return [f"{m.version:03d}_{m.name}" for m in applied]

    def check_schema(self) -> None:
        missing = schema.pending(self.engine)
        if missing:
            names = ", ".join(f"{m.version:03d}_{m.name}" for m in missing)
            raise DatabaseError(f"the database lacks migrations {names}: run `wodlab init` to apply them")

    # --- loading ----------------------------------------------------------------------------------

    def store_wod(self, source: str, name: str | None = None) -> list[str]:
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
        """Write the database as a box folder (wodlab.exchange.export) that `load_box` reads back into the same rows: one
        snapshot, a manifest `load_box` checks, owner-only files; force replaces an earlier export there."""
        return export.export_box(self.engine, directory, force=force)

    def load_leaderboard(self, source: Source, competition: str, *, notation: str = "games",
                         workouts: dict[str, str] | None = None, date=None, update: bool = False, skip_bad: bool = False,
                         rejects: str | Path | None = None, rules=None) -> LoadReport:
        """A competition leaderboard as exported (long or wide; see wodlab.competition.boards), in one transaction:
        all or nothing, unless skip_bad (the bad rows, with their reasons, to a reject file). rules: the
        competition's rules (wodlab.competition.rules: a preset's name such as "open", a dict, Rules)."""
        return boards.load_leaderboard(self.engine, source, competition, notation=notation, workouts=workouts,
                                             date=date, update=update, skip_bad=skip_bad, rejects=rejects, rules=rules)

    def standings(self, competition: str, division: str | None = None, *, judging: str = "all") -> pd.DataFrame:
        """Overall standings per division under the competition's rules (wodlab.competition.standings): rank,
        points, how the place was settled (decided_by), and each workout's place and points. judging="valid"
        counts only results a judge accepted."""
        placed, rules = self._placed(competition, division, judging)
        return standings.standings(placed, rules)

    def competition_results(self, competition: str, division: str | None = None, *, judging: str = "all") -> pd.DataFrame:
        """Each athlete's place and points on each workout, within the division, under the competition's rules,
        with each result's judgment (wodlab.competition.standings.PLACES_SCHEMA)."""
        return self._placed(competition, division, judging)[0]

    def competition_rules(self, competition: str) -> Rules:
        with self.engine.connect() as conn:
            return stored_rules(conn, self._competition(competition))

    def set_competition_rules(self, competition: str, rules) -> Rules:
        """Replace the competition's rules (a preset's name, a dict, Rules): standings re-rank at once, nothing reloads."""
        checked = rules_of(rules)
        with self.engine.begin() as conn:
            store_rules(conn, self._competition(competition), checked)
        return checked

    def judge(self, competition: str, athlete: str, workout: str, status: str, *, penalty: float | None = None,
              unit: str | None = None, reason: str | None = None) -> bool:
        """Judge one result of a competition: athlete (the board's athlete id), workout (the board's label),
        status pending / valid / invalid / adjusted (with a penalty in reps, seconds or percent, and a reason).
        The change is kept in load_history; False when nothing changed."""
        if status not in JUDGMENTS:
            raise QueryError(f"unknown judgment {status!r}: use one of {', '.join(JUDGMENTS)}")
        if (status == "adjusted") != (penalty is not None):
            raise QueryError("an adjusted result needs a penalty (and only an adjusted one has one)")
        if penalty is not None and (unit not in PENALTY_UNITS or penalty < 0):
            raise QueryError(f"a penalty is 0 or more, in {', '.join(PENALTY_UNITS)}; got {penalty!r} {unit!r}")
        name = self._competition(competition)
        found = self.sql(
            "SELECT ar.id::text AS result_id, ar.session_date FROM competitions c "
            "JOIN competition_workouts cw ON cw.competition_id = c.id "
            "JOIN athlete_results ar ON ar.session_id = cw.session_id JOIN athletes a ON a.id = ar.athlete_id "
            "WHERE c.name = :c AND cw.label = :w AND a.external_id = :a", c=name, w=workout, a=athlete)
        if found.empty:
            raise QueryError(f"{competition}: no result of athlete {athlete!r} on workout {workout!r}")
        found = found.assign(status=status, penalty=penalty, penalty_unit=unit if penalty is not None else None,
                             reason=reason)
        with self.engine.begin() as conn:
            return judge(conn, found, source=f"judge: {reason or status}") > 0

    def _placed(self, competition: str, division: str | None, judging: str) -> tuple[pd.DataFrame, Rules]:
        name = self._competition(competition)
        with self.engine.connect() as conn:
            rules = stored_rules(conn, name)
        results = self.query("competition_results", competition=name, division=division)
        scorings = self._scorings(results["wod_id"].dropna().unique()) if rules.capped_as_time else {}
        return standings.places(results, rules, judging, scorings), rules

    def _scorings(self, wod_ids) -> dict:
        with self.engine.connect() as conn:
            return {str(w): Scoring.of(wods.document(conn, w).document) for w in wod_ids}

    def _competition(self, competition: str) -> str:
        with self.engine.connect() as conn:
            names = boards.names(conn)
        if competition not in names:
            close = difflib.get_close_matches(competition, names, n=3)
            hint = f"; did you mean {', '.join(map(repr, close))}?" if close else f"; known: {', '.join(names) or 'none'}"
            raise QueryError(f"no competition {competition!r}{hint}")
        return competition

    def load_box(self, directory: str | Path, *, update: bool = False, progress: bool | None = None) -> dict[str, LoadReport]:
        """A box folder (wods/, athletes.csv, sessions.csv, results.csv, events) in one transaction; see wodlab.exchange.box.
        update: stored rows with other values take the folder's (old values kept in load_history)."""
        reports = box.load_box(self.engine, directory, model=self.difficulty.model(), update=update, progress=progress)
        flags.refresh(self.engine)  # a box's leaderboards show their suspicious results at once
        return reports

    def _load(self, spec: TableSpec, source: Source, skip_bad: bool, update: bool, rejects, progress) -> LoadReport:
        return loading.load(self.engine, spec, source, skip_bad=skip_bad, update=update, rejects=rejects, progress=progress)

    def refresh(self) -> dict[str, float]:
        """Rebuild every workout's board from the results (wodlab.store.workout_standings) and check every result again
        (wodlab.audit.flags: a refit of the box). The loads keep the boards current, so this is a check or a
        repair, not a step of loading. Seconds per table rebuilt."""
        took = workout_standings.rebuild(self.engine)
        start = time.perf_counter()
        flags.refresh(self.engine)
        return {**took, "result_flags": time.perf_counter() - start}

    # Loaders: every row checked first; all or nothing unless skip_bad (bad rows to a reject file);
    # rows already stored with other values are corrections, refused unless update=True (see loading.py).

    def load_athletes(self, source: Source, *, skip_bad: bool = False, update: bool = False, rejects: str | Path | None = None,
                      progress: bool | None = None) -> LoadReport:
        """Athletes from a CSV/JSONL path or a DataFrame: external_id, name[, gender, birth_year]."""
        return self._load(athletes.ATHLETES, source, skip_bad, update, rejects, progress)

    def load_sessions(self, source: Source, *, skip_bad: bool = False, update: bool = False, rejects: str | Path | None = None,
                      progress: bool | None = None) -> LoadReport:
        """Scheduled sessions: wod, session_date[, session_time, track, gender_mode, team_size, location, ...]."""
        return self._load(sessions.SESSIONS, source, skip_bad, update, rejects, progress)

    def load_results(self, source: Source, *, skip_bad: bool = False, update: bool = False, rejects: str | Path | None = None,
                     progress: bool | None = None) -> LoadReport:
        """Results: the session (wod, session_date[, session_time, track, location] or session_id), athlete, score.
        The leaderboards show them when this returns (wodlab.store.workout_standings)."""
        return self._load(RESULTS, source, skip_bad, update, rejects, progress)

    def load_events(self, source: Source, *, skip_bad: bool = False, update: bool = False, rejects: str | Path | None = None,
                    progress: bool | None = None) -> LoadReport:
        """Realized events (CSV or JSON Lines): the session, athlete, timestamp_offset, movement, quantity..."""
        return self._load(EVENTS, source, skip_bad, update, rejects, progress)

    # --- resolving what the caller names --------------------------------------------------------------

    def athlete_id(self, athlete: str | uuid.UUID) -> str:
        """An athlete's id from their id or their external id (the box's own); QueryError when unknown."""
        try:
            key = str(uuid.UUID(str(athlete)))
        except ValueError:
            key = str(athletes.athlete_id(str(athlete)))
        with self.engine.connect() as conn:
            if not athletes.exists(conn, key):
                raise QueryError(f"no athlete {athlete!r}: load the athletes file first, or check the id or external id")
        return key

    def wod_reference(self, wod: str | uuid.UUID) -> str:
        """A workout's title or id as the queries take it; QueryError with the closest titles when unknown."""
        reference = str(wod).strip()
        with self.engine.connect() as conn:
            found = wods.matching(conn, reference)
            if not found:  # only then read every title, for suggestions
                stored = wods.titles(conn)
        if any(wod_id == reference.lower() for wod_id, _ in found):
            return reference.lower()
        titles = sorted({title for _, title in found})
        if reference in titles:
            return reference
        if len(titles) == 1:
            return titles[0]
        if titles:
            raise QueryError(f"{reference!r} matches several titles that differ only in case: {titles}; give one exactly")
        close = difflib.get_close_matches(reference, sorted({t for _, t in stored}), n=3)
        hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
        raise QueryError(f"no workout titled {reference!r} and no workout with that id{hint}")

    def session_id(self, session: str | uuid.UUID) -> str:
        """A scheduled session's id, checked; QueryError naming it when there is none."""
        with self.engine.connect() as conn:
            return str(sessions.session_info(conn, session)["id"])

    # --- the documented queries ----------------------------------------------------------------

    def query(self, name: str, *, as_arrow: bool = False, **params) -> pd.DataFrame:
        """Run sql/queries/NAME.sql with named parameters; see `wodlab.store.queries.catalog()`. as_arrow=True
        returns a pyarrow Table with the declared types instead of a DataFrame."""
        return queries.run(self.engine, name, as_arrow=as_arrow, **params)

    def explain(self, name: str, **params) -> str:
        return queries.explain(self.engine, name, **params)

    def search_wods(self, movements_all: str | list[str] | None = None, movements_any: str | list[str] | None = None,
                    category: str | None = None, form: str | None = None, duration: Pair | None = None,
                    difficulty: Pair | None = None, equipment: str | list[str] | None = None,
                    modalities: str | list[str] | None = None, limit: int | None = None, offset: int | None = None
                    ) -> pd.DataFrame:
        """Workouts matching every given filter (the seed's searchWODs). duration in seconds and difficulty
        as (low, high). Movements are catalog ids or any English or French name ("thrusters", "pompes");
        forms, categories, equipment and modalities any case; an unknown name raises QueryError with the
        closest ones, never an empty frame."""
        min_s, max_s = _pair("duration", duration)
        min_d, max_d = _pair("difficulty", difficulty)
        return self.query(
            "search_wods", movements_all=_ids(movements_all), movements_any=_ids(movements_any),
            category=_known("category", category, _CATEGORIES), form=_known("form", form, block_forms()),
            min_seconds=min_s, max_seconds=max_s, min_difficulty=min_d, max_difficulty=max_d,
            equipment=_known_all("equipment", equipment, _equipment()),
            modalities=_known_all("modality", modalities, _MODALITIES), limit=limit, offset=offset,
        )

    def wods_with_all_movements(self, movements: str | list[str], equipment: str | list[str] | None = None,
                                modalities: str | list[str] | None = None, limit: int | None = None,
                                offset: int | None = None) -> pd.DataFrame:
        """The seed's search by movements, every one present (ids or any English/French name), with the
        searchWODs filters."""
        return self._by_movements("wods_with_all_movements", movements, equipment, modalities, limit, offset)

    def wods_with_any_movement(self, movements: str | list[str], equipment: str | list[str] | None = None,
                               modalities: str | list[str] | None = None, limit: int | None = None,
                               offset: int | None = None) -> pd.DataFrame:
        """The seed's search by movements, at least one present, with the searchWODs filters."""
        return self._by_movements("wods_with_any_movement", movements, equipment, modalities, limit, offset)

    def _by_movements(self, name: str, movements, equipment, modalities, limit, offset) -> pd.DataFrame:
        return self.query(name, movements=_ids(movements), equipment=_known_all("equipment", equipment, _equipment()),
                          modalities=_known_all("modality", modalities, _MODALITIES), limit=limit, offset=offset)

    def wods(self) -> pd.DataFrame:
        """Every stored workout (see search_wods for the columns)."""
        return self.search_wods()

    def leaderboard(self, wod: str, track: str | None = "RX", gender: str | None = None,
                    session: str | uuid.UUID | None = None, limit: int | None = 10, policy: str = "box",
                    exclude_flagged: bool = False, competition: str | None = None) -> pd.DataFrame:
        """Each athlete's best result on a workout (title or id), ranked by a policy of wodlab.scoring.ranking
        ("box" or "crossfit"); None means no filter. `flag` shows what the last check
        (suspicious_results) found; exclude_flagged leaves those results out before ranking.
        With `competition`, only that competition's results on the workout (its session)."""
        reference = self.wod_reference(wod)
        if competition is not None:
            session = self._competition_session(competition, reference)
        return self.query("leaderboard", wod=reference, track=_track(track), gender=_gender(gender),
                          session_id=None if session is None else self.session_id(session), limit=limit,
                          policy=ranking.check_policy(policy), exclude_flagged=bool(exclude_flagged))

    def _competition_session(self, competition: str, wod_reference: str) -> str:
        name = self._competition(competition)
        with self.engine.connect() as conn:
            found = boards.session_of(conn, name, wod_reference)
        if found is None:
            raise QueryError(f"{wod_reference!r} is not a workout of the competition {competition!r}")
        return found

    def suspicious_results(self, refresh: bool = True) -> pd.DataFrame:
        """Results to check before believing them (impossible for the workout, or far off the athlete's
        level; see wodlab.audit.flags), worst first. refresh=False shows the last check without redoing it."""
        if refresh:
            flags.refresh(self.engine)
        return self.query("suspicious_results")

    def workout_results(self, wod: str, track: str | None = None) -> pd.DataFrame:
        """Every result on a workout (title or id), by session, with the rank key and class percentile."""
        return self.query("workout_results", wod=self.wod_reference(wod), track=_track(track))

    def results(self, start=None, end=None, wod: str | None = None, track: str | None = None,
                athlete: str | uuid.UUID | None = None, session: str | uuid.UUID | None = None, *,
                as_arrow: bool = False) -> pd.DataFrame:
        """Results as a table, whole or sliced (dates inclusive, as date or 'YYYY-MM-DD'); query `results`, read
        through COPY. as_arrow=True: a pyarrow Table."""
        return self.query("results", as_arrow=as_arrow, **self._slice(start, end, wod, track, athlete, session))

    def events(self, start=None, end=None, wod: str | None = None, track: str | None = None,
               athlete: str | uuid.UUID | None = None, session: str | uuid.UUID | None = None, *,
               as_arrow: bool = False) -> pd.DataFrame:
        """Realized events as a table, whole or sliced like results(); query `events`, read through COPY."""
        return self.query("events", as_arrow=as_arrow, **self._slice(start, end, wod, track, athlete, session))

    def _slice(self, start, end, wod, track, athlete, session) -> dict:
        return {"start": start, "end": end, "wod": None if wod is None else self.wod_reference(wod), "track": _track(track),
                "athlete_id": None if athlete is None else self.athlete_id(athlete),
                "session_id": None if session is None else self.session_id(session)}

    def athletes(self) -> pd.DataFrame:
        return self.query("athletes")

    def athlete(self, athlete: str | uuid.UUID) -> pd.Series:
        """One athlete's row of `athletes()`; QueryError when unknown."""
        return self.athletes().set_index("athlete_id").loc[self.athlete_id(athlete)]

    def athlete_progression(self, athlete: str | uuid.UUID, movement: str | None = None) -> pd.DataFrame:
        """An athlete's results, newest first; only workouts with `movement` (an id or any English/French name)."""
        return self.query("athlete_movement_progression", athlete_id=self.athlete_id(athlete), movement=movement)

    def athlete_history(self, athlete: str | uuid.UUID) -> pd.DataFrame:
        """Every result of an athlete, oldest first, with class percentiles."""
        return self.query("athlete_history", athlete_id=self.athlete_id(athlete))

    def tracked_sessions(self) -> pd.DataFrame:
        return self.query("tracked_sessions")

    def session_events(self, session: str | uuid.UUID) -> pd.DataFrame:
        return self.query("session_events", session_id=self.session_id(session))

    def live_leaderboard(self, session: str | uuid.UUID) -> pd.DataFrame:
        return self.query("live_leaderboard", session_id=self.session_id(session))

    def athlete_timeline(self, session: str | uuid.UUID, athlete: str | uuid.UUID) -> pd.DataFrame:
        """One athlete's events in one session, in order."""
        return self.query("athlete_timeline", session_id=self.session_id(session), athlete_id=self.athlete_id(athlete))

    def reconcile(self, session: str | uuid.UUID) -> pd.DataFrame:
        """Whiteboard scores against the tracker's events for one session; see wodlab.tables.tracker.reconcile."""
        return tracker.reconcile(self.engine, self.session_id(session))

    def duplicates(self, threshold: float = 0.35) -> pd.DataFrame:
        """Duplicate workout pairs (exact, semantic, near), ranked; columns dedup.PAIRS_SCHEMA."""
        return dedup.find_duplicates(self.engine, threshold)

    def merge_plan(self, pairs: pd.DataFrame) -> pd.DataFrame:
        """Which workout of each pair to keep, what would move, and whether it is safe; columns dedup.PLAN_SCHEMA."""
        return dedup.merge_plan(self.engine, pairs)

    def merge_wods(self, keep: str, drop: str, *, allow_near: bool = False, dry_run: bool = False) -> merge.MergeReport:
        """Merge workout `drop` into `keep` (ids or exact titles) in one transaction: its sessions, results,
        events, competition workouts, boards and flags move; the dropped row is archived (wodlab.audit.merge).
        Near duplicates only with allow_near=True; dry_run says what would move and writes nothing."""
        return merge.merge_workouts(self.engine, keep, drop, allow_near=allow_near, dry_run=dry_run)

    def apply_merge_plan(self, plan: pd.DataFrame, *, kinds=("exact", "semantic"), allow_near: bool = False,
                         dry_run: bool = False) -> list[merge.MergeReport]:
        """merge_wods for each row of a merge plan of the given kinds, in order (wodlab.audit.merge.apply_plan)."""
        return merge.apply_plan(self.engine, plan, kinds=kinds, allow_near=allow_near, dry_run=dry_run)

    def undo_merge(self, merge_id: int) -> merge.MergeReport:
        """Put back exactly what merge `merge_id` changed: the same ids, the same rows."""
        return merge.undo_merge(self.engine, merge_id)

    def merges(self) -> pd.DataFrame:
        """Every merge, newest first, and whether it was undone; columns merge.MERGES_SCHEMA."""
        return merge.merges(self.engine)

    # --- live tracking -----------------------------------------------------------------------------

    # --- programming review (wodlab.programming) ----------------------------------------------------

    def programming(self, start=None, end=None, track: str | None = "RX", *, weeks: int | None = None
                    ) -> programming.Programme:
        """The period's programme: `.sessions` (time domain, modality shares, families, loading, difficulty per
        session), `.movements` (session x movement with its share of the work) and `.weeks`. Dates inclusive;
        `weeks=12` reviews the 12 weeks up to `end` (default: the last scheduled session)."""
        track = _track(track)
        start, end = programming.period(self.engine, start, end, track, weeks)
        return programming.programme(self.engine, start, end, track)

    def programming_report(self, start=None, end=None, track: str | None = "RX", *, weeks: int | None = None,
                           targets: programming.Targets | None = None) -> pd.DataFrame:
        """The balance findings of a period, worst first: one row per rule broken (wodlab.programming.review)."""
        track = _track(track)
        start, end = programming.period(self.engine, start, end, track, weeks)
        return programming.report(self.engine, start, end, track, targets)

    def similar_wods(self, wod: str | uuid.UUID, k: int = 10, track: str = "RX") -> pd.DataFrame:
        """The k stored workouts most like `wod` (movements, families, modality mix, time domain, loading)."""
        return programming.similar_wods(self.engine, self.wod_reference(wod), _count("k", k), _track(track))

    def suggest_wods(self, start=None, end=None, k: int = 5, track: str = "RX", *, weeks: int | None = None,
                     targets: programming.Targets | None = None, recent_weeks: int = 4) -> pd.DataFrame:
        """Stored workouts that would best move the period's mix toward `targets`, none done in the period or
        in the `recent_weeks` before its end."""
        track = _track(track)
        start, end = programming.period(self.engine, start, end, track, weeks)
        return programming.suggest_wods(self.engine, start, end, _count("k", k), track, targets,
                                        _count("recent_weeks", recent_weeks))

    def tracker(self, session: str | uuid.UUID, start_time: float | None = None) -> tracker.RealtimeTracker:
        """A RealtimeTracker for one session: record events as they happen."""
        return tracker.RealtimeTracker(self.engine, self.session_id(session), start_time)

    def listen(self, session: str | uuid.UUID | None = None, timeout: float | None = None,
               stop_after: int | None = None, on_ready=None):
        """Yield live events (dicts) as they are recorded, by any process; see wodlab.tables.tracker.listen."""
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
        """A copy of this database on the same server, for trying writes; see wodlab.store.db.copy_database."""
        target = name or f"{self.engine.url.database}_scratch"
        self.engine.dispose()  # PostgreSQL copies a database only while nobody is connected to it
        return connect(copy_database(self.engine.url, target))

    # --- raw access ----------------------------------------------------------------------------

    def slow_queries(self, limit: int | None = 20) -> pd.DataFrame:
        """The slowest statements run on this database (pg_stat_statements), slowest on average first."""
        try:
            with self.engine.begin() as conn:
                conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_stat_statements"))
            return self.query("slow_statements", limit=limit)
        except sa.exc.DBAPIError as problem:
            if "shared_preload_libraries" not in str(problem.orig):
                raise
            raise DatabaseError("this server does not load pg_stat_statements: add it to shared_preload_libraries and "
                                "restart it (the embedded server does so itself at its next start: `wodlab db stop`, "
                                "then `wodlab db start`)") from None

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
    engine = db.create_engine(resolve_url(url))
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
