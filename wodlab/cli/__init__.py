"""The `wodlab` command: manage the embedded database, initialise, load, query, review.

Each group of commands has its module (database, load, audit, analysis, notebooks): its parser and
its functions. A command's defaults are read from the code it calls, never restated here.
"""

from __future__ import annotations

import argparse
import sys

import psycopg

from wodlab.cli import analysis, audit, database, load, notebooks
from wodlab.cli.common import close_opened
from wodlab.core.errors import DatabaseUnavailable, WodlabError
from wodlab.store import db

EXIT_BAD_INPUT = 2  # the user can fix the input (a file, a parameter) and try again
EXIT_UNAVAILABLE = 3  # the database cannot be reached


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wodlab", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    database.add_parsers(sub)
    load.add_parser(sub)
    audit.add_parsers(sub)
    analysis.add_parsers(sub)
    notebooks.add_parsers(sub)
    return parser


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
    finally:
        close_opened()  # run in a longer-lived process (a test, a notebook), the command leaves no connection open
