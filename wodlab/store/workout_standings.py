"""The per-workout boards (workout_standings, workout_boards) and how they are kept current.

The database keeps them itself: statement-level triggers on athlete_results, scheduled_sessions
and athletes (migration 017) recompute the best result of exactly the (workout, scope, athlete)
a statement touched, in that statement's transaction. So any writer keeps them true: a load, a
correction, a delete, a competition board, a live result, an INSERT typed by hand. A board read
after a load shows it; a failed load leaves the boards as they were. Nothing here is called by a
load.

`rebuild` computes every board again from the results (`wodlab refresh`): the check that the kept
boards are what a computation from scratch gives, and the repair after writes that bypassed the
triggers (session_replication_role = replica, a restore of raw table files). It writes only the
rows that differ, so readers keep their boards meanwhile.
"""

from __future__ import annotations

import time

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

TABLES = ("workout_standings", "workout_boards")


def rebuild(target: Engine | Connection) -> dict[str, float]:
    """Every board computed again from the results, in one transaction; {"workout_standings": seconds}."""
    if isinstance(target, Engine):
        with target.begin() as conn:
            return rebuild(conn)
    start = time.perf_counter()  # the upkeep's functions sort in memory (their work_mem: migration 026)
    target.execute(sa.text("SELECT wodlab_standings_rebuild()"))
    return {"workout_standings": time.perf_counter() - start}
