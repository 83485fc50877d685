"""`inclusio load`: load every parsed and extracted document into the warehouse."""

from __future__ import annotations

import argparse
from pathlib import Path

from inclusio.commands._common import EXIT_USAGE, announce_home, fail, writer_exit


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "load",
        help="load parsed documents, claims and the fetch log into the warehouse",
        description="Load what earlier stages stored under data/ (fetch log, parsed documents, "
        "claims) into data/curated/inclusio.duckdb and link documents to projects. Idempotent. "
        "With --rebuild, build a new warehouse from those files (the way back from a damaged "
        "or truncated warehouse file).",
    )
    p.add_argument(
        "--wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="wait this long if another run holds the warehouse",
    )
    p.add_argument(
        "--rebuild", action="store_true",
        help="build a new warehouse from data/raw/fetch-log.jsonl, data/parsed and "
        "data/extracted; the old file is kept as inclusio.duckdb.damaged-<time>",
    )
    p.add_argument(
        "--sources", type=Path, default=None, metavar="FILE",
        help="with --rebuild: sources file to fill the sources table from (else the next "
        "`inclusio run` fills it)",
    )
    p.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    from crawl.sources import load_sources
    from flows import stages
    from warehouse.db import writer_lock

    ws = stages.Workspace.at()
    try:
        sources = load_sources(args.sources) if args.sources else []
    except (OSError, ValueError) as exc:
        return fail("load", str(exc), EXIT_USAGE)
    announce_home("load")
    try:
        with writer_lock(ws.warehouse, wait=args.wait):
            if args.rebuild:
                links = ws.root / "links.toml"
                stats = stages.rebuild_warehouse(
                    ws, sources=sources, manual_links=links if links.exists() else None
                )
            else:
                records = stages.read_fetch_log(ws)
                stats = stages.load_into_warehouse(
                    ws,
                    run_id=stages.new_run_id(),
                    sources=sources,
                    records=records,
                    problems=stages.fetch_problems(records),
                    wait=args.wait,
                )
    except Exception as exc:
        if (code := writer_exit(exc, "load")) is None:
            raise
        return code
    print(", ".join(f"{k}: {v}" for k, v in stats.items()))
    return 0
