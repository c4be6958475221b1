"""`wodlab dedup | competition`: duplicate workouts and their merges; competitions' standings, rules, judging."""

from __future__ import annotations

from wodlab.cli.common import connect, print_table
from wodlab.cli.load import rules_argument
from wodlab.core.errors import WodlabError

PAIR_KINDS = ("exact", "semantic", "near")


def add_parsers(sub) -> None:
    from wodlab.audit.merge import SAFE_KINDS
    from wodlab.cli.common import default
    from wodlab.competition.judging import JUDGMENTS, PENALTY_UNITS
    from wodlab.competition.standings import JUDGING
    from wodlab.lab.competitions import CompetitionVerbs

    p = sub.add_parser("dedup", help="duplicate workouts: audit | merge KEEP DROP | apply-plan | undo ID | merges")
    p.add_argument("action", choices=["audit", "merge", "apply-plan", "undo", "merges"])
    p.add_argument("workouts", nargs="*", help="merge: KEEP DROP (ids or titles); undo: the merge's number")
    p.add_argument("--dry-run", action="store_true", help="merge, apply-plan: say what would move, write nothing")
    p.add_argument("--allow-near", action="store_true", help="merge: also near duplicates (other numbers)")
    p.add_argument("--kinds", default=",".join(SAFE_KINDS),
                   help=f"apply-plan: the kinds of pairs to merge ({','.join(PAIR_KINDS)}; default {','.join(SAFE_KINDS)})")
    p.set_defaults(func=_dedup)

    p = sub.add_parser("competition", help="a competition's standings under its rules | rules [--rules RULES] | "
                                           "judge ATHLETE WORKOUT STATUS")
    p.add_argument("action", choices=["standings", "rules", "judge"])
    p.add_argument("name", help="the competition's name")
    p.add_argument("result", nargs="*", help=f"for judge: ATHLETE (the board's id) WORKOUT (its label) STATUS "
                                             f"({', '.join(JUDGMENTS)})")
    p.add_argument("--division", help="for standings: one division only")
    p.add_argument("--judging", default=default(CompetitionVerbs.standings, "judging"), choices=JUDGING,
                   help="for standings: count every result but the invalid ones (all), or only those judged valid")
    p.add_argument("--rules", help="for rules: replace them (a preset, JSON, or a .json file); without it, print them")
    p.add_argument("--penalty", type=float, help="for judge adjusted: the penalty")
    p.add_argument("--unit", choices=PENALTY_UNITS, help="for judge adjusted: the penalty's unit")
    p.add_argument("--reason", help="for judge: why")
    p.set_defaults(func=_competition)


def _competition(args) -> int:
    lab = connect()
    if args.action == "rules":
        rules = lab.set_competition_rules(args.name, rules_argument(args.rules)) if args.rules else \
            lab.competition_rules(args.name)
        print(rules.as_json())
    elif args.action == "judge":
        if len(args.result) != 3:
            raise WodlabError("`wodlab competition judge NAME ATHLETE WORKOUT STATUS`: which athlete, workout and status?")
        athlete, workout, status = args.result
        changed = lab.judge(args.name, athlete=athlete, workout=workout, status=status, penalty=args.penalty,
                            unit=args.unit, reason=args.reason)
        print(f"{athlete} on {workout}: {status}" if changed else "unchanged")
    else:
        print_table(lab.standings(args.name, division=args.division, judging=args.judging), "no athlete entered")
    return 0


def _dedup(args) -> int:
    lab = connect()
    if args.action == "audit":
        pairs = lab.duplicates()
        print("== Duplicate pairs")
        print_table(pairs, "no duplicates", colwidth=50)
        print("\n== Merge plan")
        print_table(lab.merge_plan(pairs), "nothing to merge", colwidth=60)
    elif args.action == "merges":
        print_table(lab.merges(), "no merge yet")
    elif args.action == "merge":
        if len(args.workouts) != 2:
            raise WodlabError("`wodlab dedup merge KEEP DROP`: the workout to keep, then the one to merge into it")
        print(lab.merge_wods(*args.workouts, allow_near=args.allow_near, dry_run=args.dry_run).summary())
    elif args.action == "undo":
        if len(args.workouts) != 1 or not args.workouts[0].isdigit():
            raise WodlabError("`wodlab dedup undo ID`: the merge's number (`wodlab dedup merges` lists them)")
        report = lab.undo_merge(int(args.workouts[0]))
        print(f"merge {report.merge_id} undone: {report.dropped_title!r} ({report.dropped_id}) is back with "
              f"{report.sessions} session(s)")
    else:
        _apply_plan(lab, args)
    return 0


def _apply_plan(lab, args) -> None:
    kinds = tuple(k.strip() for k in args.kinds.split(",") if k.strip())
    unknown = [k for k in kinds if k not in PAIR_KINDS]
    if unknown:
        raise WodlabError(f"--kinds: unknown kind {unknown[0]!r}; kinds are {', '.join(PAIR_KINDS)}")
    reports = lab.apply_merge_plan(lab.merge_plan(lab.duplicates()), kinds=kinds, allow_near="near" in kinds,
                                   dry_run=args.dry_run)
    for report in reports:
        print(report.summary())
    print(f"{len(reports)} merge(s){' would be applied' if args.dry_run else ' applied'}")
