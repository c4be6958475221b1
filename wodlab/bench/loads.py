"""Write benchmarks: wodlab's loads against to_sql and COPY, the server's own ceilings, ADBC's ingest, events, memory."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import urllib.parse
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from wodlab.bench.timing import emptied, median_of, timed
from wodlab.lab import Lab
from wodlab.store import workout_standings

RESULT_TYPES = {"id": pg.UUID(as_uuid=False), "session_id": pg.UUID(as_uuid=False), "athlete_id": pg.UUID(as_uuid=False),
                "session_date": sa.Date(),
                "tiebreak_seconds": sa.Numeric(10, 3), "score_value": sa.Numeric(10, 3), "score_secondary": sa.Numeric(10, 3),
                "rank_value": sa.Numeric(14, 3)}


def bench_writes(lab: Lab, box_dir: Path, runs: int) -> dict:
    """wodlab load_results from the score text, against to_sql and COPY of the same rows already typed.

    All three write into athlete_results itself, emptied before each run: the same keys, indexes,
    foreign key and trigger, as an analyst loading into wodlab's schema by hand would meet them.
    """
    path = box_dir / "results.csv"
    # the default call: the boards and flags kept by the load's own statements are part of its time
    wodlab_s = median_of(runs, lambda: lab.load_results(path, progress=False), lambda: emptied(lab, "athlete_results"))
    refresh_s = median_of(runs, lambda: workout_standings.rebuild(lab.engine))
    # The rows wodlab wrote, typed as an analyst would hold them (the timeline JSON column is empty, left out).
    typed = lab.sql("SELECT * FROM athlete_results").drop(columns="realized_events")
    for column in ("score_value", "score_secondary", "tiebreak_seconds", "rank_value"):
        typed[column] = typed[column].astype(float)
    # to_sql as multi-row INSERTs, as many rows per statement as PostgreSQL's 65,535 parameters allow. Its
    # default (one INSERT per row, psycopg's executemany) runs the boards' upkeep once per row: 2-5 ms a
    # row, minutes at a box's size; a user who cares about speed passes method="multi".
    per_statement = 65_535 // len(typed.columns)
    to_sql_s = median_of(runs, lambda: typed.to_sql("athlete_results", lab.engine, if_exists="append", index=False,
                                                     dtype=RESULT_TYPES, chunksize=per_statement, method="multi"),
                         lambda: emptied(lab, "athlete_results"))
    rows = [tuple(None if pd.isna(v) else v for v in row) for row in typed.itertuples(index=False)]
    copy_s = median_of(runs, lambda: _copy_rows(lab, list(typed.columns), rows), lambda: emptied(lab, "athlete_results"))
    emptied(lab, "athlete_results")  # run() loads the box again, measuring the load's memory
    ceilings = bench_copy_ceilings(lab, typed, rows, runs)
    return {"rows": len(typed), "wodlab_load_results_s": wodlab_s, "refresh_standings_s": refresh_s,
            "to_sql_typed_s": to_sql_s, "copy_typed_s": copy_s, **ceilings,
            "ratio_to_sql_over_wodlab": to_sql_s / wodlab_s, "ratio_copy_over_wodlab": copy_s / wodlab_s,
            "ratio_copy_plain_over_wodlab": ceilings["copy_plain_s"] / wodlab_s,
            "ratio_adbc_plain_over_wodlab": ceilings["adbc_ingest_plain_s"] / wodlab_s}


PLAIN = "bench_plain_results"  # athlete_results' columns, no key, index, foreign key or trigger


def bench_copy_ceilings(lab: Lab, typed: pd.DataFrame, rows: list[tuple], runs: int) -> dict:
    """What the server can take at best, into a plain table of athlete_results' columns: psycopg COPY of the
    typed rows; ADBC's ingest of them as an Arrow table (binary COPY, into a table of its own types: uuids and
    dates as text, numerics as float8, as an Arrow table of a DataFrame holds them); and the server reading a
    binary COPY file of the rows from its own disk (no client, no network: the ceiling)."""
    columns = list(typed.columns)
    with lab.engine.begin() as conn:
        conn.execute(sa.text(f"DROP TABLE IF EXISTS {PLAIN}"))
        conn.execute(sa.text(f"CREATE TABLE {PLAIN} AS SELECT {', '.join(columns)} FROM athlete_results WITH NO DATA"))
    copy_s = median_of(runs, lambda: _copy_rows(lab, columns, rows, PLAIN), lambda: emptied(lab, PLAIN))
    with tempfile.TemporaryDirectory(prefix="wlbench-bin-") as folder:
        dump = Path(folder) / "results.bin"
        os.chmod(folder, 0o777)  # the server's process writes and reads the file
        with lab.engine.begin() as conn:
            conn.execute(sa.text(f"COPY {PLAIN} TO '{dump}' (FORMAT binary)"))
        binary_s = median_of(runs, lambda: _server_copy(lab, dump), lambda: emptied(lab, PLAIN))
    adbc_s = median_of(runs, lambda: _adbc_ingest(lab, typed), lambda: _drop(lab, "bench_adbc_results"))
    _drop(lab, "bench_adbc_results")
    _drop(lab, PLAIN)
    return {"copy_plain_s": copy_s, "adbc_ingest_plain_s": adbc_s, "binary_copy_server_s": binary_s}


def libpq_url(lab: Lab) -> str:
    """The lab's database as a libpq URL (ADBC, connectorx): the socket's folder percent-encoded as the host."""
    url = lab.engine.url
    host = url.query.get("host")
    where = urllib.parse.quote(host, safe="") if host else f"{url.host}:{url.port or 5432}"
    return f"postgresql://{url.username}:{urllib.parse.quote(url.password or '', safe='')}@{where}/{url.database}"


def _adbc_ingest(lab: Lab, typed: pd.DataFrame) -> None:
    import adbc_driver_postgresql.dbapi as adbc
    import pyarrow as pa

    arrow = pa.Table.from_pandas(typed, preserve_index=False)
    with adbc.connect(libpq_url(lab)) as conn:
        with conn.cursor() as cur:
            cur.adbc_ingest("bench_adbc_results", arrow, mode="create")
        conn.commit()


def _server_copy(lab: Lab, dump: Path) -> None:
    with lab.engine.begin() as conn:
        conn.execute(sa.text(f"COPY {PLAIN} FROM '{dump}' (FORMAT binary)"))


def _drop(lab: Lab, table: str) -> None:
    with lab.engine.begin() as conn:
        conn.execute(sa.text(f"DROP TABLE IF EXISTS {table}"))


def _copy_rows(lab: Lab, columns: list[str], rows: list[tuple], table: str = "athlete_results") -> None:
    with lab.engine.begin() as conn:
        raw = conn.connection.driver_connection
        with raw.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def bench_events(lab: Lab, box_dir: Path) -> dict:
    """wodlab load_events of the box's live events (once: the file is large at federation scale)."""
    path = next(p for p in (box_dir / "events.csv", box_dir / "events.jsonl") if p.is_file())
    seconds = timed(lambda: lab.load_events(path, progress=False))
    rows = int(lab.sql("SELECT count(*) AS n FROM realized_events")["n"].iloc[0])
    return {"rows": rows, "wodlab_load_events_s": seconds, "rows_per_s": rows / seconds}


def peak_load_rss(url: str, path: Path) -> float:
    """Peak memory (MiB) of `wodlab load results FILE` run as a user runs it, in a process of its own.

    The process reports its own high-water mark (VmHWM, Linux): getrusage of a child would count the
    pages of this (large) process that the child shares between fork and exec. To it is added the
    peak of the process that converts the batches (wodlab.load.columnar.converted_elsewhere, a fork of the
    load's process): an upper bound, since the pages they share are counted twice."""
    script = ("import resource, runpy, sys\n"
              f"sys.argv = ['wodlab', 'load', 'results', {str(path)!r}, '--quiet']\n"
              "try:\n    runpy.run_module('wodlab.cli', run_name='__main__')\n"
              "except SystemExit as done:\n    assert not done.code, done.code\n"
              "own = next(int(line.split()[1]) for line in open('/proc/self/status') if line.startswith('VmHWM'))\n"
              "print(own + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")
    run = subprocess.run([sys.executable, "-c", script], env={**os.environ, "DATABASE_URL": url},
                         capture_output=True, text=True)
    if run.returncode:
        raise RuntimeError(f"`wodlab load results` failed in the memory run:\n{run.stderr[-3000:]}")
    return int(run.stdout.split()[-1]) / 1024
