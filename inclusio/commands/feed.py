"""``inclusio feed DIR``: Atom feeds of the changes, for the warehouse and per project."""

from __future__ import annotations

import argparse
from pathlib import Path

from inclusio.commands._common import (
    EXIT_FAILED,
    CommandError,
    add_wait_option,
    add_warehouse_option,
    output_dir,
    read_warehouse,
)
from inclusio.commands.changes import add_window_options


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "feed",
        help="write Atom feeds of the changes: DIR/changes.xml and DIR/feeds/<project>.xml",
        description="The changes of `inclusio changes` as Atom feeds a feed reader follows: "
        "one entry per new version of a page and project, with the values and quotes before "
        "and after.",
    )
    parser.add_argument("dir", type=Path, help="folder to write (created if missing)")
    add_window_options(parser)
    add_warehouse_option(parser)
    add_wait_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from warehouse.changes import list_changes, write_feeds

    output_dir(args.dir)
    try:
        stats = read_warehouse(args, "feed", lambda con: write_feeds(
            con, args.dir, list_changes(con, since=args.since, run_id=args.run)))
    except OSError as exc:  # permissions, a full disk
        raise CommandError(f"cannot write into {args.dir}: {exc.strerror or exc}",
                           EXIT_FAILED) from None
    print(f"feed: {stats['changes']} changes in {stats['entries']} entries -> "
          f"{args.dir / 'changes.xml'} (and {stats['project_feeds']} project feeds in "
          f"{args.dir / 'feeds'})")
    return 0
