"""``inclusio report DIR``: a static HTML report readable offline and on a phone."""

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


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "report",
        help="write a static HTML report: index of projects and bodies, a page per project",
        description="Plain HTML and CSS (no script): each project page shows its claims with "
        "quotes and links, conflicts between sources, page changes and official figures.",
    )
    parser.add_argument("dir", type=Path, help="folder to write (created if missing)")
    add_warehouse_option(parser)
    add_wait_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from warehouse.report import build_report

    output_dir(args.dir)
    try:
        stats = read_warehouse(args, "report", lambda con: build_report(con, args.dir))
    except OSError as exc:  # permissions, a full disk: the command failed while writing
        raise CommandError(f"cannot write into {args.dir}: {exc.strerror or exc}",
                           EXIT_FAILED) from None
    print(f"report: {stats['projects']} projects, {stats['conflicts']} conflicts -> "
          f"{args.dir / 'index.html'}")
    return 0
