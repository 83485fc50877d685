"""`inclusio query SQL`: SQL against the warehouse, as a table or CSV; read-only unless --write."""

from __future__ import annotations

import argparse
import re
import sys

from inclusio.commands._common import (
    EXIT_BUSY,
    EXIT_FAILED,
    EXIT_USAGE,
    CommandError,
    add_wait_option,
    add_warehouse_option,
    one_line,
    print_table,
)
from inclusio.settings import paths


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "query",
        help="run SQL against the warehouse (read-only unless --write) and print a table or CSV",
        description="Run a SQL statement against data/curated/inclusio.duckdb and print the "
        "result. The warehouse is opened read-only, so a pasted DROP or DELETE is refused and "
        "changes nothing, and no other file is read or written (COPY TO, ATTACH, read_csv); "
        "--write opens it for writing and lifts both limits. Use '-' to read the SQL from standard "
        "input. CSV cells that a spreadsheet would run as formulas (=, +, -, @) get a leading '.",
    )
    p.add_argument("sql", help="the SQL statement, or - for standard input")
    p.add_argument("--format", choices=["table", "csv"], default="table", help="output format")
    p.add_argument("--write", action="store_true",
                   help="open the warehouse for writing, so the SQL may change it")
    add_warehouse_option(p, "--db")
    add_wait_option(p)
    p.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    import duckdb

    from warehouse.db import WarehouseBusy, connect

    sql = sys.stdin.read() if args.sql == "-" else args.sql
    if not sql.strip():
        raise CommandError("no SQL given: pass a statement, or - to read it from standard input",
                           EXIT_USAGE)
    target = args.warehouse or paths().warehouse
    if args.write and not target.exists():
        raise CommandError(f"no warehouse at {target}: run `inclusio run` or `make demo` first",
                           EXIT_FAILED)
    try:
        with connect(target, read_only=not args.write, wait=args.wait) as con:
            if not args.write:
                # Read-only means the warehouse and nothing else: no COPY ... TO a file, no
                # ATTACH, no read_csv of local files. DuckDB refuses to turn this back on.
                con.execute("SET enable_external_access = false")
            cur = con.execute(sql)
            if cur is None or cur.description is None:
                return 0
            print_table([d[0] for d in cur.description], cur.fetchall(), args.format)
    except FileNotFoundError as exc:
        raise CommandError(str(exc), EXIT_FAILED) from None
    except WarehouseBusy as exc:
        raise CommandError(str(exc), EXIT_BUSY) from None
    except duckdb.Error as exc:
        refused = re.search(r'statement of type "(\w+)".*read-only mode', str(exc))
        if refused:
            raise CommandError(
                f"{refused.group(1)} refused: the warehouse is opened read-only "
                "(pass --write to change it)", EXIT_FAILED) from None
        if isinstance(exc, duckdb.PermissionException) and not args.write:
            raise CommandError(
                "file access refused: without --write, query reads the warehouse only "
                f"({one_line(exc)})", EXIT_FAILED) from None
        raise CommandError(one_line(exc), EXIT_FAILED) from None
    return 0
