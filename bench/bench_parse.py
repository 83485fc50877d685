"""The parse stage as the pipeline runs it next to bare trafilatura and bare pypdfium2.

    .venv/bin/python bench/bench_parse.py [--html 600] [--pdfs 30] [--quick]

The pipeline side is ``flows.stages.parse_batch`` over bodies in a raw store: read from disk,
parsed in the pool of parser processes (time and memory limits per document), written as
parsed JSON files. The bare side parses the same bytes in this process with the library alone:
``trafilatura.bare_extraction`` for pages, pypdfium2's text of every page for PDFs. The
pipeline must also find every table of the PDFs. Targets: HTML >= 0.5x, PDF >= 0.3x.

Each round times bare then stage on the same bodies (a fresh folder each round, so nothing is
skipped as already parsed) and the median ratio over the rounds is printed twice:

- wall time: what a run waits for; the pool parses on its workers in parallel while the bare
  library runs in one process, so on an idle machine with several cores this favours the
  stage, and on a busy shared machine it swings with the other load;
- CPU time: the bare loop's CPU seconds against the stage's (this process, which reads the
  raw store and writes parsed files, plus the CPU the workers report for their documents).
  Steadier under load, and it counts everything the stage does beyond the bare library.

The pool is started before timing (its start, about a second once per process, is printed).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import trafilatura  # noqa: E402
from bench_pdf import _doc, bare_pdfium  # noqa: E402
from corpus import page  # noqa: E402

from flows import stages  # noqa: E402
from parsers.pool import ParseJob, shared_pool  # noqa: E402


def _stage(root: Path, bodies: list[tuple[bytes, str, str]]) -> tuple[float, float, list[dict]]:
    """Wall and CPU seconds of the parse stage over ``bodies`` (CPU: this process and the
    pool's workers), and the items parsed."""
    ws = stages.Workspace.at(root)
    items = [{"sha256": ws.raw.put(b), "content_type": ct, "url": url, "source_id": "bench"}
             for b, ct, url in bodies]
    pool = shared_pool()
    t0, c0, w0 = time.perf_counter(), time.process_time(), pool.cpu_seconds
    results = []
    for batch in stages.batched(items, stages.PARSE_BATCH):
        results += stages.parse_batch(ws, batch)
    took = time.perf_counter() - t0
    cpu = time.process_time() - c0 + pool.cpu_seconds - w0
    failed = [r for r in results if r["error"]]
    if failed:
        raise SystemExit(f"{len(failed)} documents failed: {failed[0]['error']}")
    return took, cpu, items


def _bare(fn: Callable[[], object]) -> tuple[float, float]:
    t0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - t0, time.process_time() - c0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--html", type=int, default=600, help="generated pages")
    ap.add_argument("--pdfs", type=int, default=30, help="generated PDFs (9 pages each)")
    ap.add_argument("--rounds", type=int, default=3, help="bare then stage, this many times")
    ap.add_argument("--quick", action="store_true", help="200 pages and 10 PDFs, 2 rounds")
    args = ap.parse_args()
    n_html, n_pdf, rounds = (200, 10, 2) if args.quick else (args.html, args.pdfs, args.rounds)
    rnd = random.Random(3)
    pages = [page(n, rnd) for n in range(n_html)]
    pdfs = [_doc(n, 9) for n in range(n_pdf)]
    n_pages = 9 * n_pdf
    tables = sum(t for _, t in pdfs)
    html_bodies = [(b, "text/html; charset=utf-8", f"http://127.0.0.1/p{n}.html")
                   for n, b in enumerate(pages)]
    pdf_bodies = [(b, "application/pdf", f"http://127.0.0.1/a{n}.pdf")
                  for n, (b, _) in enumerate(pdfs)]

    def bare_html() -> None:
        for body in pages:
            trafilatura.bare_extraction(body.decode(), include_tables=True, with_metadata=True)

    def bare_pdf() -> None:
        for body, _ in pdfs:
            bare_pdfium(body)

    pool = shared_pool()
    t0 = time.perf_counter()
    pool.map([ParseJob(b"<html><body><p>Avvio</p></body></html>", "text/html")] * pool.size)
    print(f"corpus: {n_html} pages, {n_pdf} PDFs of 9 pages ({tables} tables); "
          f"pool of {pool.size} parser processes, started in {time.perf_counter() - t0:.2f} s")

    figures: dict[str, list[tuple[float, float, float, float]]] = {"HTML": [], "PDF": []}
    found = 0
    for r in range(rounds):
        with tempfile.TemporaryDirectory() as tmp:
            bw, bc = _bare(bare_html)
            sw, sc, _ = _stage(Path(tmp) / "html", html_bodies)
            figures["HTML"].append((bw, bc, sw, sc))
            bw, bc = _bare(bare_pdf)
            sw, sc, items = _stage(Path(tmp) / "pdf", pdf_bodies)
            figures["PDF"].append((bw, bc, sw, sc))
            if r == 0:
                docs = stages.Workspace.at(Path(tmp) / "pdf").docs
                found = sum(len(docs.get_document(it["sha256"]).tables) for it in items)

    for kind, n, bare_name, target in (("HTML", n_html, "trafilatura", 0.5),
                                       ("PDF", n_pages, "pypdfium2", 0.3)):
        rows = figures[kind]
        wall = statistics.median(b / s for b, _, s, _ in rows)
        cpu = statistics.median(b / s for _, b, _, s in rows)
        bw = statistics.median(b for b, _, _, _ in rows)
        sw = statistics.median(s for _, _, s, _ in rows)
        print(f"{kind:4s}  bare {bare_name}: {n / bw:8.1f} pages/s; parse stage: "
              f"{n / sw:8.1f} pages/s ({1000 * sw / n:.1f} ms/page)")
        print(f"{kind:4s}  ratio, wall time: {wall:.2f}x; CPU time: {cpu:.2f}x "
              f"(target >= {target}x; median of {len(rows)} rounds)")
    print(f"PDF   tables found {found} of {tables}")


if __name__ == "__main__":
    main()
