"""``inclusio compare``: every source's claims about a project side by side."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from inclusio.commands._common import (
    EXIT_FAILED,
    EXIT_USAGE,
    CommandError,
    add_wait_option,
    add_warehouse_option,
    output_file,
    read_warehouse,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "compare",
        help="show a project's card and what each source claims, with conflicts and changes",
        description="Per project, first its card: money by role (with %% paid), lead body and "
        "partners, programme and call, place, start and end, outcomes (target and achieved) "
        "and CIGs, each value with how many pages state it and official figures beside it; then "
        "the evidence by field, identical claims on one line with their count of sources; "
        "conflicts with the quotes of both sides; pages that changed between crawls. "
        "--entity takes a partial name and suggests the closest bodies.",
    )
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument("--cup", help="a project's CUP (or a project id from `inclusio query`)")
    who.add_argument("--entity", help='a body, e.g. "Comune di Massa" (lead, publisher, partner)')
    parser.add_argument("--format", choices=["table", "csv", "json", "html"], default="table")
    parser.add_argument("--output", "-o", type=Path, help="write to this file instead of stdout")
    add_warehouse_option(parser)
    add_wait_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from warehouse.compare import (
        compare,
        find_projects,
        is_cup,
        matching_entities,
        suggest_entities,
        to_csv,
        to_json,
        to_table,
    )
    from warehouse.report import pages_html

    if args.output:
        output_file(args.output)
    found: dict[str, list[str]] = {"names": [], "suggestions": []}

    def look(con: Any) -> list:
        if args.entity:
            found["names"] = matching_entities(con, args.entity)
            if not found["names"]:
                found["suggestions"] = suggest_entities(con, args.entity)
        elif not is_cup(args.cup) and not find_projects(con, cup=args.cup):
            raise CommandError(
                f"{args.cup!r} is not a valid CUP (15 characters: a letter, two digits, a "
                "letter, eleven digits, e.g. F74H24002780007)", EXIT_USAGE)
        return compare(con, cup=args.cup, entity=args.entity)

    views = read_warehouse(args, "compare", look)
    if args.entity and found["names"] and [args.entity] != found["names"]:
        print(f"inclusio compare: bodies matching {args.entity!r}: "
              + ", ".join(found["names"]), file=sys.stderr)
    render = {"table": to_table, "csv": to_csv, "json": to_json, "html": pages_html}
    text = render[args.format](views)
    if args.output:
        try:
            args.output.write_text(text, encoding="utf-8")
        except OSError as exc:  # permissions, a full disk: the command failed while writing
            raise CommandError(f"cannot write {args.output}: {exc.strerror or exc}",
                               EXIT_FAILED) from None
    else:
        sys.stdout.write(text)
    if not views:
        hint = (f"; did you mean {', '.join(repr(x) for x in found['suggestions'])}?"
                if found["suggestions"] else "")
        print(f"inclusio compare: no project for {args.cup or args.entity}{hint}",
              file=sys.stderr)
        return 1
    return 0
