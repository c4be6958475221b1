"""How long the difficulty fit takes: observed difficulty (joint ridge fit) and calibration.

    .venv/bin/python benchmarks/fit_difficulty.py                  # the committed fixture (fixtures/sim)
    .venv/bin/python benchmarks/fit_difficulty.py --athletes 2000  # ~87k results

Prints the size and the seconds of each stage. The issue's bars: under 20 s on the fixture, and
100k results "in seconds", on a 2-core machine.
"""

from __future__ import annotations

import time

import wodlab
from common import arguments, server_and_box


def timed(label: str, action):
    started = time.perf_counter()
    value = action()
    print(f"{label:<28} {time.perf_counter() - started:8.2f} s")
    return value


def main() -> None:
    args = arguments(__doc__)
    with server_and_box(args, tracked_weeks=0) as (url, box_dir):
        lab = wodlab.connect(url)
        timed("load", lambda: lab.load_box(box_dir, progress=False))
        observed = timed("observed difficulty (joint)", lab.difficulty.observed)
        print(f"  {observed.items['n_results'].sum()} results, {len(observed.athletes)} athletes, "
              f"{len(observed.items)} items, residual sd {observed.residual_sd:.3f}")
        _, report = timed("calibration (5-fold)", lambda: lab.difficulty.fit(observed=observed))
        print(report.summary())
        lab.engine.dispose()


if __name__ == "__main__":
    main()
