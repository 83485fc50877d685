"""PDF builders for parser tests: every file is generated here, in the test run, with fpdf2."""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable
from datetime import UTC, datetime

from fpdf import FPDF

FIXED = datetime(2024, 1, 1, tzinfo=UTC)


def new_pdf() -> FPDF:
    pdf = FPDF(format="A4")
    pdf.core_fonts_encoding = "windows-1252"
    pdf.set_creation_date(FIXED)
    pdf.set_auto_page_break(auto=False)
    return pdf


def running_pages(n: int, body: Callable[[FPDF, int], None]) -> bytes:
    """``n`` pages with a running header and a "Pagina i di n" footer around ``body``."""
    pdf = new_pdf()
    for i in range(1, n + 1):
        pdf.add_page()
        pdf.set_font("helvetica", "I", 8)
        pdf.set_xy(10, 8)
        pdf.cell(0, 5, "Comune di Esempio - Relazione sociale 2023")
        pdf.set_font("helvetica", "", 11)
        pdf.set_xy(10, 20)
        body(pdf, i)
        pdf.set_font("helvetica", "I", 8)
        pdf.set_xy(10, 285)
        pdf.cell(0, 5, f"Pagina {i} di {n}", align="C")
    return bytes(pdf.output())


def ruled_table(
    pdf: FPDF, header: list[str], rows: list[list[str]], widths: tuple[int, ...] | None = None
) -> None:
    pdf.set_font("helvetica", "", 9)
    with pdf.table(col_widths=widths, line_height=5) as table:
        table.row(header)
        for r in rows:
            table.row(r)


def raw_pdf(content: bytes, extra_objects: bytes = b"") -> bytes:
    """A minimal hand-written PDF around one Flate content stream (no xref: pdfium repairs it)."""
    return (
        b"%PDF-1.4\n1 0 obj <</Type/Catalog/Pages 2 0 R>> endobj\n"
        b"2 0 obj <</Type/Pages/Kids[3 0 R]/Count 1>> endobj\n"
        b"3 0 obj <</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents 4 0 R>> endobj\n"
        b"4 0 obj <</Length "
        + str(len(content)).encode()
        + b"/Filter/FlateDecode>>\nstream\n"
        + content
        + b"\nendstream\nendobj\n"
        + extra_objects
        + b"trailer <</Root 1 0 R>>\n%%EOF\n"
    )


def flate_bomb(inflated_mb: int) -> bytes:
    """A content stream of spaces that inflates to ``inflated_mb`` MB from a few KB."""
    z = zlib.compressobj(9)
    chunk = b" " * (1024 * 1024)
    parts = [z.compress(chunk) for _ in range(inflated_mb)]
    parts.append(z.flush())
    return raw_pdf(b"".join(parts))


def image_pdf(png: bytes, width_mm: float = 210, height_mm: float = 297) -> bytes:
    """A PDF whose only page is an image (what a scanner produces): no text layer."""
    pdf = new_pdf()
    pdf.add_page()
    pdf.image(io.BytesIO(png), x=0, y=0, w=width_mm, h=height_mm)
    return bytes(pdf.output())


def _pdf_objects(objects: list[bytes]) -> bytes:
    """A PDF with a real xref table around numbered objects (object 1 is the catalog)."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def wrong_tounicode_pdf(lines: list[str], target: int = 0xE000, size: int = 16) -> bytes:
    """Lines printed in Helvetica whose ToUnicode map sends every code to ``target + code``.

    The page renders as readable Italian, but its text layer is garbage: what a PDF made by a
    tool that writes a wrong character map looks like (``target`` 0xE000 gives private-use
    characters, 0x2200 mathematical symbols).
    """
    y = 780
    ops = [b"BT", b"/F1 %d Tf" % size]
    for line in lines:
        text = line.encode("cp1252").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(
            b")", b"\\)")
        ops.append(b"1 0 0 1 50 %d Tm (" % y + text + b") Tj")
        y -= int(size * 1.8)
    ops.append(b"ET")
    content = b"\n".join(ops)
    cmap = (
        b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        b"/CIDSystemInfo <</Registry (Adobe) /Ordering (UCS) /Supplement 0>> def\n"
        b"/CMapName /Garbled def /CMapType 2 def\n"
        b"1 begincodespacerange <00> <FF> endcodespacerange\n"
        b"1 beginbfrange <20> <FF> <%04X> endbfrange\n" % (target + 0x20)
        + b"endcmap CMapName currentdict /CMap defineresource pop end end"
    )
    return _pdf_objects([
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R"
        b"/Resources<</Font<</F1 5 0 R>>>>>>",
        b"<</Length %d>>\nstream\n" % len(content) + content + b"\nendstream",
        b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica/Encoding/WinAnsiEncoding"
        b"/ToUnicode 6 0 R>>",
        b"<</Length %d>>\nstream\n" % len(cmap) + cmap + b"\nendstream",
    ])


TRUETYPE_FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
)


def without_tounicode_pdf(lines: list[str], font_path: str) -> bytes:
    """Lines in an embedded TrueType subset whose ToUnicode map has been taken out.

    fpdf2 writes glyph ids as character codes (Identity-H); without the map, pdfium reads them
    as control characters: the text layer of many converted office files.
    """
    pdf = new_pdf()
    pdf.set_compression(False)
    pdf.add_page()
    pdf.add_font("corpo", "", font_path)
    pdf.set_font("corpo", "", 16)
    pdf.set_xy(20, 30)
    for line in lines:
        pdf.cell(0, 12, line, new_x="LMARGIN", new_y="NEXT")
    data = bytes(pdf.output())
    start = data.index(b"/ToUnicode ")
    end = data.index(b" R", start) + 2
    return data[:start] + b" " * (end - start) + data[end:]  # same length: the xref holds


def vector_drawing(min_stream_bytes: int = 2 * 1024 * 1024, seed: int = 7) -> bytes:
    """A plan drawing: one caption line and enough short strokes for a Flate stream of at least
    ``min_stream_bytes`` compressed bytes (what a planimetria attached to an act looks like)."""
    import random

    rng = random.Random(seed)
    z = zlib.compressobj(6)
    parts = [z.compress(b"BT /F1 12 Tf 72 760 Td (Planimetria del centro diurno) Tj ET\n0.2 w\n")]
    size = 0
    while size < min_stream_bytes:
        strokes = b"".join(
            b"%.2f %.2f m %.2f %.2f l S\n"
            % (rng.uniform(0, 612), rng.uniform(0, 700), rng.uniform(0, 612), rng.uniform(0, 700))
            for _ in range(2000)
        )
        chunk = z.compress(strokes)
        parts.append(chunk)
        size += len(chunk)
    parts.append(z.flush())
    font = b"5 0 obj <</Type/Font/Subtype/Type1/BaseFont/Helvetica>> endobj\n"
    pdf = raw_pdf(b"".join(parts), extra_objects=font)
    return pdf.replace(b"/Contents 4 0 R>>", b"/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>")
