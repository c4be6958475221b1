"""`wodlab query | difficulty | programming | simulate`: reading, modelling and simulated boxes."""

from __future__ import annotations

import tempfile
from dataclasses import fields
from pathlib import Path

from wodlab.cli.common import connect, default, print_table, progress
from wodlab.core.errors import WodlabError
from wodlab.store import queries


def add_parsers(sub) -> None:
    from wodlab.lab.programming import ProgrammingVerbs
    from wodlab.sim.config import SCENARIOS, SimulationConfig

    p = sub.add_parser("query", help="run a documented query; without a name, list them")
    p.add_argument("name", nargs="?")
    p.add_argument("params", nargs="*", metavar="name=value", help="lists are comma-separated")
    p.add_argument("--markdown", action="store_true", help="print the query reference (markdown) and exit")
    p.set_defaults(func=_query)

    p = sub.add_parser("difficulty", help="difficulty models: list | fit [--apply] | apply VERSION | durations [--write]")
    p.add_argument("action", choices=["list", "fit", "apply", "durations"])
    p.add_argument("version", nargs="?", help="for apply: the version to recompute every score with")
    p.add_argument("--apply", action="store_true", help="for fit: apply the new version at once")
    p.add_argument("--notes", help="for fit: a note saved with the version")
    p.add_argument("--write", action="store_true",
                   help="for durations: store the learned durations in wod_definitions.duration_seconds")
    p.set_defaults(func=_difficulty)

    p = sub.add_parser("programming", help="programming review: report (balance findings) | suggest (workouts to add)")
    p.add_argument("action", choices=["report", "suggest"])
    p.add_argument("--weeks", type=int, help="the WEEKS up to --end (default end: the last scheduled session)")
    p.add_argument("--start", help="first day, YYYY-MM-DD (instead of --weeks)")
    p.add_argument("--end", help="last day, YYYY-MM-DD")
    track = default(ProgrammingVerbs.programming_report, "track")
    p.add_argument("--track", default=track, help=f"RX, SCALED or INTERMEDIATE (default {track})")
    k = default(ProgrammingVerbs.suggest_wods, "k")
    p.add_argument("-k", type=int, default=k, help=f"for suggest: how many workouts (default {k})")
    p.set_defaults(func=_programming)

    config = {f.name: f.default for f in fields(SimulationConfig)}
    p = sub.add_parser("simulate", help="a synthetic box with known ground truth (deterministic from --seed)")
    p.add_argument("--athletes", type=int, default=config["athletes"])
    p.add_argument("--weeks", type=int, default=config["weeks"])
    p.add_argument("--seed", type=int, default=config["seed"])
    p.add_argument("--gross-error-rate", type=float, default=config["gross_error_rate"])
    p.add_argument("--tracked-weeks", type=int, default=config["tracked_weeks"], help="live events for the last weeks only")
    p.add_argument("--wods", action="append", default=[], metavar="PATH",
                   help=".wod files or folders whose workouts join the programming (repeatable)")
    p.add_argument("--scenario", default=config["scenario"], choices=list(SCENARIOS),
                   help="how the results depart from the model the difficulty fit assumes (realistic: all at once)")
    p.add_argument("--world-seed", type=int, default=config["world_seed"],
                   help="draw the workouts' true difficulties from this seed: boxes sharing it (with other --seed) "
                        "are two boxes of one population doing the same workouts")
    p.add_argument("--out", help="write athletes.csv, sessions.csv, results.csv, events.csv, truth.json, wods/")
    p.add_argument("--load", action="store_true", help="load the box into the database through the loaders")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=_simulate)


def _query(args) -> int:
    if args.markdown:
        print(queries.reference_markdown(), end="")
        return 0
    if args.name is None:
        for name, query in queries.catalog().items():
            params = ", ".join(p.name + ("?" if p.optional else "") for p in query.params)
            print(f"{name}({params})\n    {query.description}")
        return 0
    params = queries.params_from_text(queries.get(args.name), args.params)
    frame = connect().query(args.name, **params)
    print_table(frame, f"(no rows; columns: {', '.join(frame.columns)})", width=160, colwidth=60)
    return 0


def _difficulty(args) -> int:
    lab = connect()
    if args.action == "list":
        frame = lab.difficulty.list()
        frame["metrics"] = frame["metrics"].map(_metrics_text)
        print_table(frame.drop(columns=["notes"]), colwidth=70)
        return 0
    if args.action == "durations":
        frame = lab.difficulty.durations(write=args.write)
        print_table(frame.drop(columns=["wod_id"]), colwidth=40)
        if args.write:
            print(f"durations written: {len(frame)} workouts ({int((frame['source'] == 'observed').sum())} observed)")
        return 0
    if args.action == "apply":
        if not args.version:
            raise WodlabError("which version? `wodlab difficulty list` shows them")
        changed = lab.difficulty.apply(args.version)
        print(f"{args.version} applied: {changed} workout scores changed")
        return 0
    model, report = lab.difficulty.fit(notes=args.notes or "")
    print(report.summary())
    print("new version saved:" if lab.difficulty.save(model, report=report) else "version already saved:", model.version)
    if args.apply:
        print(f"applied: {lab.difficulty.apply(model.version)} workout scores changed")
    return 0


def _metrics_text(metrics) -> str:
    if not metrics:
        return ""
    parts = [f"{k}: rho {v['spearman']:.2f}, MAE {v['mae_points']:.1f}" for k, v in metrics.items() if "spearman" in v]
    if "split_half" in metrics:
        parts.append(f"split-half reliability {metrics['split_half']['reliability']:.2f}")
    return "; ".join(parts)


def _programming(args) -> int:
    lab = connect()
    period = {"start": args.start, "end": args.end, "track": args.track, "weeks": args.weeks}
    if args.action == "report":
        frame = lab.programming_report(**period)
        columns = ["severity", "rule", "subject", "first_date", "last_date", "message"]
    else:
        frame = lab.suggest_wods(**period, k=args.k)
        columns = ["title", "gain", "time_domain", "last_done", "reason"]
    print_table(frame[columns], "nothing to report: the period is balanced", colwidth=90)
    return 0


def _simulate(args) -> int:
    from wodlab.sim.config import SimulationConfig
    from wodlab.sim.simulate import simulate, write_box

    if not args.out and not args.load:
        raise WodlabError("say where the box goes: --out DIR (files) and/or --load (the database)")
    config = SimulationConfig(athletes=args.athletes, weeks=args.weeks, seed=args.seed,
                              gross_error_rate=args.gross_error_rate, tracked_weeks=args.tracked_weeks,
                              extra_wods=tuple(args.wods), scenario=args.scenario, world_seed=args.world_seed)
    box = simulate(config)
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="wodlab-box-"))
    write_box(box, out)
    print(f"{len(box.athletes)} athletes, {len(box.sessions)} sessions, {len(box.results)} results, "
          f"{len(box.events)} events, {len(box.truth['gross_errors'])} gross errors; files in {out}")
    if args.load:
        for report in connect().load_box(out, progress=progress(args)).values():
            print(report.summary())
    return 0
