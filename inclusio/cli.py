"""The ``inclusio`` command: a thin layer over the functions the Prefect flows call.

Each subcommand lives in ``inclusio/commands/<name>.py`` with ``register(subparsers)``; they are
discovered here, so adding a command never edits this file.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
from collections.abc import Sequence
from pathlib import Path

from inclusio import __version__, commands
from inclusio.commands._common import EXIT_USAGE, CommandError

# The order subcommands are listed in --help; discovered modules not named here follow.
ORDER = (
    "demo", "run", "crawl", "parse", "extract", "evaluate", "load", "query", "link", "compare",
    "reference", "export", "schema", "search", "report", "schedule", "server", "doctor",
)

# Commands that store data under the home folder create it when missing (and say where they
# write: ``_common.announce_home``); the others refuse a home folder that does not exist.
WRITERS = ("demo", "run", "crawl", "load", "schedule", "server")

HOME_HELP = ("project folder holding data/ and .prefect/ (default: $INCLUSIO_HOME, else the "
             "current folder)")
STORE_HELP = ("where raw bodies, parsed and extracted files and staged batches live: a folder "
              "or an fsspec URL such as s3://bucket/inclusio (default: $INCLUSIO_STORE, else "
              "data/ of the home folder; README, Scaling out)")
# Commands that write bodies into the store: an unusable store URL stops them before any work.
STORE_WRITERS = ("demo", "run", "crawl", "schedule")


def _add_home(parser: argparse.ArgumentParser) -> None:
    """``--home DIR`` on a subcommand (and its own subcommands), beside the global one.

    SUPPRESS as default: a subcommand that is not given --home must not overwrite the value
    the global ``inclusio --home DIR COMMAND`` form set.
    """
    parser.add_argument("--home", type=Path, default=argparse.SUPPRESS, metavar="DIR",
                        help=HOME_HELP)
    parser.add_argument("--store", default=argparse.SUPPRESS, metavar="URL", help=STORE_HELP)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                _add_home(child)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="inclusio",
        description="Read what Italian municipalities publish about social-inclusion projects "
        "and load every amount, date, code, partner and outcome, with its quote and link, "
        "into a DuckDB warehouse.",
    )
    parser.add_argument("--version", action="version", version=f"inclusio {__version__}")
    parser.add_argument("--home", type=Path, default=None, metavar="DIR", help=HOME_HELP)
    parser.add_argument("--store", default=None, metavar="URL", help=STORE_HELP)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    names = [m.name for m in pkgutil.iter_modules(commands.__path__) if not m.name.startswith("_")]
    names.sort(key=lambda n: (ORDER.index(n) if n in ORDER else len(ORDER), n))
    for name in names:
        importlib.import_module(f"inclusio.commands.{name}").register(sub)
    for child in sub.choices.values():
        _add_home(child)
    return parser


def use_home(home: Path | None, command: str) -> Path:
    """Make ``home`` (or $INCLUSIO_HOME, or the current folder) the project folder of this
    process and of everything it starts (INCLUSIO_HOME), and return it."""
    from inclusio.settings import project_root

    if home is not None:
        home = home.expanduser().resolve()
        if not home.is_dir():
            if home.exists():
                raise CommandError(f"--home {home} is a file: give the project folder",
                                   EXIT_USAGE)
            if command not in WRITERS:
                raise CommandError(f"--home {home} does not exist: give the project folder "
                                   "(the one holding data/)", EXIT_USAGE)
            home.mkdir(parents=True)
        os.environ["INCLUSIO_HOME"] = str(home)
    return project_root()


def use_store(store: str | None, command: str) -> str | None:
    """Make ``store`` (or $INCLUSIO_STORE) the store of this process and of everything it
    starts (INCLUSIO_STORE), checked: an unknown protocol or a missing protocol package is a
    usage error (exit 2); a store that cannot be written stops a writing command (exit 1)."""
    from docstore.objects import ObjectFolder, StoreUnavailable, is_url
    from inclusio.commands._common import EXIT_FAILED

    if store is not None:
        if not store.strip():
            raise CommandError("--store is empty: give a folder or a URL such as "
                               "s3://bucket/inclusio", EXIT_USAGE)
        os.environ["INCLUSIO_STORE"] = store.strip()
    value = os.environ.get("INCLUSIO_STORE", "").strip()
    if not value:
        return None
    if not is_url(value):
        folder = Path(value).expanduser().resolve()
        if folder.exists() and not folder.is_dir():
            raise CommandError(f"--store {folder} is a file: give a folder or a URL",
                               EXIT_USAGE)
        return str(folder)
    try:
        objects = ObjectFolder(value)
    except StoreUnavailable as exc:
        raise CommandError(f"--store: {exc}", EXIT_USAGE) from None
    if command in STORE_WRITERS:
        try:
            objects.check()
        except StoreUnavailable as exc:
            raise CommandError(f"--store: {exc}", EXIT_FAILED) from None
    return value


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    name = " ".join(filter(None, (args.command, getattr(args, "reference_command", None))))
    try:
        use_home(getattr(args, "home", None), args.command)
        use_store(getattr(args, "store", None), args.command)
        return int(args.func(args) or 0)
    except CommandError as exc:
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
