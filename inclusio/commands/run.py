"""`inclusio run SOURCES`: the whole pipeline as a Prefect flow."""

from __future__ import annotations

import argparse
from pathlib import Path

from inclusio.commands._common import (
    EXIT_USAGE,
    announce_home,
    fail,
    positive_seconds,
    print_summary,
    writer_exit,
)
from inclusio.settings import configure_prefect


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "run",
        help="crawl, parse, extract and load every source in a sources file",
        description="Run the whole pipeline (discover → fetch → parse → extract → load) as a "
        "Prefect flow over the sources in SOURCES, updating data/curated/inclusio.duckdb.",
    )
    p.add_argument("sources", type=Path, help="sources TOML file")
    p.add_argument(
        "--wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="wait this long for another run holding the warehouse (default: fail at once)",
    )
    p.add_argument("--force", action="store_true", help="parse and extract again even if done")
    p.add_argument(
        "--max-duration", type=positive_seconds, default=None, metavar="SECONDS",
        help="stop each source's crawl after this many seconds (overrides max_duration in "
        "SOURCES); what was fetched is loaded and the next run asks for the rest",
    )
    p.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    from crawl.sources import load_sources

    if not args.sources.is_file():
        return fail("run", f"no sources file at {args.sources}: give the TOML file listing "
                    "the sites (see README, Sources file)", EXIT_USAGE)
    try:
        load_sources(args.sources)  # a mistake is reported here, before Prefect starts
    except ValueError as exc:
        return fail("run", str(exc), EXIT_USAGE)
    announce_home("run")
    configure_prefect()
    from inclusio.settings import paths
    from warehouse.db import writer_lock

    try:
        # The lock comes before Prefect: a second run must not start a second temporary
        # Prefect server on the same state database (it crashed there instead of exiting 3).
        with writer_lock(paths().warehouse, wait=args.wait):
            from flows.pipeline import pipeline_flow

            summary = pipeline_flow(
                str(args.sources), wait=args.wait, force=args.force,
                max_duration=args.max_duration,
            )
    except Exception as exc:
        if (code := writer_exit(exc)) is None:
            raise
        return code
    print_summary(summary)
    return 0
