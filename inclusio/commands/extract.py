"""``inclusio extract``: claims of local files as JSON Lines, or re-extraction of stored ones."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from inclusio.commands._common import report_stored
from inclusio.localfiles import iso_date, read_document, reason


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "extract",
        help="print the claims of local HTML/PDF/text files as JSON Lines "
        "(no PATH: re-extract every stored document)",
        description="Read local HTML, PDF or text files with the pipeline's parsers and print one "
        'JSON object per file: {"source", "title", "published", "model", "claims": [...]}; a '
        'file that cannot be read prints {"source", "error"} and the command goes on. Without '
        "PATH (or with --stored) every document stored in the warehouse is extracted again.",
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help="files to read, in output order")
    p.add_argument(
        "--published",
        type=iso_date,
        metavar="YYYY-MM-DD",
        help="publication date to resolve dates like 'il 19 dicembre scorso' (overrides the "
        "date found in the file)",
    )
    p.add_argument(
        "--stored", action="store_true", help="re-extract every document stored in the warehouse"
    )
    p.set_defaults(func=handler)


def extract_file(path: str, published: Any = None, nlp: Any = None) -> dict[str, Any]:
    """One file → its JSON object (claims, or an error reason). Never raises for bad input."""
    from extractors.nlp import load_nlp, pipeline_name
    from extractors.registry import extract_document

    try:
        document = read_document(path, published)
        nlp = nlp if nlp is not None else load_nlp()
        claims = extract_document(document, nlp)
    except Exception as exc:  # one bad file must not stop the others
        return {"source": path, "error": reason(exc)}
    return {
        "source": path,
        "title": document.title,
        "published": document.published.isoformat() if document.published else None,
        "model": pipeline_name(nlp),
        "claims": [c.to_json() for c in claims],
    }


def handler(args: argparse.Namespace) -> int:
    if args.stored or not args.paths:
        from inclusio.commands._common import announce_home

        announce_home("extract")
        from flows.runner import extract_stored

        return report_stored(extract_stored())
    from extractors.nlp import load_nlp

    nlp = load_nlp()
    failed = 0
    for path in args.paths:
        out = extract_file(path, args.published, nlp)
        failed += "error" in out
        sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        sys.stdout.flush()
    return 1 if failed and failed == len(args.paths) else 0
