"""Pages per second of the PDF stage next to bare pypdfium2 text extraction, same files, same run.

The corpus is generated here (fpdf2): documents mixing prose pages, two-column pages and pages
with ruled tables (indicator, activity and financial tables like the sample site's). The PDF
stage must find every table it was given; the target is at least 0.3× bare pypdfium2 speed.

    .venv/bin/python bench/bench_pdf.py [--docs 40] [--pages 10] [--plumber-pages 20]
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from datetime import UTC, datetime

import pdfplumber
import pypdfium2 as pdfium
from fpdf import FPDF

from parsers.pdf import parse_pdf

PROSE = (
    "Il progetto di inclusione sociale del distretto ha rafforzato il segretariato sociale e la "
    "presa in carico integrata dei nuclei familiari beneficiari delle misure di sostegno al "
    "reddito, in collaborazione con il Centro per l'impiego e con gli enti del Terzo settore. "
)


def _doc(seed: int, pages: int) -> tuple[bytes, int]:
    """One document; every third page has a ruled table. Returns bytes and the table count."""
    pdf = FPDF(format="A4")
    pdf.core_fonts_encoding = "windows-1252"
    pdf.set_creation_date(datetime(2024, 1, 1, tzinfo=UTC))
    tables = 0
    for p in range(pages):
        pdf.add_page()
        pdf.set_font("helvetica", "I", 8)
        pdf.cell(0, 5, f"Ente {seed} - Piano della performance", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("helvetica", "", 10)
        if p % 3 == 2:
            pdf.multi_cell(0, 5, PROSE, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
            with pdf.table(line_height=5) as t:
                t.row(["descrizione", "tipo", "valore previsto", "valore raggiunto"])
                for k in range(8):
                    t.row([f"Indicatore {seed}.{p}.{k}: utenti presi in carico", "RISULTATO",
                           f"{10 + k}.00", f"{12 + k}.00"])
            tables += 1
        elif p % 3 == 1:
            top = pdf.get_y()
            for k in range(30):
                pdf.set_xy(10, top + 5 * k)
                pdf.cell(90, 5, f"Colonna sinistra {k}: servizi per l'inclusione attiva")
                pdf.set_xy(110, top + 5 * k)
                pdf.cell(90, 5, f"Colonna destra {k}: tirocini e work experience")
        else:
            for _ in range(6):
                pdf.multi_cell(0, 5, PROSE, new_x="LMARGIN", new_y="NEXT")
                pdf.ln(2)
        pdf.set_y(-15)
        pdf.cell(0, 5, f"Pagina {p + 1} di {pages}", align="C")
    return bytes(pdf.output()), tables


def _plan_drawing(min_bytes: int = 2 * 1024 * 1024) -> bytes:
    """One page of random strokes in a Flate stream of at least ``min_bytes`` (a planimetria),
    with a line break before ``endstream`` as real writers put it."""
    import random
    import zlib

    rng = random.Random(3)
    z = zlib.compressobj(6)
    parts = [z.compress(b"BT /F1 12 Tf 72 760 Td (Planimetria) Tj ET\n")]
    size = 0
    while size < min_bytes:
        part = z.compress(b"".join(
            b"%.2f %.2f m %.2f %.2f l S\n" % tuple(rng.uniform(0, 600) for _ in range(4))
            for _ in range(2000)))
        parts.append(part)
        size += len(part)
    parts.append(z.flush())
    body = b"".join(parts)
    return (b"%PDF-1.4\n1 0 obj <</Type/Catalog/Pages 2 0 R>> endobj\n"
            b"2 0 obj <</Type/Pages/Kids[3 0 R]/Count 1>> endobj\n"
            b"3 0 obj <</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents 4 0 R"
            b"/Resources<</Font<</F1 5 0 R>>>>>> endobj\n"
            b"4 0 obj <</Length " + str(len(body)).encode() + b"/Filter/FlateDecode>>\nstream\n"
            + body + b"\nendstream\nendobj\n"
            b"5 0 obj <</Type/Font/Subtype/Type1/BaseFont/Helvetica>> endobj\n"
            b"trailer <</Root 1 0 R>>\n%%EOF\n")


def bare_pdfium(data: bytes) -> int:
    pdf = pdfium.PdfDocument(data)
    n = 0
    for page in pdf:
        page.get_textpage().get_text_range()
        n += 1
    pdf.close()
    return n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=40)
    ap.add_argument("--pages", type=int, default=9)
    ap.add_argument("--plumber-pages", type=int, default=18,
                    help="table pages read with pdfplumber for reference (slow)")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()

    corpus = [_doc(i, args.pages) for i in range(args.docs)]
    total_pages = args.docs * args.pages
    expected_tables = sum(t for _, t in corpus)
    print(f"corpus: {args.docs} documents, {total_pages} pages "
          f"({expected_tables} table pages, the rest prose and two-column)")

    bare_times, stage_times = [], []
    found = 0
    for _ in range(args.rounds):
        t0 = time.perf_counter()
        for data, _t in corpus:
            bare_pdfium(data)
        bare_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        found = 0
        for data, _t in corpus:
            found += len(parse_pdf(data).tables)
        stage_times.append(time.perf_counter() - t0)
    bare = total_pages / statistics.median(bare_times)
    stage = total_pages / statistics.median(stage_times)
    print(f"bare pypdfium2 text:   {bare:8.1f} pages/s")
    print(f"inclusio PDF stage:    {stage:8.1f} pages/s  (text, tables, running heads, columns)")
    print(f"ratio:                 {stage / bare:8.2f}×  (target ≥ 0.30×)")
    print(f"tables found:          {found} of {expected_tables}")

    plan = _plan_drawing()
    t0 = time.perf_counter()
    parse_pdf(plan)
    print(f"plan drawing, {len(plan) / 2**20:.1f} MiB stream: {time.perf_counter() - t0:6.2f} s "
          "(one page of strokes; no pdfplumber pass)")

    if args.plumber_pages:
        pages_done = 0
        t0 = time.perf_counter()
        for data, _t in corpus:
            with pdfplumber.open(io.BytesIO(data)) as plumb:
                for i, page in enumerate(plumb.pages):
                    if i % 3 == 2:
                        page.extract_tables()
                        pages_done += 1
                    if pages_done >= args.plumber_pages:
                        break
            if pages_done >= args.plumber_pages:
                break
        rate = pages_done / (time.perf_counter() - t0)
        print(f"pdfplumber tables, for reference: {rate:8.1f} table pages/s on {pages_done} pages")


if __name__ == "__main__":
    main()
