"""Scanned pages: a page with no text layer is read by the real Tesseract, in Italian."""

from __future__ import annotations

import io
import os
import shutil

import pypdfium2 as pdfium
import pytest
from pdf_builders import (
    TRUETYPE_FONTS,
    image_pdf,
    new_pdf,
    without_tounicode_pdf,
    wrong_tounicode_pdf,
)

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


GARBLED_LINES = [
    "DETERMINAZIONE DIRIGENZIALE",
    "Contributi per il sostegno abitativo",
    "Importo complessivo euro 32.500,00",
]


@pytest.mark.parametrize("target", [0xE000, 0x2200], ids=["private-use", "symbols"])
def test_page_with_a_wrong_character_map_is_ocred(target: int) -> None:
    data = wrong_tounicode_pdf(GARBLED_LINES, target=target)
    layer = pdfium.PdfDocument(data)[0].get_textpage().get_text_range()
    assert layer.strip() and "DETERMINAZIONE" not in layer  # a text layer, but garbage
    doc = parse_bytes(data, url="http://127.0.0.1/determina-abitativo.pdf")
    assert doc.ocr is True
    assert doc.metadata["ocr_pages"] == [1] and doc.metadata["garbled_pages"] == [1]
    (entry,) = doc.metadata["ocr_reasons"]
    assert entry["page"] == 1 and entry["reason"].startswith("garbled text layer")
    text = doc.text.lower()
    for word in ("determinazione", "sostegno", "abitativo", "32.500,00"):
        assert word in text
    assert not any(0xE000 <= ord(c) <= 0xF8FF or 0x2200 <= ord(c) <= 0x22FF for c in doc.text)


def test_garbled_page_without_ocr_keeps_its_layer_and_says_so() -> None:
    doc = parse_pdf(wrong_tounicode_pdf(GARBLED_LINES), ocr=False)
    assert doc.ocr is False and doc.metadata["garbled_pages"] == [1]
    assert "ocr_pages" not in doc.metadata


def test_scanned_pages_say_why_they_were_ocred() -> None:
    doc = parse_pdf(_scan(LINES[:2]))
    assert doc.metadata["ocr_reasons"] == [{"page": 1, "reason": "no text layer"}]
    assert "garbled_pages" not in doc.metadata


def test_a_readable_page_next_to_a_garbled_one_is_not_ocred() -> None:
    pdf = new_pdf()
    pdf.add_page()
    pdf.set_font("helvetica", "", 12)
    pdf.multi_cell(0, 7, "Relazione del servizio sociale professionale sul secondo semestre.")
    readable = pdfium.PdfDocument(bytes(pdf.output()))
    garbled = pdfium.PdfDocument(wrong_tounicode_pdf(GARBLED_LINES))
    readable.import_pages(garbled)
    buf = io.BytesIO()
    readable.save(buf)
    doc = parse_pdf(buf.getvalue())
    assert doc.metadata["ocr_pages"] == [2]
    assert "Relazione del servizio sociale professionale" in doc.text
    assert "sostegno abitativo" in doc.text.lower()


def test_page_in_a_font_without_character_map_is_ocred() -> None:
    font = next((f for f in TRUETYPE_FONTS if os.path.exists(f)), None)
    if font is None:
        pytest.skip(f"no TrueType font to embed (looked for {', '.join(TRUETYPE_FONTS)})")
    data = without_tounicode_pdf(GARBLED_LINES, font)
    assert b"/ToUnicode" not in data
    doc = parse_pdf(data)
    assert doc.metadata["ocr_pages"] == [1]
    assert "control" in doc.metadata["ocr_reasons"][0]["reason"]
    assert "sostegno abitativo" in doc.text.lower() and "32.500,00" in doc.text
