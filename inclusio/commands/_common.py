"""Helpers shared by the subcommands: printing tables and run summaries, reading the warehouse."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


def print_table(columns: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str = "table") -> None:
    """Print rows as an aligned text table or as CSV on stdout."""
    if fmt == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows(rows)
        return
    cells = [[("" if v is None else str(v)).replace("\n", " ") for v in r] for r in rows]
    cells = [[c if len(c) <= 80 else c[:77] + "..." for c in r] for r in cells]
    widths = [len(c) for c in columns]
    for r in cells:
        widths = [max(w, len(c)) for w, c in zip(widths, r, strict=False)]
    line = "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=False))
    print(line)
    print("  ".join("-" * w for w in widths))
    for r in cells:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)))
    print(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")


def print_summary(s: dict[str, Any]) -> None:
    """The end-of-run report: fetched / parsed / failed, claims by kind, projects."""
    print(f"run {s['run_id']}")
    print(
        f"  documents fetched: {s['documents']} distinct bodies from {s['fetch_attempts']} "
        f"fetch attempts ({s['fetched_new']} new or changed, {s['fetched_unchanged']} unchanged)"
    )
    print(f"  documents parsed:  {s['parsed']}")
    print(
        f"  failed:            {s['failed']} ({s['failed_fetch']} fetch, {s['failed_parse']} parse)"
    )
    for p in s.get("problems", []):
        print(f"    - {p['stage']}: {p['where']}: {p['reason']}")
    kinds = ", ".join(f"{k} {n}" for k, n in s["claims_by_kind"].items()) or "none"
    print(f"  claims by kind:    {kinds}")
    print(f"  projects found:    {s['projects']}")
    print(f"  documents in warehouse: {s['documents_in_warehouse']}")


def report_stored(result: dict[str, int]) -> int:
    """Print a re-run's counts on stderr; exit 1 only when every document failed."""
    print(json.dumps(result, ensure_ascii=False), file=sys.stderr)
    done = sum(v for k, v in result.items() if k != "failed")
    return 1 if result.get("failed") and not done else 0


def add_warehouse_option(parser: argparse.ArgumentParser, *aliases: str) -> None:
    """The ``--warehouse FILE`` option every command that reads or writes the warehouse takes."""
    parser.add_argument(
        "--warehouse", *aliases, dest="warehouse", type=Path, default=None,
        help="warehouse file (default: data/curated/inclusio.duckdb)",
    )


def read_warehouse(args: argparse.Namespace, command: str, use: Callable[[Any], T]) -> T | None:
    """Run ``use`` on the warehouse opened read-only, so a reader never blocks a running load.

    Returns None after telling the user, when the warehouse file does not exist yet.
    """
    from inclusio.settings import paths
    from warehouse.db import WarehouseDamaged, connect

    try:
        with connect(args.warehouse or paths().warehouse, read_only=True) as con:
            return use(con)
    except (FileNotFoundError, WarehouseDamaged) as exc:
        print(f"inclusio {command}: {exc}", file=sys.stderr)
        return None


def positive_seconds(text: str) -> float:
    """An argparse type: a number of seconds above zero, with a message that says so."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r}: give a number of seconds > 0")
    return value


# errno values that mean "nothing more can be written here": no space, file too large, quota.
_FULL_ERRNOS = {28, 27, 122}
_FULL_TEXT = ("No space left on device", "File too large", "Disk quota exceeded")


def storage_failure(exc: BaseException) -> str | None:
    """A readable reason when ``exc`` (or what caused it) is a full disk, else None.

    The raw store and the parsed/extracted files are written to a temporary name and renamed,
    and the warehouse writes each batch in one transaction, so such a stop leaves no
    half-written file or row: freeing space and running again goes on from there.
    """
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        errno = getattr(cur, "errno", None)
        text = str(cur)
        if errno in _FULL_ERRNOS or any(t in text for t in _FULL_TEXT):
            detail = text.strip().splitlines()[0] if text.strip() else type(cur).__name__
            return (
                f"the disk is full, nothing more can be written ({detail}); nothing was "
                "half-written: free some space and run the same command again"
            )
        cur = cur.__cause__ or cur.__context__
    return None
