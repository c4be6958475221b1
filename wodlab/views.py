"""The materialised views (migration 012) and how they are kept true.

workout_standings holds every workout's boards (each athlete's best result, ranked): the loaders
of results, athletes and sessions refresh it in their own transaction, so a board read after a
load shows the load, and a failed load leaves the view as it was. A program loading many files in
a row can pass refresh=False to each and refresh once at the end (`lab.refresh()`, `wodlab
refresh`). REFRESH ... CONCURRENTLY recomputes the view beside the old one and applies the
difference: leaderboards keep reading while it runs. An empty view (a first load) is built plainly.
"""

from __future__ import annotations

import time

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

VIEWS = ("workout_standings",)
REFRESH_WORK_MEM = "256MB"


def refresh(target: Engine | Connection) -> dict[str, float]:
    """Refresh every materialised view (concurrently); {view: seconds it took}."""
    if isinstance(target, Engine):
        with target.begin() as conn:
            return refresh(conn)
    took = {}
    # The view's sorts (best per athlete, four rankings) fit in memory with room to sort: a third
    # faster than spilling to disk at 287k results. SET LOCAL ends with the transaction.
    target.execute(sa.text(f"SET LOCAL work_mem = '{REFRESH_WORK_MEM}'"))
    for view in VIEWS:
        start = time.perf_counter()
        target.execute(sa.text(f"REFRESH MATERIALIZED VIEW {_how(target, view)} {view}"))
        took[view] = time.perf_counter() - start
    return took


def _how(conn: Connection, view: str) -> str:
    """CONCURRENTLY, unless the view is empty (a first load): then no reader has a board to keep, and
    the plain refresh, which builds the view anew instead of diffing it row by row, is a third faster."""
    return "CONCURRENTLY" if conn.execute(sa.text(f"SELECT EXISTS (SELECT 1 FROM {view})")).scalar() else ""
