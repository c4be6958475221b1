"""Workout benchmarks: importing .wod files, and a catalogue padded to federation size."""

from __future__ import annotations

import re
from pathlib import Path

import sqlalchemy as sa
from wodcraft import library

from wodlab.bench.timing import timed
from wodlab.lab import Lab
from wodlab.tables import wods


def pad_workouts(lab: Lab, total: int) -> int:
    """Copies of the stored workouts (wods.replicate) until `total` are stored; fresh planner statistics."""
    with lab.engine.begin() as conn:
        stored = wods.replicate(conn, total)
    with lab.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE wod_definitions"))
    return stored


def bench_workouts(lab: Lab, scratch: Path, imported: int) -> dict:
    """lab.load_wods of wodcraft's library (83 files, compiled here), then of `imported` files made from it (a
    folder large enough for the import to compile in worker processes), timed apart; those are deleted after."""
    seconds = timed(lambda: lab.load_wods(library=True, progress=False))
    stored = int(lab.sql("SELECT count(*) AS n FROM wod_definitions")["n"][0])
    report = {"workouts": stored, "seconds": seconds, "workouts_per_s": stored / seconds}
    if imported:
        folder = write_numbered_workouts(scratch / "imported", imported)
        seconds = timed(lambda: lab.load_wods(folder, progress=False))
        report["folder"] = {"workouts": imported, "seconds": seconds, "workouts_per_s": imported / seconds}
        with lab.engine.begin() as conn:
            wods.delete_titled(conn, "% #import %")
    return report


def write_numbered_workouts(folder: Path, count: int) -> Path:
    """`count` .wod files, one workout each: the library's workouts in turn, each title numbered (a new text)."""
    folder.mkdir(parents=True)
    entries = library.entries()
    for k in range(count):
        source = entries[k % len(entries)].source
        numbered = re.sub(r"^# (.*)$", lambda m, k=k: f"# {m.group(1)} #import {k}", source, count=1, flags=re.M)
        (folder / f"w{k:06d}.wod").write_text(numbered, encoding="utf-8")
    return folder
