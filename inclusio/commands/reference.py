"""``inclusio reference import opencoesione|opencup FILE``: load official open data."""

from __future__ import annotations

import argparse
from pathlib import Path

from inclusio.commands._common import (
    EXIT_BUSY,
    EXIT_FAILED,
    EXIT_USAGE,
    CommandError,
    add_warehouse_option,
    one_line,
)
from inclusio.settings import paths


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "reference",
        help="import official open data (OpenCoesione, OpenCUP) to reconcile claims with",
        description="Official open data kept beside the claims, matched by CUP.",
    )
    sub = parser.add_subparsers(dest="reference_command", metavar="ACTION")
    imp = sub.add_parser(
        "import",
        help="import an OpenCoesione progetti_esteso CSV/zip or an OpenCUP CSV",
        description="Import a file as published; importing it again replaces its rows. "
        "opencoesione: ';' separated progetti_esteso (UTF-8 with BOM, decimal comma, YYYYMMDD "
        "dates, ':::' multi-values; .zip accepted). opencup: the ';' Progetti file, or the ',' "
        "CUP localisation and CUP,CIG extracts (the delimiter and layout are detected).",
    )
    imp.add_argument("dataset", choices=["opencoesione", "opencup"])
    imp.add_argument("file", type=Path)
    add_warehouse_option(imp)
    imp.add_argument("--wait", type=float, default=0.0,
                     help="seconds to wait if another process holds the warehouse")
    imp.set_defaults(func=run_import)
    parser.set_defaults(func=lambda args: (parser.print_help(), 2)[1])


def run_import(args: argparse.Namespace) -> int:
    from warehouse.db import WarehouseBusy, connect
    from warehouse.reference import IMPORTERS, ReferenceFormatError

    if not args.file.is_file():
        # Checked before the warehouse is opened, which would create an empty one.
        what = "is a folder" if args.file.is_dir() else "does not exist"
        raise CommandError(f"{args.file} {what}: give the {args.dataset} file to import",
                           EXIT_USAGE)
    target = args.warehouse or paths().warehouse
    try:
        # A file that turns out malformed leaves no schema-only warehouse behind.
        with connect(target, wait=args.wait, discard_new_on_error=True) as con:
            result = IMPORTERS[args.dataset](con, args.file)
    except WarehouseBusy as exc:
        raise CommandError(str(exc), EXIT_BUSY) from None
    except ReferenceFormatError as exc:
        raise CommandError(one_line(exc), EXIT_FAILED) from None
    except OSError as exc:  # unreadable file, full disk
        raise CommandError(f"{exc.strerror or exc}: {exc.filename or args.file}",
                           EXIT_FAILED) from None
    print(
        f"{result['dataset']}: {result['read']} rows read, {result['rows']} rows imported from "
        f"{args.file}"
        + (f", {result['indicators']} indicators" if "indicators" in result else "")
        + (f", {result['rejected']} rows rejected (no valid key)" if result["rejected"] else "")
    )
    print(f"  CUPs in the file: {result['cups']}; warehouse CUPs matched: {result['matched']} "
          f"of {result['warehouse_cups']}")
    print(f"  this file carries: {'; '.join(result['fields'])}")
    return 0
