"""`inclusio query SQL`: read-only SQL against the warehouse, as a table or CSV."""

from __future__ import annotations

import argparse
import sys

from inclusio.commands._common import add_warehouse_option, print_table
from inclusio.settings import paths


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "query",
        help="run SQL against the warehouse and print a table or CSV",
        description="Run a SQL statement against data/curated/inclusio.duckdb (opened read-only) "
        "and print the result. Use '-' to read the SQL from standard input.",
    )
    p.add_argument("sql", help="the SQL statement, or - for standard input")
    p.add_argument("--format", choices=["table", "csv"], default="table", help="output format")
    add_warehouse_option(p, "--db")
    p.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    import duckdb

    from warehouse.db import connect

    sql = sys.stdin.read() if args.sql == "-" else args.sql
    try:
        with connect(args.warehouse or paths().warehouse, read_only=True) as con:
            cur = con.execute(sql)
            if cur.description is None:
                return 0
            print_table([d[0] for d in cur.description], cur.fetchall(), args.format)
    except (duckdb.Error, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0
