"""Dump every claim of every corpus document, to check that a speed-up changed no output.

Run: ``.venv/bin/python bench/dump_claims.py OUT.json [--no-real]``, once before and once after a
change, then compare the two files (``cmp`` or ``diff``). It covers every set of tests/corpus and,
when found, the real-text set (read in place; write OUT outside the repository). Per document it
records each extractor's own claims over the whole text and the merged claims of
``extract_document``. The fingerprint part of every extractor name (``name@VERSION+fingerprint``,
in ``extractor`` and ``also_read_by``) is cut to ``name@VERSION``: it changes with any code edit
by design.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from evaluation import realtext  # noqa: E402
from evaluation.corpus import available_sets, default_root, load_set, read  # noqa: E402
from extractors.base import Context  # noqa: E402
from extractors.nlp import load_nlp  # noqa: E402
from extractors.registry import extract_document, extractors  # noqa: E402
from models.records import Claim, Document  # noqa: E402

FINGERPRINT = re.compile(r"(@\d+\.\d+\.\d+)\+[0-9a-f]{8}")


def shape(claim: Claim) -> dict[str, Any]:
    """The claim as JSON (fingerprints are cut from the whole dump, see ``unfingerprint``)."""
    return claim.to_json()


def unfingerprint(dump: str) -> str:
    """``name@1.2.3+0123abcd`` → ``name@1.2.3`` wherever an extractor is named."""
    return FINGERPRINT.sub(r"\1", dump)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--no-real", action="store_true", help="leave the real-text set out")
    ap.add_argument("--bench-mb", type=float, default=0.5,
                    help="also the benchmark's text of this size (chunked), 0 to leave it out")
    args = ap.parse_args()
    nlp = load_nlp()
    docs = [d for s in available_sets(default_root()) for d in load_set(default_root(), s)]
    folder = None if args.no_real else realtext.find_folder()
    if folder is not None:
        docs += realtext.load(folder)
    mods = extractors()
    result: dict[str, Any] = {}
    for gold_doc in docs:
        document = read(gold_doc)
        key = f"{gold_doc.set_name}/{gold_doc.path.name}"
        per = {
            m.NAME: [shape(c) for c in m.extract(Context.of(document, nlp.make_doc(document.text)))]
            for m in mods
        }
        per["merged"] = [shape(c) for c in extract_document(document, nlp)]
        result[key] = per
    if args.bench_mb:
        # Long enough to be cut into chunks, as bench/bench_extract.py reads it.
        from bench_extract import corpus_text

        base = corpus_text()
        size = int(args.bench_mb * 1_000_000)
        text = ((base + "\n\n") * (size // (len(base) + 2) + 1))[:size]
        result["bench"] = {"merged": [shape(c) for c in extract_document(Document(text=text), nlp)]}
    dump = json.dumps(result, ensure_ascii=False, indent=0, sort_keys=True, default=str)
    args.out.write_text(unfingerprint(dump), "utf-8")
    n = sum(len(v) for per in result.values() for v in per.values())
    print(f"{len(result)} documents, {n} claims -> {args.out}")


if __name__ == "__main__":
    main()
