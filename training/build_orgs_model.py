"""Build the organisation-span training data from the synthetic corpus and train the model.

Run ``make model`` (or ``.venv/bin/python training/build_orgs_model.py``); it writes the
trained pipeline to ``models/nlp/orgs/`` (package data of ``models``, read by
``extractors/orgmodel.py``) with the config ``training/orgs.cfg``. The gold files list
canonical names without spans, so spans are derived, never typed:

1. every claim of the rule extractor (run with the model off) whose canonical value is in the
   document's gold list is a span: the rules found it and the annotator agrees it is a body;
2. every literal occurrence (any case, whole words) of a gold name that no span from 1 covers.

Everything else is "not an organisation", which is what the gold says (names the gold misses are
noise the small corpus has to live with). Sets listed in ``HELD_OUT`` (blind7, blind8) and the
real-text set are never read here, so scores on them measure the model on unseen text.
``DEV_SETS`` picks the best checkpoint and is not trained on.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
TARGET = ROOT / "models" / "nlp" / "orgs"
TRAIN_SETS = ("dev", "heldout", "blind", "blind2", "blind3", "blind4", "blind5")
DEV_SETS = ("blind6",)
HELD_OUT = ("blind7", "blind8")
LABEL = "ORG"
SEED = 13
# Raise when the data or config change: it is part of every model claim's extractor name.
MODEL_VERSION = "0.1.0"
# Paragraphs longer than this are cut at line breaks: short examples batch well.
MAX_EXAMPLE_CHARS = 1500


def _paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of the non-empty paragraphs of ``text``, long ones cut at line breaks."""
    out: list[tuple[int, int]] = []
    for m in re.finditer(r"[^\n]+(?:\n(?!\s*\n)[^\n]*)*", text):
        lo, hi = m.span()
        while hi - lo > MAX_EXAMPLE_CHARS:
            cut = text.rfind("\n", lo + 1, lo + MAX_EXAMPLE_CHARS)
            if cut <= lo:
                cut = lo + MAX_EXAMPLE_CHARS
            out.append((lo, cut))
            lo = cut
        if text[lo:hi].strip():
            out.append((lo, hi))
    return out


def gold_spans(text: str, gold_names: list[str]) -> list[tuple[int, int]]:
    """Spans of the organisations in ``gold_names`` found in ``text`` (see the module docstring)."""
    from extractors import organisations
    from extractors.base import Context

    wanted = {n.casefold() for n in gold_names}
    spans = [
        (c.start, c.end)
        for c in organisations.extract(Context(text=text))
        if str(c.value).casefold() in wanted
    ]
    for name in gold_names:
        pattern = re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", re.I)
        spans += [m.span() for m in pattern.finditer(text)]
    # Overlaps: the longer span wins, then the earlier one.
    kept: list[tuple[int, int]] = []
    for s, e in sorted(set(spans), key=lambda se: (-(se[1] - se[0]), se[0])):
        if all(e <= ks or s >= ke for ks, ke in kept):
            kept.append((s, e))
    return sorted(kept)


def build_docbin(sets: tuple[str, ...], out: Path) -> tuple[int, int]:
    """Write the examples of ``sets`` to a DocBin; return (examples, entities)."""
    import spacy
    from spacy.tokens import DocBin

    from evaluation.corpus import default_root, load_set, read

    nlp = spacy.blank("it")
    db = DocBin(store_user_data=False)
    n_docs = n_ents = 0
    for set_name in sets:
        for gdoc in load_set(default_root(), set_name):
            text = read(gdoc).text
            spans = gold_spans(text, list(gdoc.gold.get("organisations", [])))
            for lo, hi in _paragraphs(text):
                doc = nlp.make_doc(text[lo:hi])
                ents = []
                for s, e in spans:
                    if s >= lo and e <= hi:
                        span = doc.char_span(s - lo, e - lo, label=LABEL,
                                             alignment_mode="expand")
                        if span is not None:
                            ents.append(span)
                doc.ents = spacy.util.filter_spans(ents)
                n_ents += len(doc.ents)
                n_docs += 1
                db.add(doc)
    db.to_disk(out)
    return n_docs, n_ents


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-only", action="store_true", help="write the DocBins, do not train")
    ap.add_argument("--work", type=Path, default=ROOT / "build" / "orgs",
                    help="scratch folder for the DocBins and checkpoints")
    args = ap.parse_args()
    # The training spans come from the rules alone, whatever the caller's setting.
    os.environ["INCLUSIO_ORG_MODEL"] = "0"
    sys.path.insert(0, str(ROOT))
    args.work.mkdir(parents=True, exist_ok=True)
    train, dev = args.work / "train.spacy", args.work / "dev.spacy"
    t0 = time.perf_counter()
    print("train:", *build_docbin(TRAIN_SETS, train), "(examples, entities)")
    print("dev:  ", *build_docbin(DEV_SETS, dev), "(examples, entities)")
    print(f"data built in {time.perf_counter() - t0:.0f}s")
    if args.data_only:
        return
    out = args.work / "output"
    shutil.rmtree(out, ignore_errors=True)
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "spacy", "train", str(HERE / "orgs.cfg"),
         "--output", str(out), "--paths.train", str(train), "--paths.dev", str(dev),
         "--system.seed", str(SEED), "--gpu-id", "-1"],
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "1"},
    )
    print(f"trained in {time.perf_counter() - t0:.0f}s")
    target = TARGET
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(out / "model-best", target)
    meta_path = target / "meta.json"
    meta = json.loads(meta_path.read_text("utf-8"))
    meta.update(name="orgs", version=MODEL_VERSION, license="MIT",
                description="inclusio organisation spans (ORG), trained by make model from "
                            "the synthetic corpus of tests/corpus")
    meta_path.write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", "utf-8")
    print(f"model written to {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
