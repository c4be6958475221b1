"""What both benchmark scripts need: a throw-away embedded server, and a box to load into it."""

from __future__ import annotations

import argparse
import contextlib
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from wodlab.sim.config import SimulationConfig
from wodlab.sim.simulate import simulate, write_box
from wodlab.store.server import temporary_server

ROOT = Path(__file__).resolve().parent.parent


def arguments(description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--athletes", type=int, help="simulate a box this big instead of loading fixtures/sim")
    parser.add_argument("--weeks", type=int, default=16)
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args()


@contextlib.contextmanager
def server_and_box(args: argparse.Namespace, tracked_weeks: int = 4) -> Iterator[tuple[str, Path]]:
    """(URL of a fresh embedded server, folder of the box to load): the fixture, or a simulated one."""
    with temporary_server() as url, tempfile.TemporaryDirectory(prefix="wlb-") as scratch:
        box_dir = ROOT / "fixtures" / "sim"
        if args.athletes:
            started = time.perf_counter()
            box = simulate(SimulationConfig(athletes=args.athletes, weeks=args.weeks, seed=args.seed,
                                            tracked_weeks=tracked_weeks))
            box_dir = Path(scratch) / "box"
            write_box(box, box_dir)
            print(f"{'simulate':<28} {time.perf_counter() - started:8.2f} s   ({len(box.results)} results)")
        yield url, box_dir
