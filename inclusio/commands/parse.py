"""``inclusio parse``: the text of local files exactly as extractors index it."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from inclusio.commands._common import report_stored
from inclusio.localfiles import read_document, reason


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "parse",
        help="print the text of local HTML/PDF/text files as extractors index it "
        "(no PATH: parse every stored body again)",
        description="Print the document text that claim start/end offsets index. With several "
        "files each text follows a '==> PATH <==' line; --json prints one JSON object per file "
        "instead. Without PATH (or with --stored) every stored raw body is parsed again.",
    )
    p.add_argument("paths", nargs="*", metavar="PATH")
    p.add_argument("--json", action="store_true", help="one JSON object per file (with metadata)")
    p.add_argument("--stored", action="store_true", help="parse every stored raw body again")
    p.set_defaults(func=handler)


def handler(args: argparse.Namespace) -> int:
    if args.stored or not args.paths:
        from inclusio.commands._common import announce_home

        announce_home("parse")
        from flows.runner import parse_stored

        return report_stored(parse_stored())
    failed = 0
    many = len(args.paths) > 1
    for path in args.paths:
        try:
            document = read_document(path)
        except Exception as exc:  # report and go on with the next file
            failed += 1
            if args.json:
                sys.stdout.write(json.dumps({"source": path, "error": reason(exc)}) + "\n")
            else:
                print(f"inclusio parse: {path}: {reason(exc)}", file=sys.stderr)
            continue
        if args.json:
            record = {
                "source": path,
                "title": document.title,
                "published": document.published.isoformat() if document.published else None,
                "updated": document.updated.isoformat() if document.updated else None,
                "parser": document.parser,
                "pages": document.pages,
                "text": document.text,
            }
            if "signatures" in document.metadata:  # a signed file: who signed, and the checks
                record["signer"] = document.signer
                record["signatures_intact"] = document.metadata["signatures_intact"]
                record["signatures"] = document.metadata["signatures"]
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        else:
            if many:
                sys.stdout.write(f"==> {path} <==\n")
            sys.stdout.write(document.text)
            if many:
                sys.stdout.write("\n")
    return 1 if failed else 0
