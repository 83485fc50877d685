"""The parse stage as the pipeline runs it next to bare trafilatura and bare pypdfium2.

    .venv/bin/python bench/bench_parse.py [--html 600] [--pdfs 30] [--quick]

The pipeline side is ``flows.stages.parse_batch`` over bodies in a raw store: read from disk,
parsed in the pool of parser processes (time and memory limits per document), written as
parsed JSON files. The bare side parses the same bytes in this process with the library alone:
``trafilatura.bare_extraction`` for pages, pypdfium2's text of every page for PDFs. The
pipeline must also find every table of the PDFs. Targets: HTML >= 0.5x, PDF >= 0.3x.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import trafilatura  # noqa: E402
from bench_pdf import _doc, bare_pdfium  # noqa: E402
from corpus import page  # noqa: E402

from flows import stages  # noqa: E402
from parsers.pool import shared_pool  # noqa: E402


def _stage(root: Path, bodies: list[tuple[bytes, str, str]]) -> tuple[float, list[dict]]:
    ws = stages.Workspace.at(root)
    items = [{"sha256": ws.raw.put(b), "content_type": ct, "url": url, "source_id": "bench"}
             for b, ct, url in bodies]
    t0 = time.perf_counter()
    results = []
    for batch in stages.batched(items, stages.PARSE_BATCH):
        results += stages.parse_batch(ws, batch)
    took = time.perf_counter() - t0
    failed = [r for r in results if r["error"]]
    if failed:
        raise SystemExit(f"{len(failed)} documents failed: {failed[0]['error']}")
    return took, items


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--html", type=int, default=600, help="generated pages")
    ap.add_argument("--pdfs", type=int, default=30, help="generated PDFs (9 pages each)")
    ap.add_argument("--quick", action="store_true", help="200 pages and 10 PDFs")
    args = ap.parse_args()
    n_html, n_pdf = (200, 10) if args.quick else (args.html, args.pdfs)
    rnd = random.Random(3)
    pages = [page(n, rnd) for n in range(n_html)]
    pdfs = [_doc(n, 9) for n in range(n_pdf)]
    n_pages = 9 * n_pdf
    tables = sum(t for _, t in pdfs)
    shared_pool().map([])  # nothing: the pool starts its workers with the first document
    print(f"corpus: {n_html} pages, {n_pdf} PDFs of 9 pages ({tables} tables); "
          f"pool of {shared_pool().size} parser processes")

    t0 = time.perf_counter()
    for body in pages:
        trafilatura.bare_extraction(body.decode(), include_tables=True, with_metadata=True)
    bare_html = time.perf_counter() - t0
    t0 = time.perf_counter()
    for body, _ in pdfs:
        bare_pdfium(body)
    bare_pdf = time.perf_counter() - t0

    with tempfile.TemporaryDirectory() as tmp:
        stage_html, _ = _stage(Path(tmp) / "html", [
            (b, "text/html; charset=utf-8", f"http://127.0.0.1/p{n}.html")
            for n, b in enumerate(pages)])
        stage_pdf, items = _stage(Path(tmp) / "pdf", [
            (b, "application/pdf", f"http://127.0.0.1/a{n}.pdf") for n, (b, _) in enumerate(pdfs)])
        docs = stages.Workspace.at(Path(tmp) / "pdf").docs
        found = sum(len(docs.get_document(it["sha256"]).tables) for it in items)

    print(f"HTML  bare trafilatura: {n_html / bare_html:8.1f} pages/s  "
          f"({1000 * bare_html / n_html:.1f} ms/page)")
    print(f"HTML  parse stage:      {n_html / stage_html:8.1f} pages/s  "
          f"({1000 * stage_html / n_html:.1f} ms/page)  ratio {bare_html / stage_html:.2f}x "
          "(target >= 0.5x)")
    print(f"PDF   bare pypdfium2:   {n_pages / bare_pdf:8.1f} pages/s")
    print(f"PDF   parse stage:      {n_pages / stage_pdf:8.1f} pages/s  "
          f"ratio {bare_pdf / stage_pdf:.2f}x (target >= 0.3x); tables found {found} of "
          f"{tables}")


if __name__ == "__main__":
    main()
