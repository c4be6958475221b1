"""The `wodlab` command: manage the embedded database, initialise, load, query."""

from __future__ import annotations

import argparse
import sys

import pandas as pd
import psycopg

from wodlab.core.errors import DatabaseUnavailable, WodlabError
from wodlab.store import db, queries
from wodlab.store.server import embedded_status, resolve_url, start_embedded, stop_embedded, wodlab_home


def _print_table(frame: pd.DataFrame, empty: str = "(no rows)", width: int = 200, colwidth: int = 80) -> None:
    """A frame as the commands print it: no index, wide, long texts cut at `colwidth`; `empty` when no rows."""
    with pd.option_context("display.width", width, "display.max_columns", 20, "display.max_colwidth", colwidth):
        print(frame.to_string(index=False) if len(frame) else empty)


def _cmd_db(args) -> int:
    home = wodlab_home()
    if args.action == "start":
        url = start_embedded(home)
        # the password stays out of logs (CI prints this); `wodlab db url` prints the whole URL when asked
        print(f"embedded PostgreSQL running, data in {home / 'pgdata'}\n{db.hide_password(url)}\n"
              "(`wodlab db url` prints the URL with its password)")
    elif args.action == "stop":
        print("stopped" if stop_embedded(home) else f"not running (data in {home / 'pgdata'})")
    elif args.action == "status":
        status = embedded_status(home)
        state = (f"running, pid {status['pid']}" if status["running"] else
                 f"shutting down, pid {status['pid']}: waiting for connected clients (end it now: wodlab db stop)"
                 if status["stopping"] else "stopped")
        print(f"{state}; data in {status['pgdata']}")
        return 0 if status["running"] else 3
    elif args.action == "url":
        print(resolve_url())
    elif args.action == "slow":
        frame = _connect().slow_queries(limit=args.limit)
        frame["query"] = frame["query"].str.replace(r"\s+", " ", regex=True).str.slice(0, 100)
        _print_table(frame, "no statement recorded yet", colwidth=100)
    return 0


def _connect(init: bool = True):
    from wodlab.lab import connect

    return connect(init=init)


def _cmd_init(args) -> int:
    lab = _connect(init=False)
    applied = lab.init()
    print(f"applied migrations: {', '.join(applied)}" if applied else "schema up to date")
    return 0


def _cmd_load(args) -> int:
    if args.what != "wods":
        return _load_table(args)
    if not args.paths and not args.library:
        raise WodlabError("give .wod files or folders, or --library for wodcraft's standard library")
    lab = _connect()
    report = lab.load_wods(args.paths or None, library=args.library, progress=False if args.quiet else None)
    print(report.summary())
    return 0 if report.ok else 1


SCENARIO_NAMES = ("default", "spread", "progression", "specialists", "noisy-modalities", "sandbagging",
                  "unlogged-bad-days", "censoring", "hidden-effects", "realistic")  # wodlab.sim.simulate.SCENARIOS


def _cmd_simulate(args) -> int:
    import tempfile
    from pathlib import Path

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
        for report in _connect().load_box(out, progress=False if args.quiet else None).values():
            print(report.summary())
    return 0


def _load_box(args) -> int:
    if args.skip_bad or args.rejects:
        raise WodlabError("`wodlab load box` loads a folder whole or not at all: --skip-bad and --rejects are for "
                          "one file (wodlab load athletes|sessions|results|events|leaderboard FILE --skip-bad)")
    reports = _connect().load_box(args.paths[0], update=args.update, progress=False if args.quiet else None)
    for report in reports.values():
        print(report.summary())
    return 0


def _load_leaderboard(args) -> int:
    if not args.competition:
        raise WodlabError("`wodlab load leaderboard FILE --competition NAME`: which competition is it?")
    workouts = dict(_pair(text) for text in args.workout)
    report = _connect().load_leaderboard(args.paths[0], args.competition, notation=args.notation, workouts=workouts,
                                         update=args.update, skip_bad=args.skip_bad, rejects=args.rejects,
                                         rules=_rules_argument(args.rules))
    print(f"{args.competition}: {report.summary()}")
    return 0 if not report.rejected else 1


def _rules_argument(text: str | None):
    """--rules: a preset's name, JSON, or a .json file holding the rules; None when not given."""
    from pathlib import Path

    if text is None:
        return None
    if text.endswith(".json"):
        path = Path(text)
        if not path.is_file():
            raise WodlabError(f"{path}: no such file (the competition's rules)")
        return path.read_text(encoding="utf-8")
    return text


def _cmd_competition(args) -> int:
    lab = _connect()
    if args.action == "rules":
        rules = lab.set_competition_rules(args.name, _rules_argument(args.rules)) if args.rules else \
            lab.competition_rules(args.name)
        print(rules.as_json())
    elif args.action == "judge":
        if len(args.result) != 3:
            raise WodlabError("`wodlab competition judge NAME ATHLETE WORKOUT STATUS`: which athlete, workout and status?")
        athlete, workout, status = args.result
        changed = lab.judge(args.name, athlete, workout, status, penalty=args.penalty, unit=args.unit, reason=args.reason)
        print(f"{athlete} on {workout}: {status}" if changed else "unchanged")
    else:
        _print_table(lab.standings(args.name, args.division, judging=args.judging), "no athlete entered")
    return 0


def _cmd_dedup(args) -> int:
    lab = _connect()
    if args.action == "audit":
        pairs = lab.duplicates()
        print("== Duplicate pairs")
        _print_table(pairs, "no duplicates", colwidth=50)
        print("\n== Merge plan")
        _print_table(lab.merge_plan(pairs), "nothing to merge", colwidth=60)
        return 0
    if args.action == "merges":
        _print_table(lab.merges(), "no merge yet")
        return 0
    if args.action == "merge":
        if len(args.workouts) != 2:
            raise WodlabError("`wodlab dedup merge KEEP DROP`: the workout to keep, then the one to merge into it")
        print(lab.merge_wods(*args.workouts, allow_near=args.allow_near, dry_run=args.dry_run).summary())
        return 0
    if args.action == "undo":
        if len(args.workouts) != 1 or not args.workouts[0].isdigit():
            raise WodlabError("`wodlab dedup undo ID`: the merge's number (`wodlab dedup merges` lists them)")
        report = lab.undo_merge(int(args.workouts[0]))
        print(f"merge {report.merge_id} undone: {report.dropped_title!r} ({report.dropped_id}) is back with "
              f"{report.sessions} session(s)")
        return 0
    kinds = tuple(k.strip() for k in args.kinds.split(",") if k.strip())
    unknown = [k for k in kinds if k not in ("exact", "semantic", "near")]
    if unknown:
        raise WodlabError(f"--kinds: unknown kind {unknown[0]!r}; kinds are exact, semantic, near")
    reports = lab.apply_merge_plan(lab.merge_plan(lab.duplicates()), kinds=kinds, allow_near="near" in kinds,
                                   dry_run=args.dry_run)
    for report in reports:
        print(report.summary())
    print(f"{len(reports)} merge(s){' would be applied' if args.dry_run else ' applied'}")
    return 0


def _pair(text: str) -> tuple[str, str]:
    label, sep, title = text.partition("=")
    if not sep:
        raise WodlabError(f"--workout takes LABEL=TITLE (e.g. 25.1='Open 25.1'), got {text!r}")
    return label.strip(), title.strip()


def _load_table(args) -> int:
    if len(args.paths) != 1 or args.library:
        raise WodlabError(f"`wodlab load {args.what}` takes one file (CSV, or JSON Lines for events), or a folder for box")
    if args.what == "box":
        return _load_box(args)
    if args.what == "leaderboard":
        return _load_leaderboard(args)
    lab = _connect()
    loader = getattr(lab, f"load_{args.what}")
    result = loader(args.paths[0], skip_bad=args.skip_bad, update=args.update, rejects=args.rejects,
                    progress=False if args.quiet else None)
    print(result.summary())
    return 0 if not result.rejected else 1


def _cmd_difficulty(args) -> int:
    lab = _connect()
    if args.action == "list":
        frame = lab.difficulty.list()
        frame["metrics"] = frame["metrics"].map(_metrics_text)
        _print_table(frame.drop(columns=["notes"]), colwidth=70)
        return 0
    if args.action == "apply":
        if not args.version:
            raise WodlabError("which version? `wodlab difficulty list` shows them")
        changed = lab.difficulty.apply(args.version)
        print(f"{args.version} applied: {changed} workout scores changed")
        return 0
    model, report = lab.difficulty.fit(notes=args.notes or "")
    print(report.summary())
    print("new version saved:" if lab.difficulty.save(model, report) else "version already saved:", model.version)
    if args.apply:
        print(f"applied: {lab.difficulty.apply(model.version)} workout scores changed")
    return 0


def _cmd_export(args) -> int:
    counts = _connect().export(args.directory, force=args.force)
    print(f"exported to {args.directory}: " + ", ".join(f"{name} {n}" for name, n in counts.items()))
    print(f"load it back with: wodlab load box {args.directory}")
    return 0


def _cmd_rebuild(args) -> int:
    lab = _connect()

    def committed(batch: int, done: list[dict]) -> None:
        rewritten = sum(o["status"] == "rewritten" for o in done)
        print(f"batch {batch} committed: {len(done)} workouts, {rewritten} rewritten", flush=True)

    frame = lab.rebuild(dry_run=args.dry_run, batch_size=args.batch, on_batch=committed)
    if frame.empty:
        print("every stored workout was compiled by the installed wodcraft: nothing to do")
        return 0
    frame["changes"] = frame["changes"].map(", ".join)
    _print_table(frame[["title", "stored_wodcraft_version", "status", "changes", "reason"]].fillna(""), colwidth=80)
    counts = frame["status"].value_counts()
    print(", ".join(f"{n} {status}" for status, n in counts.items()))
    return 1 if "failed" in counts else 0


def _cmd_refresh(args) -> int:
    for table, seconds in _connect().refresh().items():
        print(f"{table} rebuilt in {seconds:.2f} s")
    return 0


def _cmd_serve(args) -> int:
    from wodlab.api import serve

    serve(args.host, args.port)
    return 0


def _cmd_programming(args) -> int:
    lab = _connect()
    if args.action == "report":
        frame = lab.programming_report(args.start, args.end, args.track, weeks=args.weeks)
        columns = ["severity", "rule", "subject", "first_date", "last_date", "message"]
    else:
        frame = lab.suggest_wods(args.start, args.end, args.k, args.track, weeks=args.weeks)
        columns = ["title", "gain", "time_domain", "last_done", "reason"]
    _print_table(frame[columns], "nothing to report: the period is balanced", colwidth=90)
    return 0


def _metrics_text(metrics) -> str:
    if not metrics:
        return ""
    parts = [f"{k}: rho {v['spearman']:.2f}, MAE {v['mae_points']:.1f}" for k, v in metrics.items() if "spearman" in v]
    if "split_half" in metrics:
        parts.append(f"split-half reliability {metrics['split_half']['reliability']:.2f}")
    return "; ".join(parts)


def _cmd_report(args) -> int:
    from pathlib import Path

    from wodlab import reports

    if args.check:
        return _check_reports(sorted(Path(args.out).glob("*.html")))
    written = reports.build(reports.notebooks_in(Path(args.notebooks)), Path(args.out))
    print("reports written:")
    for path in written:
        print(f"  {path.resolve()}")
    return 0


def _check_reports(paths) -> int:
    from wodlab import reports

    if not paths:
        raise WodlabError("no reports to check: run `wodlab report` (or `make demo`) first")
    failed = 0
    for path in paths:
        seen = reports.check_in_browser(path)
        ok = seen["plot_divs"] > 0 and seen["drawn"] == seen["plot_divs"] and not seen["errors"]
        failed += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {path.name}: {seen['drawn']}/{seen['plot_divs']} figures drawn, "
              f"{len(seen['errors'])} JavaScript errors" + "".join(f"\n    {e}" for e in seen["errors"]))
    return 1 if failed else 0


def _cmd_notebooks(args) -> int:
    from pathlib import Path

    from wodlab import reports

    reports.refresh(reports.notebooks_in(Path(args.notebooks)), Path(args.fixture))
    return 0


def _coerce(query: queries.Query, pair: str):
    """`name=value` from the command line, typed by the query's header."""
    name, sep, raw = pair.partition("=")
    if not sep:
        raise WodlabError(f"parameters are written name=value, got {pair!r}")
    declared = {p.name: p for p in query.params}
    if name not in declared:
        return name, raw  # queries.bind names the unknown parameter
    kind = declared[name].type
    if kind in ("text[]", "movement[]"):
        return name, [v.strip() for v in raw.split(",") if v.strip()]
    if kind == "date":
        return name, raw
    if kind == "bool":
        if raw.lower() not in ("true", "false", "yes", "no", "1", "0"):
            raise WodlabError(f"{name} expects true or false, got {raw!r}")
        return name, raw.lower() in ("true", "yes", "1")
    if kind == "int":
        try:
            return name, int(raw)
        except ValueError:
            raise WodlabError(f"{name} expects an integer, got {raw!r}") from None
    return name, raw


def _cmd_query(args) -> int:
    if args.markdown:
        print(queries.reference_markdown(), end="")
        return 0
    if args.name is None:
        for name, query in queries.catalog().items():
            params = ", ".join(p.name + ("?" if p.optional else "") for p in query.params)
            print(f"{name}({params})\n    {query.description}")
        return 0
    query = queries.get(args.name)
    params = dict(_coerce(query, pair) for pair in args.params)
    frame = _connect().query(args.name, **params)
    _print_table(frame, f"(no rows; columns: {', '.join(frame.columns)})", width=160, colwidth=60)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wodlab", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("db", help="the embedded PostgreSQL under WODLAB_HOME (default ./.wodlab)")
    p.add_argument("action", choices=["start", "stop", "status", "url", "slow"],
                   help="slow: the slowest statements (pg_stat_statements), slowest on average first")
    p.add_argument("--limit", type=int, default=20, help="for slow: how many statements")
    p.set_defaults(func=_cmd_db)

    p = sub.add_parser("init", help="apply schema migrations and refresh the movement catalog")
    p.set_defaults(func=_cmd_init)

    p = sub.add_parser("load", help="import data: wods PATH... | wods --library | athletes|sessions|results|events FILE | box DIR"
                                    " | leaderboard FILE --competition NAME")
    p.add_argument("what", choices=["wods", "athletes", "sessions", "results", "events", "box", "leaderboard"])
    p.add_argument("paths", nargs="*", help=".wod files or folders; one CSV/JSONL file for the other tables")
    p.add_argument("--library", action="store_true", help="every workout of wodcraft's standard library")
    p.add_argument("--skip-bad", action="store_true", help="load the good rows, write the bad ones to a reject file")
    p.add_argument("--rejects", help="where --skip-bad writes bad rows (default: FILE.rejects.csv)")
    p.add_argument("--update", action="store_true",
                   help="apply corrections: update rows stored with other values (old values kept in load_history)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--competition", help="for leaderboard: the competition's name")
    p.add_argument("--notation", default="games", choices=["games", "box"], help="for leaderboard: how scores are written")
    p.add_argument("--workout", action="append", default=[], metavar="LABEL=TITLE",
                   help="for leaderboard: the stored workout of a board's label (repeatable)")
    p.add_argument("--rules", help="for leaderboard: the competition's rules, a preset (open, open-countback, "
                                   "fixed-step), JSON, or a .json file")
    p.set_defaults(func=_cmd_load)

    p = sub.add_parser("dedup", help="duplicate workouts: audit | merge KEEP DROP | apply-plan | undo ID | merges")
    p.add_argument("action", choices=["audit", "merge", "apply-plan", "undo", "merges"])
    p.add_argument("workouts", nargs="*", help="merge: KEEP DROP (ids or exact titles); undo: the merge's number")
    p.add_argument("--dry-run", action="store_true", help="merge, apply-plan: say what would move, write nothing")
    p.add_argument("--allow-near", action="store_true", help="merge: also near duplicates (other numbers)")
    p.add_argument("--kinds", default="exact,semantic", help="apply-plan: the kinds of pairs to merge (exact,semantic[,near])")
    p.set_defaults(func=_cmd_dedup)

    p = sub.add_parser("competition", help="a competition's standings under its rules | rules [RULES] | "
                                           "judge ATHLETE WORKOUT STATUS")
    p.add_argument("action", choices=["standings", "rules", "judge"])
    p.add_argument("name", help="the competition's name")
    p.add_argument("result", nargs="*", help="for judge: ATHLETE (the board's id) WORKOUT (its label) STATUS "
                                             "(pending, valid, invalid, adjusted)")
    p.add_argument("--division", help="for standings: one division only")
    p.add_argument("--judging", default="all", choices=["all", "valid"],
                   help="for standings: count every result but the invalid ones (all), or only those judged valid")
    p.add_argument("--rules", help="for rules: replace them (a preset, JSON, or a .json file); without it, print them")
    p.add_argument("--penalty", type=float, help="for judge adjusted: the penalty")
    p.add_argument("--unit", choices=["reps", "seconds", "percent"], help="for judge adjusted: the penalty's unit")
    p.add_argument("--reason", help="for judge: why")
    p.set_defaults(func=_cmd_competition)

    p = sub.add_parser("simulate", help="a synthetic box with known ground truth (deterministic from --seed)")
    p.add_argument("--athletes", type=int, default=120)
    p.add_argument("--weeks", type=int, default=16)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--gross-error-rate", type=float, default=0.02)
    p.add_argument("--tracked-weeks", type=int, default=4, help="live events for the last weeks only")
    p.add_argument("--wods", action="append", default=[], metavar="PATH",
                   help=".wod files or folders whose workouts join the programming (repeatable)")
    p.add_argument("--scenario", default="default", choices=list(SCENARIO_NAMES),
                   help="how the results depart from the model the difficulty fit assumes (realistic: all at once)")
    p.add_argument("--world-seed", type=int, default=None,
                   help="draw the workouts' true difficulties from this seed: boxes sharing it (with other --seed) "
                        "are two boxes of one population doing the same workouts")
    p.add_argument("--out", help="write athletes.csv, sessions.csv, results.csv, events.csv, truth.json, wods/")
    p.add_argument("--load", action="store_true", help="load the box into the database through the loaders")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=_cmd_simulate)

    p = sub.add_parser("difficulty", help="difficulty models: list | fit [--apply] | apply VERSION")
    p.add_argument("action", choices=["list", "fit", "apply"])
    p.add_argument("version", nargs="?", help="for apply: the version to recompute every score with")
    p.add_argument("--apply", action="store_true", help="for fit: apply the new version at once")
    p.add_argument("--notes", help="for fit: a note saved with the version")
    p.set_defaults(func=_cmd_difficulty)

    p = sub.add_parser("export", help="write the database as a box folder (.wod sources + the loaders' CSVs): the backup")
    p.add_argument("directory", help="a new or empty folder")
    p.add_argument("--force", action="store_true", help="replace an earlier export in DIRECTORY (its files only)")
    p.set_defaults(func=_cmd_export)

    p = sub.add_parser("rebuild", help="recompile workouts stored by another wodcraft version (resumable batches)")
    p.add_argument("--dry-run", action="store_true", help="list what would change; write nothing")
    p.add_argument("--batch", type=int, default=100, help="workouts per transaction (default 100)")
    p.set_defaults(func=_cmd_rebuild)

    p = sub.add_parser("refresh", help="rebuild every workout's board from the results (loads keep them current; "
                                        "this checks and repairs)")
    p.set_defaults(func=_cmd_refresh)

    p = sub.add_parser("serve", help="the read-only GraphQL API at http://HOST:PORT/graphql (seed §3)")
    p.add_argument("--host", default="127.0.0.1", help="loopback by default; another address needs WODLAB_API_TOKEN")
    p.add_argument("--port", type=int, default=8000)
    p.set_defaults(func=_cmd_serve)

    p = sub.add_parser("programming", help="programming review: report (balance findings) | suggest (workouts to add)")
    p.add_argument("action", choices=["report", "suggest"])
    p.add_argument("--weeks", type=int, help="the WEEKS up to --end (default end: the last scheduled session)")
    p.add_argument("--start", help="first day, YYYY-MM-DD (instead of --weeks)")
    p.add_argument("--end", help="last day, YYYY-MM-DD")
    p.add_argument("--track", default="RX", help="RX, SCALED or INTERMEDIATE (default RX)")
    p.add_argument("-k", type=int, default=5, help="for suggest: how many workouts")
    p.set_defaults(func=_cmd_programming)

    p = sub.add_parser("report", help="execute the curated notebooks against the database, write HTML reports")
    p.add_argument("--notebooks", default="notebooks")
    p.add_argument("--out", default="build/reports")
    p.add_argument("--check", action="store_true", help="open the reports in headless Chromium instead of building them")
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser("notebooks", help="refresh: re-execute the notebooks in place on a fresh fixture database")
    p.add_argument("action", choices=["refresh"])
    p.add_argument("--notebooks", default="notebooks")
    p.add_argument("--fixture", default="fixtures/sim")
    p.set_defaults(func=_cmd_notebooks)

    p = sub.add_parser("query", help="run a documented query; without a name, list them")
    p.add_argument("name", nargs="?")
    p.add_argument("params", nargs="*", metavar="name=value", help="lists are comma-separated")
    p.add_argument("--markdown", action="store_true", help="print the README's query reference and exit")
    p.set_defaults(func=_cmd_query)
    return parser


EXIT_BAD_INPUT = 2  # the user can fix the input (a file, a parameter) and try again
EXIT_UNAVAILABLE = 3  # the database cannot be reached


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except DatabaseUnavailable as exc:
        print(f"wodlab: {exc}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    except psycopg.OperationalError as exc:  # a raw psycopg connection (listen) losing its server
        if not db.lost_connection(exc):
            raise
        print(f"wodlab: the database is unavailable ({str(exc).strip()}); {db.UNAVAILABLE_HINT}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    except WodlabError as exc:
        print(f"wodlab: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
