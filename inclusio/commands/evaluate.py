"""``inclusio evaluate``: precision, recall and F1 per field on the annotated corpus."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "evaluate",
        help="score the extractors on the annotated corpus or the real-text set (P/R/F1 per field, "
        "with baselines)",
        description="Run the extractors over the annotated corpus (tests/corpus/<set>/ with "
        "<name>.gold.toml files) and print precision, recall and F1 per field; dates are also "
        "scored for dateparser.search.search_dates(languages=['it']) and amounts for a plain "
        "regex, side by side, on the same documents. The set 'real' is the real-text set kept "
        "outside the repository (docs/rNN.txt and gold.jsonl): --realtext DIR, else "
        "$INCLUSIO_REALTEXT, else the first of <repo>/../shared/realtext and "
        "/work/shared/realtext that exists.",
    )
    p.add_argument(
        "--set", dest="sets", action="append", metavar="SET",
        help="set to score: any folder of the corpus with gold files, e.g. dev, heldout, "
        "blind7; 'real' for the real-text set; or 'all' (every corpus set, and real when its "
        "folder is found) (repeatable; default: dev and heldout)",
    )
    p.add_argument("--corpus", type=Path, help="corpus folder (default: tests/corpus)")
    p.add_argument(
        "--realtext", type=Path, metavar="DIR",
        help="folder of the real-text set (default: $INCLUSIO_REALTEXT, else "
        "<repo>/../shared/realtext or /work/shared/realtext)",
    )
    p.add_argument(
        "--details", action="store_true", help="list every miss, extra claim and wrong role"
    )
    p.add_argument("--no-baselines", action="store_true", help="skip dateparser and the regex")
    model = p.add_mutually_exclusive_group()
    model.add_argument(
        "--model", dest="org_model", action="store_const", const="1",
        help="add the organisation model's claims (extractors/orgmodel.py) to the rules'",
    )
    model.add_argument(
        "--no-model", dest="org_model", action="store_const", const="0",
        help="rules alone for organisations (default: $INCLUSIO_ORG_MODEL, else off)",
    )
    p.add_argument("--json", action="store_true", help="print the scores as JSON")
    p.set_defaults(func=handler)


def handler(args: argparse.Namespace) -> int:
    from evaluation import realtext
    from evaluation.corpus import available_sets, default_root
    from evaluation.run import evaluate_real, evaluate_set, format_result

    if getattr(args, "org_model", None) is not None:
        # Read by extractors.orgmodel.enabled() at each extraction.
        os.environ["INCLUSIO_ORG_MODEL"] = args.org_model
    root = args.corpus or default_root()
    known = [s for s in available_sets(root) if s != realtext.SET_NAME]
    real_folder = realtext.find_folder(args.realtext)
    sets = list(dict.fromkeys(args.sets or ["dev", "heldout"]))
    if "all" in sets:
        if real_folder is None and args.realtext is not None:
            print(f"inclusio evaluate: {realtext.not_found_message(args.realtext)}")
            return 2
        sets = known + ([realtext.SET_NAME] if real_folder is not None else [])
    if realtext.SET_NAME in sets and real_folder is None:
        print(f"inclusio evaluate: {realtext.not_found_message(args.realtext)}")
        return 2
    corpus_sets = [s for s in sets if s != realtext.SET_NAME]
    if corpus_sets and not root.is_dir():
        print(f"inclusio evaluate: corpus folder not found: {root}")
        return 2
    unknown = [s for s in corpus_sets if s not in known]
    if unknown:
        print(
            f"inclusio evaluate: no annotated set {', '.join(unknown)} in {root} "
            f"(sets: {', '.join(known) or 'none'}) or real for the real-text set"
        )
        return 2
    with_baselines = not args.no_baselines
    results = [
        evaluate_real(real_folder, with_baselines)  # type: ignore[arg-type]
        if s == realtext.SET_NAME
        else evaluate_set(root, s, with_baselines=with_baselines)
        for s in sets
    ]
    if args.json:
        print(json.dumps([r.as_dict() for r in results], indent=2, ensure_ascii=False))
    else:
        from evaluation.baselines import dateparser_available

        if with_baselines and not dateparser_available():
            print("(dateparser is not installed: its column is left out; uv sync --extra dev)")
        print("\n\n".join(format_result(r, args.details) for r in results))
    return 0
