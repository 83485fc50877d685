"""`inclusio query SQL`: SQL against the warehouse, as a table, CSV or JSON; read-only unless
--write. Several statements separated by ``;`` run in order, each result printed."""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

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
        help="run SQL against the warehouse (read-only unless --write) and print a table, CSV or "
        "JSON",
        description="Run SQL against data/curated/inclusio.duckdb and print the result; "
        "several statements separated by ';' run in order and each result is printed (with "
        "--format json, one JSON array of row objects per statement, one per line). The "
        "warehouse is opened read-only, so a pasted DROP or DELETE is refused and "
        "changes nothing, and no other file is read or written (COPY TO, ATTACH, read_csv); "
        "--write opens it for writing and lifts both limits. Use '-' to read the SQL from standard "
        "input. CSV cells that a spreadsheet would run as formulas (=, +, -, @) get a leading '.",
    )
    p.add_argument("sql", help="the SQL (one or more statements), or - for standard input")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table",
                   help="output format")
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
            try:
                statements = con.extract_statements(sql)
            except duckdb.Error as exc:  # a syntax error anywhere: nothing has run
                raise CommandError(one_line(exc), EXIT_FAILED) from None
            if not statements:
                raise CommandError("no SQL statement given (only ';' or comments)", EXIT_USAGE)
            results = 0
            for statement in statements:
                cur = con.execute(statement.query)
                if cur is None or cur.description is None:
                    continue
                columns = [d[0] for d in cur.description]
                rows = cur.fetchall()
                if args.format != "json" and results:
                    print()
                if args.format == "table" and len(statements) > 1:
                    print(f"-- {_head(statement.query)}")
                show(columns, rows, args.format)
                results += 1
                sys.stdout.flush()
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


def _head(sql: str, width: int = 76) -> str:
    text = " ".join(sql.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def _jsonable(value: Any) -> Any:
    """A DuckDB value as JSON: numbers stay numbers, dates ISO text, lists and structs nested."""
    if isinstance(value, Decimal):
        return float(value) if value.is_finite() else str(value)
    if isinstance(value, float) and value != value:  # NaN is not JSON
        return None
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, bytes | bytearray):
        return value.hex()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def show(columns: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str) -> None:
    """One result: a table or CSV (``print_table``), or one line of JSON (row objects)."""
    if fmt == "json":
        records = [{c: _jsonable(v) for c, v in zip(columns, r, strict=True)} for r in rows]
        print(json.dumps(records, ensure_ascii=False))
        return
    print_table(columns, rows, fmt)
