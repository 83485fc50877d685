"""``inclusio link``: recompute which documents and claims speak of which project."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from inclusio.commands._common import add_warehouse_option
from inclusio.settings import paths


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "link",
        help="link documents and claims to projects (CUP, rules, manual links file)",
        description="By CUP first (confidence 1.0); else by rules on programme, call and lead "
        "body (confidence below 1); a manual links file (TOML or CSV, see docs/insights.md) "
        "overrides both. Never by name similarity. Running it again gives the same rows. "
        "`inclusio run` does this after loading; use this after editing the links file.",
    )
    parser.add_argument("--manual", type=Path, default=None,
                        help="manual links file (.toml or .csv); default: links.toml in the "
                        "project folder when it exists")
    add_warehouse_option(parser)
    parser.add_argument("--wait", type=float, default=0.0,
                        help="seconds to wait if another process holds the warehouse")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from warehouse.db import WarehouseBusy, connect
    from warehouse.linking import ManualLinksError, link_all

    manual = args.manual
    if manual is None and (paths().root / "links.toml").exists():
        manual = paths().root / "links.toml"
    target = args.warehouse or paths().warehouse
    if not Path(target).exists():
        print(f"inclusio link: no warehouse at {target}: run `inclusio run` first",
              file=sys.stderr)
        return 1
    try:
        with connect(target, wait=args.wait) as con:
            stats = link_all(con, manual)
    except (ManualLinksError, WarehouseBusy) as exc:
        print(f"inclusio link: {exc}", file=sys.stderr)
        return 1
    print(f"projects: {stats['projects']} · documents linked: {stats['documents_linked']} "
          f"(cup {stats['links_cup']}, rule {stats['links_rule']}, manual {stats['links_manual']})"
          f" · unlinked: {stats['documents_unlinked']} · claims linked: {stats['claims_linked']}")
    if stats["manual_unmatched"]:
        print(f"  {stats['manual_unmatched']} manual links name no document in the warehouse")
    if stats["ambiguous"] or stats["overview_pages"]:
        print(f"  left unlinked: {stats['ambiguous']} pages matching several CUP projects, "
              f"{stats['overview_pages']} overview pages naming several programmes")
    if stats.get("measure_only_pages"):
        print(f"  left unlinked: {stats['measure_only_pages']} pages naming only a measure or "
              "fund whose lead body has no single project")
    return 0
