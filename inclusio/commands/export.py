"""``inclusio export``: the curated tables as Parquet or CSV files."""

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
        "export",
        help="write the curated tables as Parquet or CSV files (with a manifest.json)",
        description="One file per table (and the reconciliation views), written by DuckDB's "
        "COPY, plus manifest.json with row counts and column comments.",
    )
    parser.add_argument("dir", type=Path, help="folder to write (created if missing)")
    parser.add_argument("--format", choices=["parquet", "csv"], default="parquet")
    add_warehouse_option(parser)
    add_wait_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from warehouse.export import export

    output_dir(args.dir)
    try:
        manifest = read_warehouse(args, "export", lambda con: export(con, args.dir, args.format))
    except OSError as exc:  # permissions, a full disk: the command failed while writing
        raise CommandError(f"cannot write into {args.dir}: {exc.strerror or exc}",
                           EXIT_FAILED) from None
    for f in manifest["tables"]:
        print(f"{f['rows']:>10}  {args.dir / f['file']}")
    return 0
