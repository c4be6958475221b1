"""How long loading a simulated box takes, stage by stage, on a fresh embedded database.

    .venv/bin/python benchmarks/load_box.py                       # the committed fixture (fixtures/sim)
    .venv/bin/python benchmarks/load_box.py --athletes 5000 --weeks 52   # simulate a bigger box first

Prints one line per stage: rows and seconds. The issue's bar: the fixture loads in under 30 s
on a 2-core machine.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

import wodlab
from wodlab import db
from wodlab.simulate import SimulationConfig, simulate, write_box

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--athletes", type=int)
    parser.add_argument("--weeks", type=int, default=16)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="wlb-", dir="/tmp"))
    try:
        box_dir = ROOT / "fixtures" / "sim"
        if args.athletes:
            started = time.perf_counter()
            box = simulate(SimulationConfig(athletes=args.athletes, weeks=args.weeks, seed=args.seed))
            box_dir = home / "box"
            write_box(box, box_dir)
            print(f"simulate   {len(box.results):>9} results {time.perf_counter() - started:8.2f} s")
        url = db.start_embedded(home)
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
            rows = len(report.outcomes) if name == "wods" else report.rows_read
            print(f"{name:<10} {rows:>9} rows    {time.perf_counter() - started:8.2f} s")
        print(f"{'total':<10} {'':>9}         {time.perf_counter() - total:8.2f} s")
        with lab.engine.connect() as conn:
            print("results in database:", conn.execute(sa.text("SELECT count(*) FROM athlete_results")).scalar_one())
        lab.engine.dispose()
    finally:
        db.stop_embedded(home)
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
