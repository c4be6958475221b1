"""`wodlab report | notebooks`: the curated notebooks executed into HTML reports, or refreshed in place."""

from __future__ import annotations

from pathlib import Path

from wodlab.core.errors import WodlabError


def add_parsers(sub) -> None:
    p = sub.add_parser("report", help="execute the curated notebooks against the database, write HTML reports")
    p.add_argument("--notebooks", default="notebooks")
    p.add_argument("--out", default="build/reports")
    p.add_argument("--check", action="store_true", help="open the reports in headless Chromium instead of building them")
    p.set_defaults(func=_report)

    p = sub.add_parser("notebooks", help="refresh: re-execute the notebooks in place on a fresh fixture database | "
                                          "docs: copies for the documentation site, figures drawn")
    p.add_argument("action", choices=["refresh", "docs"])
    p.add_argument("--notebooks", default="notebooks")
    p.add_argument("--fixture", default="fixtures/sim", help="for refresh: the box folder the notebooks run on")
    p.add_argument("--out", default="docs/notebooks", help="for docs: where the copies go")
    p.set_defaults(func=_notebooks)


def _report(args) -> int:
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


def _notebooks(args) -> int:
    from wodlab import reports

    paths = reports.notebooks_in(Path(args.notebooks))
    if args.action == "docs":
        for path in reports.for_docs(paths, Path(args.out)):
            print(f"for the docs: {path}")
        return 0
    reports.refresh(paths, Path(args.fixture))
    return 0
