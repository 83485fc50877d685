"""Scanned pages: a page with no text layer is read by the real Tesseract, in Italian."""

from __future__ import annotations

import io
import shutil

import pypdfium2 as pdfium
import pytest
from pdf_builders import image_pdf, new_pdf

from parsers import parse_bytes
from parsers.pdf import PdfLimits, parse_pdf


@pytest.fixture(scope="module", autouse=True)
def _tesseract() -> None:
    """OCR tests need the Debian packages; CI installs them, so missing means a broken setup."""
    if shutil.which("tesseract") is None:
        pytest.fail("Tesseract is not installed: apt-get install tesseract-ocr tesseract-ocr-ita")


def _scan(lines: list[str]) -> bytes:
    """Print ``lines`` on a page, render it to pixels and wrap the picture as an image-only PDF."""
    pdf = new_pdf()
    pdf.add_page()
    pdf.set_font("helvetica", "", 16)
    pdf.set_xy(20, 30)
    for line in lines:
        pdf.cell(0, 12, line, new_x="LMARGIN", new_y="NEXT")
    page = pdfium.PdfDocument(bytes(pdf.output()))[0]
    image = page.render(scale=200 / 72, grayscale=True).to_pil()
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return image_pdf(buf.getvalue())


LINES = [
    "DETERMINAZIONE DIRIGENZIALE",
    "Servizi sociali del Comune di Esempio",
    "Impegno di spesa per il progetto di inclusione",
    "Importo complessivo euro 45.000,00",
]


def test_image_only_page_is_ocred_with_confidence() -> None:
    data = _scan(LINES)
    assert pdfium.PdfDocument(data)[0].get_textpage().count_chars() == 0  # really no text layer
    doc = parse_bytes(data, url="http://127.0.0.1/determina.pdf")
    assert doc.ocr is True
    assert doc.ocr_confidence is not None and 0.6 < doc.ocr_confidence <= 1.0
    assert doc.metadata["ocr_pages"] == [1]
    text = doc.text.lower()
    for word in ("determinazione", "dirigenziale", "inclusione", "45.000,00"):
        assert word in text


def test_ocr_off_or_over_the_limit_is_a_clear_error() -> None:
    data = _scan(LINES[:1])
    with pytest.raises(Exception, match="scanned PDF"):
        parse_pdf(data, ocr=False)
    with pytest.raises(Exception, match="scanned PDF"):
        parse_pdf(data, limits=PdfLimits(max_ocr_pages=0))


def test_render_respects_the_pixel_limit() -> None:
    data = _scan(LINES[:2])
    doc = parse_pdf(data, limits=PdfLimits(max_render_pixels=1_500_000))
    assert doc.ocr is True
    assert "servizi" in doc.text.lower()
