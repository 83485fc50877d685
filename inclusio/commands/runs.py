"""``inclusio runs``: the recent pipeline runs with their state and their own figures."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from inclusio.commands._common import (
    EXIT_USAGE,
    CommandError,
    add_wait_option,
    add_warehouse_option,
    print_summary,
    print_table,
    read_warehouse,
)

# What the table shows of each run (the json format gives every column).
SHOWN = """
SELECT run_id, strftime(started_at, '%Y-%m-%d %H:%M') AS started,
       round(epoch(finished_at - started_at)) :: INTEGER AS seconds, state, exit_code AS exit,
       sources || CASE WHEN len(sources_failed) > 0
                       THEN ' (' || len(sources_failed) || ' failed)' ELSE '' END AS sources,
       fetched_new || ' new, ' || fetched_unchanged || ' same, ' || failed_fetch || ' failed'
           AS fetched,
       parsed || '/' || documents AS parsed, documents_loaded AS loaded,
       claims_new || ' new, ' || claims_changed || ' changed, ' || claims_gone || ' gone'
           AS claims,
       message
FROM runs ORDER BY started_at DESC, run_id DESC LIMIT ?"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "runs",
        help="list recent pipeline runs with their state and figures",
        description="The recent runs of the pipeline (inclusio run, demo, scheduled crawls), "
        "newest first, from the warehouse's runs table: state (COMPLETED or FAILED), exit "
        "code, and this run's figures: sources, fetches, documents parsed and loaded, claims "
        "new, changed and gone. With RUN_ID, that run's whole summary with its problems.",
    )
    p.add_argument("run_id", nargs="?", metavar="RUN_ID", help="show this run's summary")
    p.add_argument("--limit", type=int, default=20, metavar="N",
                   help="how many runs to list (default 20)")
    p.add_argument("--format", choices=["table", "json"], default="table")
    add_warehouse_option(p)
    add_wait_option(p)
    p.set_defaults(func=handle)


def _has_runs(con: Any) -> bool:
    return bool(con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = 'runs'"
    ).fetchone()[0])


def handle(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise CommandError("--limit must be 1 or more", EXIT_USAGE)

    def one(con: Any) -> dict[str, Any]:
        row = con.execute("SELECT summary FROM runs WHERE run_id = ?",
                          [args.run_id]).fetchone() if _has_runs(con) else None
        if row is None:
            raise CommandError(f"no run {args.run_id!r} in the runs table: `inclusio runs` "
                               "lists them", EXIT_USAGE)
        return json.loads(row[0])

    def table(con: Any) -> tuple[list[str], list[tuple]]:
        if not _has_runs(con):
            return [], []
        cur = con.execute(SHOWN, [args.limit])
        return [d[0] for d in cur.description], cur.fetchall()

    def every_column(con: Any) -> list[dict[str, Any]]:
        if not _has_runs(con):
            return []
        cur = con.execute("SELECT * EXCLUDE (summary) FROM runs "
                          "ORDER BY started_at DESC, run_id DESC LIMIT ?", [args.limit])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    if args.run_id:
        summary = read_warehouse(args, "runs", one)
        if args.format == "json":
            print(json.dumps(summary, ensure_ascii=False, indent=2))
        else:
            print_summary(summary)
            print(f"  verdict:           {summary.get('message')}")
        return 0
    if args.format == "json":
        rows = read_warehouse(args, "runs", every_column)
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=2, default=str)
        print()
        return 0
    columns, rows = read_warehouse(args, "runs", table)
    if not rows:
        print("no runs recorded yet: `inclusio run SOURCES` or `inclusio demo` records one")
        return 0
    print_table(columns, rows)
    return 0
