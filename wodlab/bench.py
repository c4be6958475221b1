"""Benchmarks: wodlab against what a user would otherwise write, measured in one run on the same rows.

    python -m wodlab.bench --scale small|box|federation [--runs N] [--json PATH]

Every comparison is a ratio measured in the same run, in the same throw-away embedded database,
on the same rows (this machine is noisy: absolute seconds move, ratios much less); each figure is
the median of --runs runs. The report is printed as a table and written as JSON; the EXPLAIN of
each documented query timed is kept in the JSON.

Scales (simulated boxes, wodlab.sim.simulate): small = the fixture's box (120 athletes x 16 weeks);
box = 1,000 athletes x 104 weeks; federation = 8,000 athletes x 46 weeks (about 1M results).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg
from wodcraft import library

from wodlab.lab import Lab, connect
from wodlab.sim.config import SimulationConfig
from wodlab.sim.open_board import open_board
from wodlab.sim.simulate import simulate, write_box
from wodlab.store import workout_standings
from wodlab.store.server import temporary_server
from wodlab.tables import wods

SCALES = {
    "small": SimulationConfig(athletes=120, weeks=16, seed=7, tracked_weeks=4),
    "box": SimulationConfig(athletes=1000, weeks=104, seed=11, tracked_weeks=2),
    # seventeen tracked weeks of 8,000 athletes: about 5M live events (ten gave 3.1M)
    "federation": SimulationConfig(athletes=8000, weeks=46, seed=11, tracked_weeks=17),
}
# Workouts stored before the queries are timed: a federation's library is ~100k workouts, made here
# by copying the stored ones under other titles and hashes (their movements, durations and
# difficulties spread), which is what the searches' indexes see.
STORED_WORKOUTS = {"small": 0, "box": 0, "federation": 100_000}
# Workout files imported as one folder, timed (wodlab.tables.ingest compiles 400 files or more in worker processes).
IMPORTED_WORKOUTS = {"small": 50, "box": 2_000, "federation": 2_000}
QUERIES = {  # documented queries timed, with their parameters (None: chosen from the data, see _query_params)
    "leaderboard": {"wod": "Fran", "track": "RX", "limit": 10},
    "best_times": {"title": "Fran", "limit": 10},
    # a page of the search, as the API serves it (every match of 'deadlift or thruster' is ~30k rows at 100k)
    "wods_with_any_movement": {"movements": ["deadlift", "thruster"], "limit": 20},
    "wods_with_all_movements": {"movements": ["thruster", "pull_up"], "limit": 20},
    "athlete_movement_progression": {"athlete_id": None, "movement": "thruster"},
    "live_leaderboard": {"session_id": None},
}
RESULT_TYPES = {"id": pg.UUID(as_uuid=False), "session_id": pg.UUID(as_uuid=False), "athlete_id": pg.UUID(as_uuid=False),
                "session_date": sa.Date(),
                "tiebreak_seconds": sa.Numeric(10, 3), "score_value": sa.Numeric(10, 3), "score_secondary": sa.Numeric(10, 3),
                "rank_value": sa.Numeric(14, 3)}


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


def _empty(lab: Lab, table: str) -> None:
    with lab.engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {table} CASCADE"))


def bench_writes(lab: Lab, box_dir: Path, runs: int) -> dict:
    """wodlab load_results from the score text, against to_sql and COPY of the same rows already typed.

    All three write into athlete_results itself, emptied before each run: the same keys, indexes,
    foreign key and trigger, as an analyst loading into wodlab's schema by hand would meet them.
    """
    path = box_dir / "results.csv"
    # the default call: the boards and flags kept by the load's own statements are part of its time
    wodlab_s = median_of(runs, lambda: lab.load_results(path, progress=False), lambda: _empty(lab, "athlete_results"))
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
                         lambda: _empty(lab, "athlete_results"))
    rows = [tuple(None if pd.isna(v) else v for v in row) for row in typed.itertuples(index=False)]
    copy_s = median_of(runs, lambda: _copy_rows(lab, list(typed.columns), rows), lambda: _empty(lab, "athlete_results"))
    _empty(lab, "athlete_results")  # run() loads the box again, measuring the load's memory
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
    copy_s = median_of(runs, lambda: _copy_rows(lab, columns, rows, PLAIN), lambda: _empty(lab, PLAIN))
    with tempfile.TemporaryDirectory(prefix="wlbench-bin-") as folder:
        dump = Path(folder) / "results.bin"
        os.chmod(folder, 0o777)  # the server's process writes and reads the file
        with lab.engine.begin() as conn:
            conn.execute(sa.text(f"COPY {PLAIN} TO '{dump}' (FORMAT binary)"))
        binary_s = median_of(runs, lambda: _server_copy(lab, dump), lambda: _empty(lab, PLAIN))
    adbc_s = median_of(runs, lambda: _adbc_ingest(lab, typed), lambda: _drop(lab, "bench_adbc_results"))
    _drop(lab, "bench_adbc_results")
    _drop(lab, PLAIN)
    return {"copy_plain_s": copy_s, "adbc_ingest_plain_s": adbc_s, "binary_copy_server_s": binary_s}


def _libpq_url(lab: Lab) -> str:
    """The lab's database as a libpq URL (ADBC, connectorx): the socket's folder percent-encoded as the host."""
    url = lab.engine.url
    host = url.query.get("host")
    where = urllib.parse.quote(host, safe="") if host else f"{url.host}:{url.port or 5432}"
    return f"postgresql://{url.username}:{urllib.parse.quote(url.password or '', safe='')}@{where}/{url.database}"


def _adbc_ingest(lab: Lab, typed: pd.DataFrame) -> None:
    import adbc_driver_postgresql.dbapi as adbc
    import pyarrow as pa

    arrow = pa.Table.from_pandas(typed, preserve_index=False)
    with adbc.connect(_libpq_url(lab)) as conn:
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


def bench_reads(lab: Lab, runs: int) -> dict:
    """lab.results() against pandas.read_sql and a hand-written COPY -> read_csv of the table."""
    wodlab_s = median_of(runs, lab.results)
    read_sql_s = median_of(runs, lambda: lab.sql("SELECT * FROM athlete_results"))
    copy_s = median_of(runs, lambda: _copy_read(lab))
    connectorx_s = median_of(runs, lambda: _connectorx_read(lab))
    adbc_s = median_of(runs, lambda: _adbc_read(lab))
    return {"rows": len(lab.results()), "wodlab_results_s": wodlab_s, "read_sql_s": read_sql_s, "copy_read_csv_s": copy_s,
            "connectorx_arrow_s": connectorx_s, "adbc_arrow_s": adbc_s,
            "ratio_read_sql_over_wodlab": read_sql_s / wodlab_s, "ratio_wodlab_over_copy": wodlab_s / copy_s,
            "ratio_wodlab_over_connectorx": wodlab_s / connectorx_s, "ratio_wodlab_over_adbc": wodlab_s / adbc_s}


def _connectorx_read(lab: Lab):
    """The bare table as an Arrow table by connectorx (no join, no sort, no types beyond the driver's)."""
    import connectorx

    return connectorx.read_sql(_libpq_url(lab), "SELECT * FROM athlete_results", return_type="arrow")


def _adbc_read(lab: Lab):
    """The bare table as an Arrow table by ADBC's fetch_arrow_table (numerics come as opaque text)."""
    import adbc_driver_postgresql.dbapi as adbc

    with adbc.connect(_libpq_url(lab)) as conn, conn.cursor() as cur:
        cur.execute("SELECT * FROM athlete_results")
        return cur.fetch_arrow_table()


def _copy_read(lab: Lab) -> pd.DataFrame:
    buffer = io.BytesIO()
    with lab.engine.connect() as conn:
        raw = conn.connection.driver_connection
        with raw.cursor() as cur, cur.copy("COPY (SELECT * FROM athlete_results) TO STDOUT WITH (FORMAT csv, HEADER true)") as copy:
            for chunk in copy:
                buffer.write(chunk)
    buffer.seek(0)
    return pd.read_csv(buffer)


# Competition board timed by the incremental section: athletes (each does the five workouts of
# wodlab.sim.open_board, so five scores each); the federation's is a worldwide Open's size.
BOARD_ATHLETES = {"small": 600, "box": 6_000, "federation": 30_000}
# The box whose difficulty is fitted with the default errors: a realistic one of ~49,000 results (a
# competition region's size), smaller in CI's smoke test; its truth gives the intervals' coverage.
DIFFICULTY_BOX = {"small": SimulationConfig(athletes=60, weeks=10, seed=404, scenario="realistic", tracked_weeks=0),
                  "box": SimulationConfig(athletes=500, weeks=40, seed=404, scenario="realistic", tracked_weeks=0),
                  "federation": SimulationConfig(athletes=500, weeks=40, seed=404, scenario="realistic", tracked_weeks=0)}


def bench_incremental(lab: Lab, box_dir: Path, scratch: Path, scale: str, runs: int) -> dict:
    """What a change costs once the box is stored: its last day's results loaded again into the database
    holding all the others (taken out before each run), one of them corrected (update=True), and a
    competition board loaded. Each returns with the boards and flags current (the statements keep them)."""
    results = pd.read_csv(box_dir / "results.csv", dtype=str, keep_default_na=False)
    last = results["session_date"].max()
    day = results[results["session_date"] == last]
    day_path = scratch / "day.csv"
    day.to_csv(day_path, index=False)

    def take_out_day() -> None:
        with lab.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM athlete_results WHERE session_date = :d"), {"d": last})

    day_s = median_of(runs, lambda: lab.load_results(day_path, progress=False), take_out_day)
    row = _timed_row(results)
    correction, correction_path, correction_s = results.iloc[[row]].copy(), scratch / "correction.csv", []
    for k in range(runs):  # the score one second later, then back: each run changes it
        correction["score"] = _bumped(results["score"].iloc[row], later=k % 2 == 0)
        correction.to_csv(correction_path, index=False)
        correction_s.append(timed(lambda: lab.load_results(correction_path, update=True, progress=False)))
    board = open_board(BOARD_ATHLETES[scale], seed=11)
    board_s = timed(lambda: lab.load_leaderboard(board, competition="Bench Open"))
    return {"stored_results": int(lab.sql("SELECT count(*) AS n FROM athlete_results")["n"].iloc[0]),
            "day_results": len(day), "day_load_s": day_s, "correction_s": statistics.median(correction_s),
            "board_scores": len(board), "board_load_s": board_s, "board_rows_per_s": len(board) / board_s}


def _timed_row(results: pd.DataFrame) -> int:
    """The last of the box's results scored as a time (m:ss): the one corrected."""
    return int(results["score"].str.fullmatch(r"\d+:\d\d").to_numpy().nonzero()[0][-1])


def _bumped(score: str, later: bool) -> str:
    """A time one second later (or the time itself again): a corrected score."""
    minutes, seconds = (int(part) for part in score.split(":"))
    total = minutes * 60 + seconds + (1 if later else 0)
    return f"{total // 60}:{total % 60:02d}"


def bench_difficulty(scale: str) -> dict:
    """lab.difficulty.observed() with its default errors on DIFFICULTY_BOX (its own server), and with the
    model's own (one fit) beside it; the default's intervals' coverage of the simulator's truth."""
    from wodlab.difficulty import reliability

    config = DIFFICULTY_BOX[scale]
    with tempfile.TemporaryDirectory(prefix="wlbench-difficulty-") as scratch, temporary_server() as url:
        folder = Path(scratch) / "box"
        write_box(simulate(config), folder)
        lab = connect(url)
        lab.load_box(folder, progress=False)
        n = int(lab.sql("SELECT count(*) AS n FROM athlete_results")["n"].iloc[0])
        model_s = timed(lambda: lab.difficulty.observed(errors="model"))
        started = time.perf_counter()
        observed = lab.difficulty.observed(progress=False)
        default_s = time.perf_counter() - started
        truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
        covered = reliability.coverage(reliability.items_with_truth(observed, truth))
        lab.engine.dispose()
    return {"results": n, "athletes": config.athletes, "weeks": config.weeks, "one_fit_s": model_s,
            "default_errors_s": default_s, "fits_worth": default_s / model_s, "coverage": covered}


def _query_params(lab: Lab) -> dict:
    """QUERIES with the data's busiest athlete and most tracked session filled in."""
    athlete = lab.sql("SELECT athlete_id::text AS a FROM athlete_results GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")
    session = lab.sql("SELECT session_id::text AS s FROM realized_events GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")
    chosen = {"athlete_id": athlete["a"].iloc[0], "session_id": session["s"].iloc[0] if len(session) else None}
    return {name: {k: chosen.get(k) if v is None else v for k, v in params.items()} for name, params in QUERIES.items()}


def bench_queries(lab: Lab, repeats: int = 20) -> dict:
    """p50 in milliseconds of each documented query, with its EXPLAIN."""
    out = {}
    for name, params in _query_params(lab).items():
        if None in params.values():
            continue  # e.g. no tracked session in this box
        times = [timed(lambda n=name, p=params: lab.query(n, **p)) for _ in range(repeats)]
        out[name] = {"p50_ms": 1000 * statistics.median(times), "explain": lab.explain(name, **params)}
    return out


def bench_events(lab: Lab, box_dir: Path) -> dict:
    """wodlab load_events of the box's live events (once: the file is large at federation scale)."""
    path = next(p for p in (box_dir / "events.csv", box_dir / "events.jsonl") if p.is_file())
    seconds = timed(lambda: lab.load_events(path, progress=False))
    rows = int(lab.sql("SELECT count(*) AS n FROM realized_events")["n"].iloc[0])
    return {"rows": rows, "wodlab_load_events_s": seconds, "rows_per_s": rows / seconds}


def pad_workouts(lab: Lab, total: int) -> int:
    """Copies of the stored workouts (wods.replicate) until `total` are stored; fresh planner statistics."""
    with lab.engine.begin() as conn:
        stored = wods.replicate(conn, total)
    with lab.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE wod_definitions"))
    return stored


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


def run(scale: str, runs: int) -> dict:
    config = SCALES[scale]
    with tempfile.TemporaryDirectory(prefix="wlbench-") as scratch, temporary_server() as url:
        say(f"simulating the {scale} box ({config.athletes} athletes x {config.weeks} weeks)...")
        box_dir = Path(scratch) / "box"
        write_box(simulate(config), box_dir)
        lab = connect(url)
        say("importing workouts...")
        report = {"scale": scale, "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                  "machine": {"python": platform.python_version(), "system": platform.platform(),
                              "processor": platform.machine()},
                  "workouts": bench_workouts(lab, Path(scratch), IMPORTED_WORKOUTS[scale])}
        lab.load_wods(box_dir / "wods", progress=False)
        lab.load_athletes(box_dir / "athletes.csv", progress=False)
        lab.load_sessions(box_dir / "sessions.csv", progress=False)
        say("timing result loads...")
        report["writes"] = bench_writes(lab, box_dir, runs)
        report["writes"]["peak_rss_mib"] = peak_load_rss(url, box_dir / "results.csv")  # also the box's results, kept
        say("timing event loads...")
        report["events"] = bench_events(lab, box_dir)
        say("timing reads...")
        report["reads"] = bench_reads(lab, runs)
        say("timing incremental changes...")  # after the reads: its competition board adds results
        report["incremental"] = bench_incremental(lab, box_dir, Path(scratch), scale, runs)
        if STORED_WORKOUTS[scale]:
            say(f"storing {STORED_WORKOUTS[scale]:,} workouts...")
            report["workouts"]["stored_for_queries"] = pad_workouts(lab, STORED_WORKOUTS[scale])
        say("timing documented queries...")
        report["queries"] = bench_queries(lab)
        lab.engine.dispose()
    say("timing the difficulty fit with its default errors...")
    report["difficulty"] = bench_difficulty(scale)
    return report


def table(report: dict) -> str:
    w, r, q, i, d = report["writes"], report["reads"], report["queries"], report["incremental"], report["difficulty"]
    lines = [f"wodlab benchmark, scale {report['scale']} ({w['rows']:,} results), {report['when']}",
             f"  load results from score text   {w['wodlab_load_results_s']:8.2f} s",
             f"  rebuild of the boards          {w['refresh_standings_s']:8.2f} s   (wodlab refresh's boards; loads keep them)",
             f"  to_sql of typed rows           {w['to_sql_typed_s']:8.2f} s   ratio to_sql/wodlab {w['ratio_to_sql_over_wodlab']:.2f}",
             f"  COPY of typed rows             {w['copy_typed_s']:8.2f} s   ratio COPY/wodlab   {w['ratio_copy_over_wodlab']:.2f}",
             f"  COPY into a plain table        {w['copy_plain_s']:8.2f} s   ratio COPY/wodlab   "
             f"{w['ratio_copy_plain_over_wodlab']:.2f}",
             f"  ADBC ingest, plain table       {w['adbc_ingest_plain_s']:8.2f} s   ratio ADBC/wodlab   "
             f"{w['ratio_adbc_plain_over_wodlab']:.2f}",
             f"  server's binary COPY of a file {w['binary_copy_server_s']:8.2f} s   (the ceiling: no client)",
             f"  one more day                   {i['day_load_s']:8.2f} s   ({i['day_results']:,} results into {i['stored_results']:,})",
             f"  one corrected score            {i['correction_s']:8.2f} s",
             f"  a competition board            {i['board_load_s']:8.2f} s   ({i['board_scores']:,} scores, "
             f"{i['board_rows_per_s']:,.0f}/s)",
             f"  difficulty, default errors     {d['default_errors_s']:8.2f} s   ({d['results']:,} results: "
             f"{d['fits_worth']:.1f} fits' time, coverage {100 * d['coverage']:.1f}%)",
             f"  lab.results()                  {r['wodlab_results_s']:8.2f} s",
             f"  pandas.read_sql                {r['read_sql_s']:8.2f} s   ratio read_sql/wodlab {r['ratio_read_sql_over_wodlab']:.2f}",
             f"  COPY -> read_csv               {r['copy_read_csv_s']:8.2f} s   ratio wodlab/COPY   {r['ratio_wodlab_over_copy']:.2f}",
             f"  connectorx, Arrow              {r['connectorx_arrow_s']:8.2f} s   ratio wodlab/cx     "
             f"{r['ratio_wodlab_over_connectorx']:.2f}",
             f"  ADBC fetch_arrow_table         {r['adbc_arrow_s']:8.2f} s   ratio wodlab/ADBC   "
             f"{r['ratio_wodlab_over_adbc']:.2f}",
             f"  peak memory of the load        {w['peak_rss_mib']:8.0f} MiB (`wodlab load results`, its own process)",
             f"  load events                    {report['events']['wodlab_load_events_s']:8.2f} s   "
             f"({report['events']['rows']:,} events, {report['events']['rows_per_s']:,.0f}/s)",
             f"  workout import, the library    {report['workouts']['workouts_per_s']:8.0f} workouts/s"]
    if "folder" in report["workouts"]:
        folder = report["workouts"]["folder"]
        lines.append(f"  workout import, a folder       {folder['workouts_per_s']:8.0f} workouts/s ({folder['workouts']:,} files)")
    lines += [f"  query {name:<24} p50 {figures['p50_ms']:8.2f} ms" for name, figures in q.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m wodlab.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=list(SCALES), default="small")
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (the median is reported)")
    parser.add_argument("--json", help="where to write the report (default: bench-SCALE.json)")
    args = parser.parse_args(argv)
    report = run(args.scale, max(1, args.runs))
    print(table(report))
    Path(args.json or f"bench-{args.scale}.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
