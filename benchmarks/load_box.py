"""How long loading a simulated box takes, stage by stage, on a fresh embedded database.

    .venv/bin/python benchmarks/load_box.py                       # the committed fixture (fixtures/sim)
    .venv/bin/python benchmarks/load_box.py --athletes 5000 --weeks 52   # simulate a bigger box first

Prints one line per stage: rows and seconds. The issue's bar: the fixture loads in under 30 s
on a 2-core machine.
"""

from __future__ import annotations

import time

import sqlalchemy as sa

import wodlab
from common import arguments, server_and_box


def main() -> None:
    args = arguments(__doc__)
    with server_and_box(args) as (url, box_dir):
        lab = wodlab.connect(url)
        total = time.perf_counter()
        stages = [("wods", lambda: lab.load_wods(box_dir / "wods", library=True, progress=False)),
                  ("athletes", lambda: lab.load_athletes(box_dir / "athletes.csv", progress=False)),
                  ("sessions", lambda: lab.load_sessions(box_dir / "sessions.csv", progress=False)),
                  ("results", lambda: lab.load_results(box_dir / "results.csv", progress=False)),
                  ("events", lambda: lab.load_events(box_dir / "events.csv", progress=False))]
        for name, stage in stages:
            started = time.perf_counter()
            report = stage()
            rows = report.rows_read
            print(f"{name:<10} {rows:>9} rows    {time.perf_counter() - started:8.2f} s")
        print(f"{'total':<10} {'':>9}         {time.perf_counter() - total:8.2f} s")
        with lab.engine.connect() as conn:
            print("results in database:", conn.execute(sa.text("SELECT count(*) FROM athlete_results")).scalar_one())
        lab.engine.dispose()


if __name__ == "__main__":
    main()
