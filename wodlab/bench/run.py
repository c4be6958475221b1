"""Benchmarks: wodlab against what a user would otherwise write, measured in one run on the same rows.

    python -m wodlab.bench --scale small|box|federation [--runs N] [--json PATH]
    python -m wodlab.bench --scenarios [NAME ...] [--json PATH]   (the difficulty fit per simulated scenario)

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
import json
import platform
import tempfile
from pathlib import Path

from wodlab.bench.incremental import bench_difficulty, bench_incremental
from wodlab.bench.loads import bench_events, bench_writes, peak_load_rss
from wodlab.bench.reads import bench_queries, bench_reads
from wodlab.bench.scenarios import bench_scenarios
from wodlab.bench.scenarios import table as scenario_table
from wodlab.bench.timing import say
from wodlab.bench.workouts import bench_workouts, pad_workouts
from wodlab.lab import connect
from wodlab.sim.config import SCENARIOS, SimulationConfig
from wodlab.sim.simulate import simulate, write_box
from wodlab.store.server import temporary_server

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
    parser.add_argument("--scenarios", nargs="*", metavar="SCENARIO",
                        help="instead: the difficulty fit's recovery of the truth per simulated scenario (all when none "
                             "is named; wodlab.bench.scenarios)")
    args = parser.parse_args(argv)
    if args.scenarios is not None:
        rows = bench_scenarios(tuple(args.scenarios) or tuple(SCENARIOS))
        print(scenario_table(rows))
        Path(args.json or "bench-scenarios.json").write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
        return 0
    report = run(args.scale, max(1, args.runs))
    print(table(report))
    Path(args.json or f"bench-{args.scale}.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return 0

