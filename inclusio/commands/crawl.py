"""`inclusio crawl SOURCES`: fetch only, into the raw store and the fetch log."""

from __future__ import annotations

import argparse
from pathlib import Path

from inclusio.commands._common import (
    EXIT_USAGE,
    announce_home,
    fail,
    positive_count,
    positive_seconds,
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "crawl",
        help="discover and fetch the sources' pages into data/raw (no parsing)",
        description="Discover and fetch every source in SOURCES, storing bodies under data/raw/ by "
        "sha256 and every attempt in data/raw/fetch-log.jsonl. Run `inclusio parse`, `extract` "
        "and `load` afterwards, or `inclusio run` for everything.",
    )
    p.add_argument("sources", type=Path, help="sources TOML file")
    p.add_argument(
        "--source", action="append", default=None, help="only this source id (repeatable)"
    )
    p.add_argument(
        "--max-duration", type=positive_seconds, default=None, metavar="SECONDS",
        help="stop each source's crawl after this many seconds (overrides max_duration in "
        "SOURCES); what was fetched is kept and the next crawl asks for the rest",
    )
    p.add_argument(
        "--parallel-sources", type=positive_count, default=None, metavar="N",
        help="sources crawled at once (default 2000); each host keeps its own delay and "
        "in-flight limit whatever this is",
    )
    p.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    from crawl.sources import load_sources, with_max_duration
    from flows import stages
    from flows.runlog import EXIT_NOTHING_FETCHED

    if not args.sources.is_file():
        return fail("crawl", f"no sources file at {args.sources}: give the TOML file listing "
                    "the sites (see README, Sources file)", EXIT_USAGE)
    try:
        sources = load_sources(args.sources)
    except ValueError as exc:  # the message names the file, the source and the key
        return fail("crawl", str(exc), EXIT_USAGE)
    if args.source:
        unknown = sorted(set(args.source) - {s.source_id for s in sources})
        if unknown:
            return fail("crawl", f"no source with id {', '.join(map(repr, unknown))} in "
                        f"{args.sources} (ids: {', '.join(s.source_id for s in sources)})",
                        EXIT_USAGE)
        sources = [s for s in sources if s.source_id in args.source]
    if args.max_duration is not None:
        sources = with_max_duration(sources, args.max_duration)
    announce_home("crawl")
    from flows.progress import crawl_display
    from flows.runner import crawl_all

    ws = stages.Workspace.at()
    run_id = stages.new_run_id()
    counts: dict[str, int] = {}
    # A bar per source on a terminal (pages against max_pages, failures, time left); a line
    # per page and a progress line per source every few seconds otherwise. Sources go
    # together, as in `inclusio run` (flows/runner.py crawl_all).
    with crawl_display(sources) as display:
        for rec in crawl_all(ws, sources, run_id, display=display,
                             parallel=args.parallel_sources):
            counts[rec.outcome] = counts.get(rec.outcome, 0) + 1
    print(", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "nothing fetched")
    if sources and not counts.get("stored") and not counts.get("unchanged"):
        # As `inclusio run`: a crawl that brought no body at all is a failed command.
        return fail("crawl", "nothing fetched: every source failed (the fetch log and "
                    "`inclusio run` name each failure)", EXIT_NOTHING_FETCHED)
    return 0
