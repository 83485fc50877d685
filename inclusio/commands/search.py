"""``inclusio search "centro per l'impiego"``: full-text search over the documents (BM25)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from inclusio.commands._common import (
    EXIT_BUSY,
    EXIT_DAMAGED,
    add_wait_option,
    add_warehouse_option,
)
from inclusio.settings import paths


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "search",
        help="search document texts (BM25, Italian stemming); index rebuilt when documents change",
        description="Ranks documents with BM25 using DuckDB's fts extension and its Italian "
        "stemmer; only the latest version of each page unless --all-versions.",
    )
    parser.add_argument("query", help="words to look for, e.g. \"centro per l'impiego\"")
    parser.add_argument("--limit", type=int, default=10)
    parser.add_argument("--all-versions", action="store_true",
                        help="also search earlier versions of pages that changed")
    parser.add_argument("--format", choices=["table", "json"], default="table")
    add_warehouse_option(parser)
    add_wait_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from warehouse.db import WarehouseBusy, WarehouseDamaged, connect
    from warehouse.search import SearchUnavailable, ensure_index, index_is_current, search

    target = args.warehouse or paths().warehouse
    if not Path(target).exists():
        print(f"inclusio search: no warehouse at {target}: run `inclusio run` first",
              file=sys.stderr)
        return 1
    try:
        # Read first: the load keeps the index current, so a search rarely writes at all.
        with connect(target, read_only=True, wait=args.wait) as con:
            current = index_is_current(con)
            hits = search(con, args.query, args.limit, args.all_versions) if current else None
        if hits is None:
            try:
                with connect(target, wait=0) as con:
                    ensure_index(con)
                    hits = search(con, args.query, args.limit, args.all_versions)
            except WarehouseBusy:
                # Another process is writing: search the index as it is, if there is one.
                print("inclusio search: the warehouse is being written and its search index is "
                      "out of date; the results may miss new documents", file=sys.stderr)
                with connect(target, read_only=True, wait=args.wait) as con:
                    hits = search(con, args.query, args.limit, args.all_versions)
    except SearchUnavailable as exc:
        print(f"inclusio search: {exc}", file=sys.stderr)
        return 1
    except WarehouseBusy as exc:
        print(f"inclusio search: {exc}", file=sys.stderr)
        return EXIT_BUSY
    except WarehouseDamaged as exc:
        print(f"inclusio search: {exc}", file=sys.stderr)
        return EXIT_DAMAGED
    if args.format == "json":
        print(json.dumps(hits, ensure_ascii=False, indent=2, default=str))
        return 0
    if not hits:
        print("no document matches")
        return 0
    from warehouse.termsafe import printable  # page text may hold terminal escapes

    for n, h in enumerate(hits, 1):
        when = h["fetched_at"].strftime("%Y-%m-%d") if h["fetched_at"] else "?"
        print(printable(f"{n:>2}. [{h['score']:.3f}] {h['title'] or '(untitled)'} — "
                        f"{h['entity'] or ''}"))
        print(printable(f"    {h['url']} (fetched {when})"
                        + (f" · projects: {', '.join(h['projects'])}" if h["projects"] else "")))
        print(printable(f"    {h['snippet']}"))
    return 0
