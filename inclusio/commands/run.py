"""`inclusio run SOURCES`: the whole pipeline as a Prefect flow."""

from __future__ import annotations

import argparse
from pathlib import Path

from inclusio.commands._common import positive_seconds, print_summary, writer_exit
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

    if not args.sources.exists():
        print(f"error: no sources file at {args.sources}")
        return 2
    try:
        load_sources(args.sources)  # a mistake is reported here, before Prefect starts
    except ValueError as exc:
        print(f"error: {exc}")
        return 2
    configure_prefect()
    from inclusio.settings import paths
    from warehouse.db import writer_lock

    try:
        # The lock comes before Prefect: a second run must not start a second temporary
        # Prefect server on the same state database (it crashed there instead of exiting 3).
        # Prefect itself starts only if the crawl brings work (flows/runner.py).
        with writer_lock(paths().warehouse, wait=args.wait):
            from flows.runner import run

            summary = run(
                str(args.sources), wait=args.wait, force=args.force,
                max_duration=args.max_duration,
            )
    except Exception as exc:
        if (code := writer_exit(exc)) is not None:
            return code
        from flows.runner import api_failure

        if (reason := api_failure(exc)) is None:
            raise
        print(f"error: {reason}")
        return 1
    print_summary(summary)
    return 0
