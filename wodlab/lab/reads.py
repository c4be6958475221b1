"""The Lab's reading verbs: the documented queries (sql/queries) as typed frames, searches, boards,
slices of the results and events, athletes, live sessions, and ad-hoc SQL.

Names (a workout's title or id, an athlete's id or external id, a session's id) are resolved once,
by wodlab.store.names, on the connection the query then runs on.

Each verb reads in a transaction it commits (engine.begin), never one rolled back at the end: psycopg
forgets the connection's prepared statements on a rollback, and the small queries keep their plans in
them (wodlab.store.queries.few_rows).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pandas as pd
import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from wodlab.competition.boards import session_of
from wodlab.core.errors import DatabaseError, QueryError
from wodlab.lab import arguments
from wodlab.scoring import ranking
from wodlab.store import names, queries
from wodlab.tables import tracker

Pair = tuple[float | None, float | None]
Name = str | uuid.UUID


class ReadVerbs:
    engine: Engine

    # --- names -------------------------------------------------------------------------------------

    def wod_reference(self, wod: Name) -> str:
        """A workout's id from its title (any case) or id; QueryError with the closest titles when unknown."""
        with self.engine.begin() as conn:
            return names.resolve_workout(conn, wod)

    def athlete_id(self, athlete: Name) -> str:
        """An athlete's id from their id or their external id (the box's own); QueryError when unknown."""
        with self.engine.begin() as conn:
            return names.resolve_athlete(conn, athlete)

    def session_id(self, session: Name) -> str:
        """A scheduled session's id, checked; QueryError naming it when there is none."""
        with self.engine.begin() as conn:
            return names.resolve_session(conn, session)

    # --- the documented queries ----------------------------------------------------------------------

    def query(self, name: str, **params) -> pd.DataFrame:
        """Run sql/queries/NAME.sql with named parameters (see `wodlab.store.queries.catalog()`): a frame with the
        declared dtypes. Parameters typed workout, athlete or session take names as the verbs do."""
        return queries.run(self.engine, name, **params)

    def query_arrow(self, name: str, **params) -> pa.Table:
        """query(), as a pyarrow Table with the declared types."""
        return queries.run_arrow(self.engine, name, **params)

    def explain(self, name: str, **params) -> str:
        """PostgreSQL's plan for a documented query with these parameters."""
        return queries.explain(self.engine, name, **params)

    def search_wods(self, *, movements_all: str | list[str] | None = None, movements_any: str | list[str] | None = None,
                    category: str | None = None, form: str | None = None, duration: Pair | None = None,
                    difficulty: Pair | None = None, equipment: str | list[str] | None = None,
                    modalities: str | list[str] | None = None, limit: int | None = None, offset: int | None = None
                    ) -> pd.DataFrame:
        """Workouts matching every given filter (the seed's searchWODs). duration in seconds and difficulty
        as (low, high). Movements are catalog ids or any English or French name ("thrusters", "pompes");
        forms, categories, equipment and modalities any case; an unknown name raises QueryError with the
        closest ones, never an empty frame."""
        min_s, max_s = arguments.pair("duration", duration)
        min_d, max_d = arguments.pair("difficulty", difficulty)
        return self.query(
            "search_wods", movements_all=arguments.listed(movements_all), movements_any=arguments.listed(movements_any),
            category=arguments.category(category), form=arguments.form(form),
            min_seconds=min_s, max_seconds=max_s, min_difficulty=min_d, max_difficulty=max_d,
            equipment=arguments.equipment_list(equipment), modalities=arguments.modalities(modalities),
            limit=limit, offset=offset,
        )

    def wods_with_all_movements(self, movements: str | list[str], *, equipment: str | list[str] | None = None,
                                modalities: str | list[str] | None = None, limit: int | None = None,
                                offset: int | None = None) -> pd.DataFrame:
        """The seed's search by movements, every one present (ids or any English/French name), with the
        searchWODs filters."""
        return self._by_movements("wods_with_all_movements", movements, equipment, modalities, limit, offset)

    def wods_with_any_movement(self, movements: str | list[str], *, equipment: str | list[str] | None = None,
                               modalities: str | list[str] | None = None, limit: int | None = None,
                               offset: int | None = None) -> pd.DataFrame:
        """The seed's search by movements, at least one present, with the searchWODs filters."""
        return self._by_movements("wods_with_any_movement", movements, equipment, modalities, limit, offset)

    def _by_movements(self, name: str, movements, equipment, modalities, limit, offset) -> pd.DataFrame:
        return self.query(name, movements=arguments.listed(movements), equipment=arguments.equipment_list(equipment),
                          modalities=arguments.modalities(modalities), limit=limit, offset=offset)

    def wods(self) -> pd.DataFrame:
        """Every stored workout (see search_wods for the columns)."""
        return self.search_wods()

    # --- boards ----------------------------------------------------------------------------------------

    def leaderboard(self, wod: Name, *, track: str | None = "RX", gender: str | None = None, session: Name | None = None,
                    limit: int | None = None, policy: str = "box", exclude_flagged: bool = False,
                    competition: str | None = None) -> pd.DataFrame:
        """Each athlete's best result on a workout (title or id), ranked by a policy of wodlab.scoring.ranking
        ("box" or "crossfit"); track None means every track, gender None everyone. `flag` shows what the last
        check (suspicious_results) found; exclude_flagged leaves those results out before ranking.
        With `competition`, only that competition's results on the workout (its session)."""
        with self.engine.begin() as conn:
            if competition is not None:  # the query resolves the workout's name itself otherwise
                wod = names.resolve_workout(conn, wod)
                session = session_of(conn, names.resolve_competition(conn, competition), wod)
                if session is None:
                    raise QueryError(f"{wod!r} is not a workout of the competition {competition!r}")
            return queries.run(conn, "leaderboard", wod=wod, track=arguments.track(track), gender=arguments.gender(gender),
                               session_id=session, limit=arguments.optional_count("limit", limit),
                               policy=ranking.check_policy(policy), exclude_flagged=bool(exclude_flagged))

    def workout_results(self, wod: Name, *, track: str | None = "RX") -> pd.DataFrame:
        """Every result on a workout (title or id), by session, with the rank key and class percentile;
        track None means every track."""
        return self.query("workout_results", wod=wod, track=arguments.track(track))

    # --- slices of the results and events ----------------------------------------------------------------

    def results(self, *, start=None, end=None, wod: Name | None = None, tracks: str | list[str] | None = None,
                athlete: Name | None = None, session: Name | None = None) -> pd.DataFrame:
        """Results as a table, whole or sliced (dates inclusive, as date or 'YYYY-MM-DD'; tracks one or several,
        None for every track); query `results`, read through COPY."""
        return self.query("results", **_slice(start, end, wod, tracks, athlete, session))

    def results_arrow(self, *, start=None, end=None, wod: Name | None = None, tracks: str | list[str] | None = None,
                      athlete: Name | None = None, session: Name | None = None) -> pa.Table:
        """results(), as a pyarrow Table with the declared types."""
        return self.query_arrow("results", **_slice(start, end, wod, tracks, athlete, session))

    def events(self, *, start=None, end=None, wod: Name | None = None, tracks: str | list[str] | None = None,
               athlete: Name | None = None, session: Name | None = None) -> pd.DataFrame:
        """Realized events as a table, whole or sliced like results(); query `events`, read through COPY."""
        return self.query("events", **_slice(start, end, wod, tracks, athlete, session))

    def events_arrow(self, *, start=None, end=None, wod: Name | None = None, tracks: str | list[str] | None = None,
                     athlete: Name | None = None, session: Name | None = None) -> pa.Table:
        """events(), as a pyarrow Table with the declared types."""
        return self.query_arrow("events", **_slice(start, end, wod, tracks, athlete, session))

    # --- athletes ------------------------------------------------------------------------------------------

    def athletes(self) -> pd.DataFrame:
        """Every athlete, with how many results they have."""
        return self.query("athletes")

    def athlete(self, athlete: Name) -> pd.Series:
        """One athlete's row of `athletes()`; QueryError when unknown."""
        return self.athletes().set_index("athlete_id").loc[self.athlete_id(athlete)]

    def athlete_progression(self, athlete: Name, *, movement: str | None = None) -> pd.DataFrame:
        """An athlete's results, newest first; only workouts with `movement` (an id or any English/French name)."""
        return self.query("athlete_movement_progression", athlete_id=athlete, movement=movement)

    def athlete_history(self, athlete: Name) -> pd.DataFrame:
        """Every result of an athlete, oldest first, with class percentiles."""
        return self.query("athlete_history", athlete_id=athlete)

    # --- live sessions ----------------------------------------------------------------------------------------

    def tracked_sessions(self) -> pd.DataFrame:
        """Sessions with realized events, newest first."""
        return self.query("tracked_sessions")

    def session_events(self, session: Name) -> pd.DataFrame:
        """Every event of one session, in order."""
        return self.query("session_events", session_id=session)

    def live_leaderboard(self, session: Name) -> pd.DataFrame:
        """One session's athletes by the work their events add up to."""
        return self.query("live_leaderboard", session_id=session)

    def athlete_timeline(self, session: Name, *, athlete: Name) -> pd.DataFrame:
        """One athlete's events in one session, in order."""
        return self.query("athlete_timeline", session_id=session, athlete_id=athlete)

    def tracker(self, session: Name, *, start_time: float | None = None) -> tracker.RealtimeTracker:
        """A RealtimeTracker for one session: record events as they happen."""
        return tracker.RealtimeTracker(self.engine, self.session_id(session), start_time)

    def listen(self, session: Name | None = None, *, timeout: float | None = None, stop_after: int | None = None,
               on_ready=None) -> Iterator[dict]:
        """Yield live events (dicts) as they are recorded, by any process; see wodlab.tables.tracker.listen."""
        wanted = None if session is None else self.session_id(session)
        return tracker.listen(self.engine, wanted, timeout=timeout, stop_after=stop_after, on_ready=on_ready)

    # --- the server -----------------------------------------------------------------------------------------

    def slow_queries(self, *, limit: int | None = None) -> pd.DataFrame:
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
        """Ad-hoc SQL with bound parameters, for exploration (documented queries are better). Rolled back at the
        end, whatever the statement does."""
        with self.engine.connect() as conn:
            return pd.read_sql(sa.text(statement), conn, params=params)


def _slice(start, end, wod, tracks, athlete, session) -> dict:
    return {"start": start, "end": end, "wod": wod, "tracks": arguments.tracks(tracks), "athlete_id": athlete,
            "session_id": session}
