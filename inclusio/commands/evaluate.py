"""``inclusio evaluate``: precision, recall and F1 per field on the annotated corpus."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "evaluate",
        help="score the extractors on the annotated corpus (P/R/F1 per field, with baselines)",
        description="Run the extractors over the annotated corpus (tests/corpus/<set>/ with "
        "<name>.gold.toml files) and print precision, recall and F1 per field; dates are also "
        "scored for dateparser.search.search_dates(languages=['it']) and amounts for a plain "
        "regex, side by side, on the same documents.",
    )
    p.add_argument(
        "--set", dest="sets", action="append", metavar="SET",
        help="corpus set to score: any folder of the corpus with gold files, e.g. dev, heldout, "
        "blind7, or 'all' (repeatable; default: dev and heldout)",
    )
    p.add_argument("--corpus", type=Path, help="corpus folder (default: tests/corpus)")
    p.add_argument(
        "--details", action="store_true", help="list every miss, extra claim and wrong role"
    )
    p.add_argument("--no-baselines", action="store_true", help="skip dateparser and the regex")
    p.add_argument("--json", action="store_true", help="print the scores as JSON")
    p.set_defaults(func=handler)


def handler(args: argparse.Namespace) -> int:
    from evaluation.corpus import available_sets, default_root
    from evaluation.run import evaluate_set, format_result

    root = args.corpus or default_root()
    if not root.is_dir():
        print(f"inclusio evaluate: corpus folder not found: {root}")
        return 2
    known = available_sets(root)
    if args.sets and "all" in args.sets:
        args.sets = known
    unknown = [s for s in args.sets or [] if s not in known]
    if unknown:
        print(
            f"inclusio evaluate: no annotated set {', '.join(unknown)} in {root} "
            f"(sets: {', '.join(known) or 'none'})"
        )
        return 2
    results = [
        evaluate_set(root, s, with_baselines=not args.no_baselines)
        for s in (args.sets or ["dev", "heldout"])
    ]
    if args.json:
        print(json.dumps([r.as_dict() for r in results], indent=2, ensure_ascii=False))
    else:
        from evaluation.baselines import dateparser_available

        if not args.no_baselines and not dateparser_available():
            print("(dateparser is not installed: its column is left out; uv sync --extra dev)")
        print("\n\n".join(format_result(r, args.details) for r in results))
    return 0
