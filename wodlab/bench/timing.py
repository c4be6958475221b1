"""How the benchmark times: medians of runs, each run on a table emptied again."""

from __future__ import annotations

import statistics
import sys
import time

import sqlalchemy as sa

from wodlab.lab import Lab


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def median_of(runs: int, action, before=None) -> float:
    times = []
    for _ in range(runs):
        if before:
            before()
        times.append(timed(action))
    return statistics.median(times)


def emptied(lab: Lab, table: str) -> None:
    with lab.engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {table} CASCADE"))
