"""``inclusio schema``: the warehouse tables and columns, with what each one means."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from inclusio.commands._common import add_wait_option, read_warehouse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "schema",
        help="print the warehouse tables and columns with their comments",
        description="Reads the schema files (or an existing warehouse with --warehouse) and "
        "prints each table and view, its columns, types and comments.",
    )
    parser.add_argument("table", nargs="?", help="show only this table or view")
    parser.add_argument("--format", choices=["text", "markdown", "json"], default="text")
    parser.add_argument("--warehouse", type=Path, default=None,
                        help="describe this warehouse file instead of the schema files")
    add_wait_option(parser)
    parser.set_defaults(func=run)


def render(items: list[dict], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(items, ensure_ascii=False, indent=2) + "\n"
    lines: list[str] = []
    for t in items:
        if fmt == "markdown":
            lines += [f"### {t['name']} ({t['kind']})", "", t["comment"] or "", "",
                      "| column | type | meaning |", "|---|---|---|"]
            lines += [f"| {c['name']} | {c['type']} | {(c['comment'] or '').replace('|', '/')} |"
                      for c in t["columns"]]
            lines.append("")
        else:
            lines.append(f"{t['name']} ({t['kind']})" + (f" — {t['comment']}" if t["comment"]
                                                         else ""))
            for c in t["columns"]:
                lines.append(f"    {c['name']:<22} {c['type']:<14} {c['comment'] or ''}".rstrip())
            lines.append("")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    import duckdb

    from warehouse.db import apply_schema
    from warehouse.export import describe

    if args.warehouse:
        items = read_warehouse(args, "schema", describe)
    else:
        con = duckdb.connect()
        apply_schema(con)
        items = describe(con)
        con.close()
    if args.table:
        items = [t for t in items if t["name"] == args.table]
        if not items:
            print(f"inclusio schema: no table or view named {args.table}", file=sys.stderr)
            return 1
    sys.stdout.write(render(items, args.format))
    return 0
