"""Lab: the handle a notebook holds. One engine, and the verbs a coach or analyst needs.

Every verb is thin: it checks its arguments (wodlab.lab.arguments; names through wodlab.store.names),
then calls the module that owns the work. The same conventions hold for every verb:

- the verb's subject (a workout, an athlete, a session, a competition, a file) comes first and
  positional; every other argument is keyword-only, and a parameter has one default in every verb
  (track="RX", limit=None, k=10, progress=None: a bar on a terminal);
- an `athlete` is the athlete's id or the box's external id ("alice"); a `wod` a workout's title
  (any case) or id; a `session` a scheduled session's id; `track=None` means every track;
- tracks ("RX", "rx", "Scaled") and genders ("m", "F") are case-insensitive;
- a mistake in an argument, or a name that matches nothing, raises QueryError naming it (with the
  closest names); a filter that matches nothing returns an empty frame with the full schema;
- every frame has the declared column -> dtype contract of its query (sql/queries) or schema; the
  `*_arrow` verbs return the same as pyarrow Tables.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from wodlab.core.errors import DatabaseError
from wodlab.lab.audits import AuditVerbs
from wodlab.lab.competitions import CompetitionVerbs
from wodlab.lab.difficulty_tools import DifficultyTools
from wodlab.lab.loads import LoadVerbs
from wodlab.lab.programming import ProgrammingVerbs
from wodlab.lab.reads import ReadVerbs
from wodlab.store import db, schema
from wodlab.store.cache import WODCraftCache, default_cache
from wodlab.store.copies import copy_database
from wodlab.store.server import resolve_url


class Lab(LoadVerbs, ReadVerbs, CompetitionVerbs, AuditVerbs, ProgrammingVerbs):
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

    def require_results(self) -> int:
        """The number of results; a clear error when there are none (a notebook opened on an empty box)."""
        with self.engine.connect() as conn:
            n = conn.execute(sa.text("SELECT count(*) FROM athlete_results")).scalar_one()
        if not n:
            raise DatabaseError(f"no results in {self!r}: run `make demo`, or `wodlab load box fixtures/sim`")
        return n

    def scratch_copy(self, name: str | None = None) -> Lab:
        """A copy of this database on the same server, for trying writes; see wodlab.store.server.copy_database."""
        target = name or f"{self.engine.url.database}_scratch"
        self.engine.dispose()  # PostgreSQL copies a database only while nobody is connected to it
        return connect(copy_database(self.engine.url, target))


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
