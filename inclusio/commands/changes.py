"""``inclusio changes``: claims that appeared, changed or disappeared between crawls."""

from __future__ import annotations

import argparse
import sys
from datetime import date

from inclusio.commands._common import (
    EXIT_USAGE,
    CommandError,
    add_wait_option,
    add_warehouse_option,
    read_warehouse,
)


def since_date(text: str) -> date:
    """An argparse type: a YYYY-MM-DD date, with a message that says so."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def add_window_options(parser: argparse.ArgumentParser) -> None:
    """--since DATE or --run RUN_ID: which arrivals count as changes."""
    when = parser.add_mutually_exclusive_group()
    when.add_argument("--since", type=since_date, metavar="DATE",
                      help="only versions first seen on or after this date (YYYY-MM-DD), "
                      "pages first seen then included")
    when.add_argument("--run", metavar="RUN_ID",
                      help="only versions fetched in this run (see `inclusio query "
                      "\"SELECT DISTINCT run_id FROM fetches\"`)")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "changes",
        help="list claims that appeared, changed or disappeared between crawls, with quotes",
        description="Per project and page: each field whose values moved between two "
        "versions of the page, with the values and the quotes before and after. Without "
        "--since or --run, every change between two versions and every page a later crawl "
        "of its source found; with one, what arrived then.",
    )
    add_window_options(parser)
    parser.add_argument("--format", choices=["table", "json"], default="table")
    add_warehouse_option(parser)
    add_wait_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from warehouse.changes import list_changes, to_json, to_table

    def look(con):  # noqa: ANN001, ANN202 - a DuckDB connection
        if args.run is not None:
            known = con.execute("SELECT count(*) FROM fetches WHERE run_id = ?",
                                [args.run]).fetchone()[0]
            if not known:
                raise CommandError(f"no run {args.run!r} in the warehouse", EXIT_USAGE)
        return list_changes(con, since=args.since, run_id=args.run)

    events = read_warehouse(args, "changes", look)
    sys.stdout.write(to_json(events) if args.format == "json" else to_table(events))
    return 0
