"""How long the difficulty fit takes: observed difficulty (joint ridge fit) and calibration.

    .venv/bin/python benchmarks/fit_difficulty.py                  # the committed fixture (fixtures/sim)
    .venv/bin/python benchmarks/fit_difficulty.py --athletes 1500 --weeks 16   # ~100k results

Prints the size and the seconds of each stage. The issue's bars: under 20 s on the fixture, and
100k results "in seconds", on a 2-core machine.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import wodlab
from wodlab import db
from wodlab.simulate import SimulationConfig, load_box, simulate, write_box

ROOT = Path(__file__).resolve().parent.parent


def timed(label: str, action):
    started = time.perf_counter()
    value = action()
    print(f"{label:<28} {time.perf_counter() - started:8.2f} s")
    return value


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
            box = timed("simulate", lambda: simulate(SimulationConfig(athletes=args.athletes, weeks=args.weeks,
                                                                      seed=args.seed, tracked_weeks=0)))
            box_dir = home / "box"
            write_box(box, box_dir)
        lab = wodlab.connect(db.start_embedded(home))
        timed("load", lambda: load_box(lab, box_dir, progress=False))
        observed = timed("observed difficulty (joint)", lab.difficulty.observed)
        print(f"  {observed.items['n_results'].sum()} results, {len(observed.athletes)} athletes, "
              f"{len(observed.items)} items, residual sd {observed.residual_sd:.3f}")
        _, report = timed("calibration (5-fold)", lambda: lab.difficulty.fit(observed=observed))
        print(report.summary())
        lab.engine.dispose()
    finally:
        db.stop_embedded(home)
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
