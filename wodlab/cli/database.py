"""`wodlab db | init | refresh | export | rebuild | serve`: the server, the schema, backups and upkeep."""

from __future__ import annotations

from wodlab.cli.common import connect, default, print_table
from wodlab.store import db
from wodlab.store.server import embedded_status, resolve_url, start_embedded, stop_embedded, wodlab_home


def add_parsers(sub) -> None:
    from wodlab.lab.reads import ReadVerbs
    from wodlab.tables.rebuild import DEFAULT_BATCH

    p = sub.add_parser("db", help="the embedded PostgreSQL under WODLAB_HOME (default ./.wodlab)")
    p.add_argument("action", choices=["start", "stop", "status", "url", "slow"],
                   help="slow: the slowest statements (pg_stat_statements), slowest on average first")
    p.add_argument("--limit", type=int, default=default(ReadVerbs.slow_queries, "limit"),
                   help="for slow: how many statements (default all)")
    p.set_defaults(func=_db)

    p = sub.add_parser("init", help="apply schema migrations and refresh the movement catalog")
    p.set_defaults(func=_init)

    p = sub.add_parser("refresh", help="rebuild every workout's board from the results (loads keep them current; "
                                        "this checks and repairs)")
    p.set_defaults(func=_refresh)

    p = sub.add_parser("export", help="write the database as a box folder (.wod sources + the loaders' CSVs): the backup")
    p.add_argument("directory", help="a new or empty folder")
    p.add_argument("--force", action="store_true", help="replace an earlier export in DIRECTORY (its files only)")
    p.set_defaults(func=_export)

    p = sub.add_parser("rebuild", help="recompile workouts stored by another wodcraft version (resumable batches)")
    p.add_argument("--dry-run", action="store_true", help="list what would change; write nothing")
    p.add_argument("--batch", type=int, default=DEFAULT_BATCH, help=f"workouts per transaction (default {DEFAULT_BATCH})")
    p.set_defaults(func=_rebuild)

    p = sub.add_parser("serve", help="the read-only GraphQL API at http://HOST:PORT/graphql (seed §3)")
    p.add_argument("--host", help="loopback (127.0.0.1) by default; another address needs WODLAB_API_TOKEN")
    p.add_argument("--port", type=int, help="8000 by default")
    p.set_defaults(func=_serve)


def _db(args) -> int:
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
        frame = connect().slow_queries(limit=args.limit)
        frame["query"] = frame["query"].str.replace(r"\s+", " ", regex=True).str.slice(0, 100)
        print_table(frame, "no statement recorded yet", colwidth=100)
    return 0


def _init(args) -> int:
    applied = connect(init=False).init()
    print(f"applied migrations: {', '.join(applied)}" if applied else "schema up to date")
    return 0


def _refresh(args) -> int:
    for table, seconds in connect().refresh().items():
        print(f"{table} rebuilt in {seconds:.2f} s")
    return 0


def _export(args) -> int:
    counts = connect().export(args.directory, force=args.force)
    print(f"exported to {args.directory}: " + ", ".join(f"{name} {n}" for name, n in counts.items()))
    print(f"load it back with: wodlab load box {args.directory}")
    return 0


def _rebuild(args) -> int:
    def committed(batch: int, done: list[dict]) -> None:
        rewritten = sum(o["status"] == "rewritten" for o in done)
        print(f"batch {batch} committed: {len(done)} workouts, {rewritten} rewritten", flush=True)

    frame = connect().rebuild(dry_run=args.dry_run, batch_size=args.batch, on_batch=committed)
    if frame.empty:
        print("every stored workout was compiled by the installed wodcraft: nothing to do")
        return 0
    frame["changes"] = frame["changes"].map(", ".join)
    print_table(frame[["title", "stored_wodcraft_version", "status", "changes", "reason"]].fillna(""), colwidth=80)
    counts = frame["status"].value_counts()
    print(", ".join(f"{n} {status}" for status, n in counts.items()))
    return 1 if "failed" in counts else 0


def _serve(args) -> int:
    from wodlab.api import serve

    serve(**{name: value for name, value in (("host", args.host), ("port", args.port)) if value is not None})
    return 0
