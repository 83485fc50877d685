"""Helpers shared by the subcommands: printing tables and run summaries, reading the warehouse."""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

# Exit codes every command shares (README, "Exit codes").
EXIT_FAILED = 1  # the command ran and failed: SQL refused, no warehouse, nothing found
EXIT_USAGE = 2  # the command line asks for something impossible: missing file, bad path
EXIT_BUSY = 3  # another process holds the warehouse for writing
EXIT_DISK_FULL = 4  # run/load: nothing more can be written (README, "When something breaks")
EXIT_DAMAGED = 5  # the warehouse file is damaged or truncated: `inclusio load --rebuild`
# 6-9: a run that did nothing it was asked for, by the stage where everything failed
# (flows/runlog.py: nothing fetched, parsed, extracted, loaded).


class CommandError(Exception):
    """A failure the user can fix, shown as one line ``inclusio COMMAND: message`` (no
    traceback) and turned into the exit code ``code`` by ``inclusio.cli.main``."""

    def __init__(self, message: str, code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.code = code


def announce_home(command: str) -> None:
    """Say on stderr, before any work, which project folder a run reads and writes."""
    from inclusio.settings import paths

    home = paths().root
    print(f"inclusio {command}: home {home} (data in {home / 'data'}; --home DIR or "
          "INCLUSIO_HOME to change)", file=sys.stderr, flush=True)
    store = os.environ.get("INCLUSIO_STORE", "").strip()
    if store:
        print(f"inclusio {command}: store {store} (raw bodies, parsed and extracted files, "
              "staged batches; the fetch log and the warehouse stay in the home folder)",
              file=sys.stderr, flush=True)


def fail(command: str, message: str, code: int) -> int:
    """Print ``inclusio COMMAND: message`` on stderr (the one form every error takes) and
    return ``code``, for commands that end with an exit code rather than a CommandError."""
    print(f"inclusio {command}: {message}", file=sys.stderr, flush=True)
    return code


def one_line(exc: BaseException) -> str:
    """An exception's message on one line (DuckDB's parser errors span several)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


def print_table(columns: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str = "table") -> None:
    """Print rows as an aligned text table or as CSV on stdout: in a table, control characters
    a terminal would obey are shown as ``�``; in CSV, text cells that a spreadsheet would run as
    formulas get a leading quote (``warehouse.termsafe``, ``warehouse.csvsafe``)."""
    if fmt == "csv":
        from warehouse import csvsafe

        writer = csv.writer(sys.stdout)
        writer.writerow(csvsafe.row(columns))
        writer.writerows(csvsafe.row(r) for r in rows)
        return
    from warehouse.termsafe import printable

    cells = [[printable("" if v is None else str(v)).replace("\n", " ") for v in r]
             for r in rows]
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
    """The end-of-run report: what this run did (never warehouse totals), then its problems."""
    from flows.runlog import PROBLEMS_SHOWN

    code = s.get("exit_code", 0)
    print(f"run {s['run_id']}: {s.get('state', 'COMPLETED')}" + (f" (exit {code})" if code else ""))
    if s.get("flow_run_id"):
        print(f"  Prefect flow run:  {s.get('flow_run_name')} ({s['flow_run_id']})")
    elif s.get("prefect"):  # a run without a flow (flows/runner.py says why)
        print(f"  Prefect:           {s['prefect']}")
    bad = s.get("sources_failed", [])
    print(f"  sources:           {s.get('sources', 0)}"
          + (f" ({len(bad)} failed: {', '.join(b['source_id'] for b in bad)})" if bad else ""))
    print(
        f"  fetched:           {s['documents']} distinct bodies from {s['fetch_attempts']} "
        f"fetch attempts ({s['fetched_new']} new or changed, {s['fetched_unchanged']} "
        f"unchanged, {s['failed_fetch']} failed)"
    )
    print(f"  parsed:            {s['parsed']} ({s['failed_parse']} failed)")
    print(f"  extracted:         {s['extracted']} ({s.get('failed_extract', 0)} failed, "
          f"{max(0, s['parsed'] - s['extracted'] - s.get('failed_extract', 0))} already done)")
    print(f"  loaded:            {s.get('documents_loaded', 0)} new or changed documents; "
          f"{s.get('documents_stored', 0)} of this run's in the warehouse")
    kinds = ", ".join(f"{k} {n}" for k, n in s.get("claims_by_kind", {}).items())
    print(f"  claims:            {s.get('claims_new', 0)} new, {s.get('claims_changed', 0)} "
          f"changed, {s.get('claims_gone', 0)} gone" + (f" ({kinds})" if kinds else ""))
    print(f"  projects:          {s.get('projects', 0)} linked to this run's documents")
    problems = s.get("problems", [])
    for p in problems[:PROBLEMS_SHOWN]:
        print(f"    - {p['stage']}: {p['where']}: {p['reason']}")
    if len(problems) > PROBLEMS_SHOWN:
        print(f"    ... and {len(problems) - PROBLEMS_SHOWN} more: inclusio query "
              f"\"SELECT * FROM problems WHERE run_id = '{s['run_id']}'\"")


def report_run(s: dict[str, Any], command: str) -> int:
    """Print a finished run's summary, then its verdict on stderr when not plainly done;
    return the run's exit code (0 also when partly done)."""
    print_summary(s)
    if s.get("state") == "FAILED":
        print(f"inclusio {command}: run FAILED: {s['message']}", file=sys.stderr)
    elif s.get("warnings"):
        print(f"inclusio {command}: warning: {s['message']}", file=sys.stderr)
    return int(s.get("exit_code", 0))


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


def add_wait_option(parser: argparse.ArgumentParser) -> None:
    """``--wait SECONDS``: how long to wait when another process holds the warehouse."""
    parser.add_argument(
        "--wait", type=float, default=0.0, metavar="SECONDS",
        help="wait this long if another process holds the warehouse for writing "
        f"(default 0: exit {EXIT_BUSY} at once)",
    )


def read_warehouse(args: argparse.Namespace, command: str, use: Callable[[Any], T]) -> T:
    """Run ``use`` on the warehouse opened read-only, so a reader never changes it.

    A missing warehouse, or one another process is writing (after ``--wait`` seconds), is a
    ``CommandError`` with a one-line message.
    """
    from inclusio.settings import paths
    from warehouse.db import WarehouseBusy, WarehouseDamaged, connect

    target = args.warehouse or paths().warehouse
    if not target.exists():
        raise CommandError(f"no warehouse at {target}: run `inclusio run` or `make demo` first",
                           EXIT_FAILED)
    try:
        with connect(target, read_only=True, wait=getattr(args, "wait", 0.0) or 0.0) as con:
            return use(con)
    except WarehouseBusy as exc:
        raise CommandError(str(exc), EXIT_BUSY) from None
    except WarehouseDamaged as exc:
        raise CommandError(str(exc), EXIT_DAMAGED) from None


def output_dir(path: Path) -> Path:
    """A folder to write into: refused when something other than a folder is there already."""
    if path.exists() and not path.is_dir():
        raise CommandError(f"{path} exists and is not a folder: give a folder to write into",
                           EXIT_USAGE)
    return path


def output_file(path: Path) -> Path:
    """A file to write: its folder must exist, and it must not be a folder itself."""
    if path.is_dir():
        raise CommandError(f"{path} is a folder: give a file name to write", EXIT_USAGE)
    if not path.parent.is_dir():
        raise CommandError(f"the folder {path.parent} does not exist: create it first",
                           EXIT_USAGE)
    return path


def positive_seconds(text: str) -> float:
    """An argparse type: a number of seconds above zero, with a message that says so."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r}: give a number of seconds > 0")
    return value


def positive_count(text: str) -> int:
    """An argparse type: a whole number above zero, with a message that says so."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give a whole number >= 1")
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
            what = ("a file size limit was reached" if errno == 27 or "File too large" in text
                    else "the disk is full")
            return (
                f"{what}, nothing more can be written ({detail}); nothing was "
                "half-written: free some space and run the same command again"
            )
        cur = cur.__cause__ or cur.__context__
    return None


def writer_exit(exc: BaseException, command: str = "run") -> int | None:
    """Print the one-line reason (``inclusio COMMAND: ...`` on stderr) and return the exit code
    when ``exc`` stopped the warehouse writer (3 in use, 5 damaged, 4 disk full); None for any
    other failure, which is a bug."""
    from warehouse.db import WarehouseBusy, WarehouseDamaged

    if isinstance(exc, WarehouseBusy):
        code, reason = 3, str(exc)
    elif isinstance(exc, WarehouseDamaged):
        code, reason = 5, str(exc)
    elif (full := storage_failure(exc)) is not None:
        code, reason = 4, full
    else:
        return None
    return fail(command, reason, code)
