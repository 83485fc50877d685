"""PDF → Document: pypdfium2 for page text (fast), pdfplumber only for pages with tables."""

from __future__ import annotations

import pdfplumber
import pypdfium2 as pdfium

from models.records import Document, Table
from parsers.errors import ParseError

NAME = "pdf-pdfium"


def _clean(cell: str | None) -> str:
    return " ".join((cell or "").split())


def parse_pdf(data: bytes) -> Document:
    """Text of every page joined by blank lines; tables as header + rows."""
    if not data.startswith(b"%PDF-") and b"%PDF-" not in data[:1024]:
        raise ParseError("not a PDF file (no %PDF- header)")
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise ParseError(f"unreadable PDF: {exc}") from exc
    pages: list[str] = []
    try:
        for page in pdf:
            textpage = page.get_textpage()
            pages.append(textpage.get_text_range().replace("\r\n", "\n").replace("\r", "\n"))
    finally:
        pdf.close()
    text = "\n\n".join(p.strip() for p in pages)
    tables: list[Table] = []
    import io

    with pdfplumber.open(io.BytesIO(data)) as plumb:
        for number, page in enumerate(plumb.pages, start=1):
            if not page.rects and not page.lines:
                continue
            for raw in page.extract_tables():
                rows = [[_clean(c) for c in row] for row in raw if any(c for c in row)]
                if len(rows) >= 2:
                    tables.append(Table(header=rows[0], rows=rows[1:], page=number))
    if not text.strip() and not tables:
        raise ParseError("PDF has no text layer")
    return Document(
        text=text,
        media_type="application/pdf",
        pages=len(pages),
        tables=tables,
        parser=f"{NAME}-{pdfium.PYPDFIUM_INFO}",
    )
