"""`inclusio load`: load every parsed and extracted document into the warehouse."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "load",
        help="load parsed documents, claims and the fetch log into the warehouse",
        description="Load what earlier stages stored under data/ (fetch log, parsed documents, "
        "claims) into data/curated/inclusio.duckdb and link documents to projects. Idempotent.",
    )
    p.add_argument(
        "--wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="wait this long if another run holds the warehouse",
    )
    p.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    from flows import stages
    from warehouse.db import WarehouseBusy

    ws = stages.Workspace.at()
    records = stages.read_fetch_log(ws)
    try:
        stats = stages.load_into_warehouse(
            ws,
            run_id=stages.new_run_id(),
            records=records,
            problems=stages.fetch_problems(records),
            wait=args.wait,
        )
    except WarehouseBusy as exc:
        print(f"error: {exc}")
        return 3
    print(", ".join(f"{k}: {v}" for k, v in stats.items()))
    return 0
