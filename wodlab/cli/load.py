"""`wodlab load KIND ...`: one subcommand per kind of input, each with only its own options."""

from __future__ import annotations

from pathlib import Path

from wodlab.cli.common import connect, default, labelled, progress
from wodlab.core.errors import WodlabError

TABLES = ("athletes", "sessions", "results", "events")


def add_parser(sub) -> None:
    load = sub.add_parser("load", help="import data: wods | athletes | sessions | results | events | box | leaderboard")
    kinds = load.add_subparsers(dest="kind", required=True, metavar="KIND")

    p = kinds.add_parser("wods", help=".wod files and folders, or wodcraft's standard library (--library)")
    p.add_argument("paths", nargs="*", help=".wod files or folders")
    p.add_argument("--library", action="store_true", help="every workout of wodcraft's standard library")
    _quiet(p)
    p.set_defaults(func=_wods)

    for table in TABLES:
        p = kinds.add_parser(table, help=f"{table} from one CSV file{' or JSON Lines file' if table == 'events' else ''}")
        p.add_argument("file")
        _rows_options(p)
        p.add_argument("--update", action="store_true",
                       help="apply corrections: update rows stored with other values (old values kept in load_history)")
        _quiet(p)
        p.set_defaults(func=_table, table=table)

    p = kinds.add_parser("box", help="a box folder (wods/, athletes.csv, sessions.csv, results.csv, events), whole or not at all")
    p.add_argument("directory")
    p.add_argument("--update", action="store_true", help="rows stored with other values take the folder's")
    _quiet(p)
    p.set_defaults(func=_box)

    from wodlab.lab.competitions import CompetitionVerbs

    p = kinds.add_parser("leaderboard", help="a competition's leaderboard export (long or wide)")
    p.add_argument("file")
    p.add_argument("--competition", required=True, help="the competition's name")
    notation = default(CompetitionVerbs.load_leaderboard, "notation")
    p.add_argument("--notation", default=notation, choices=["games", "box"],
                   help=f"how scores are written (default {notation})")
    p.add_argument("--workout", action="append", default=[], metavar="LABEL=TITLE",
                   help="the stored workout of a board's label (repeatable)")
    p.add_argument("--rules", help="the competition's rules: a preset (open, open-countback, fixed-step), JSON, or a .json file")
    _rows_options(p)
    p.add_argument("--update", action="store_true", help="replace stored scores that the board changes")
    p.set_defaults(func=_leaderboard)


def _rows_options(p) -> None:
    p.add_argument("--skip-bad", action="store_true", help="load the good rows, write the bad ones to a reject file")
    p.add_argument("--rejects", help="where --skip-bad writes bad rows (default: FILE.rejects.csv)")


def _quiet(p) -> None:
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def _wods(args) -> int:
    if not args.paths and not args.library:
        raise WodlabError("give .wod files or folders, or --library for wodcraft's standard library")
    report = connect().load_wods(args.paths or None, library=args.library, progress=progress(args))
    print(report.summary())
    return 0 if report.ok else 1


def _table(args) -> int:
    loader = getattr(connect(), f"load_{args.table}")
    report = loader(args.file, skip_bad=args.skip_bad, update=args.update, rejects=args.rejects, progress=progress(args))
    print(report.summary())
    return 0 if not report.rejected else 1


def _box(args) -> int:
    for report in connect().load_box(args.directory, update=args.update, progress=progress(args)).values():
        print(report.summary())
    return 0


def _leaderboard(args) -> int:
    workouts = dict(labelled(text, "--workout", "25.1='Open 25.1'") for text in args.workout)
    report = connect().load_leaderboard(args.file, competition=args.competition, notation=args.notation, workouts=workouts,
                                        update=args.update, skip_bad=args.skip_bad, rejects=args.rejects,
                                        rules=rules_argument(args.rules))
    print(f"{args.competition}: {report.summary()}")
    return 0 if not report.rejected else 1


def rules_argument(text: str | None):
    """--rules: a preset's name, JSON, or a .json file holding the rules; None when not given."""
    if text is None:
        return None
    if text.endswith(".json"):
        path = Path(text)
        if not path.is_file():
            raise WodlabError(f"{path}: no such file (the competition's rules)")
        return path.read_text(encoding="utf-8")
    return text
