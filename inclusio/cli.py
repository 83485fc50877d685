"""The ``inclusio`` command: a thin layer over the functions the Prefect flows call.

Each subcommand lives in ``inclusio/commands/<name>.py`` with ``register(subparsers)``; they are
discovered here, so adding a command never edits this file.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from inclusio import __version__, commands
from inclusio.commands._common import CommandError

# The order subcommands are listed in --help; discovered modules not named here follow.
ORDER = (
    "demo", "run", "crawl", "parse", "extract", "evaluate", "load", "query", "link", "compare",
    "reference", "export", "schema", "search", "report", "schedule", "server",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="inclusio",
        description="Read what Italian municipalities publish about social-inclusion projects "
        "and load every amount, date, code, partner and outcome, with its quote and link, "
        "into a DuckDB warehouse.",
    )
    parser.add_argument("--version", action="version", version=f"inclusio {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    names = [m.name for m in pkgutil.iter_modules(commands.__path__) if not m.name.startswith("_")]
    names.sort(key=lambda n: (ORDER.index(n) if n in ORDER else len(ORDER), n))
    for name in names:
        importlib.import_module(f"inclusio.commands.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except CommandError as exc:
        name = " ".join(filter(None, (args.command, getattr(args, "reference_command", None))))
        print(f"inclusio {name}: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except RuntimeError as exc:
        # Any command meeting a warehouse held by another process (exit 3, its PID named) or a
        # damaged warehouse file (exit 5, with the way back) says so in one line.
        from warehouse.db import WarehouseBusy, WarehouseDamaged

        if isinstance(exc, WarehouseBusy | WarehouseDamaged):
            print(f"inclusio {args.command}: {exc}", file=sys.stderr)
            return 3 if isinstance(exc, WarehouseBusy) else 5
        raise


if __name__ == "__main__":
    sys.exit(main())
