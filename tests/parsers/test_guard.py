"""The process guard: same Document as in-process, and time/memory limits as ParseError."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pdf_builders import image_pdf
from PIL import Image

from parsers import ParseError, parse_bytes
from parsers.guard import parse_guarded
from parsers.pdf import PdfLimits

SITE = Path(__file__).resolve().parents[2] / "data" / "sample" / "site"


def test_guarded_parse_returns_the_same_document() -> None:
    data = (SITE / "cremona-obiettivo-2017_3504.pdf").read_bytes()
    here = parse_bytes(data)
    there = parse_guarded(data, timeout=60)
    assert there.text == here.text
    assert [t.rows for t in there.tables] == [t.rows for t in here.tables]


def test_parse_errors_cross_the_process_boundary() -> None:
    with pytest.raises(ParseError, match="not a PDF"):
        parse_guarded(b"<html>x</html>", url="http://127.0.0.1/a.pdf", timeout=60)


def test_timeout_stops_the_child() -> None:
    data = (SITE / "cremona-obiettivo-2017_3504.pdf").read_bytes()
    with pytest.raises(ParseError, match="longer than"):
        parse_guarded(data, timeout=0.001)


def test_memory_limit_is_a_parse_error() -> None:
    # A scanned page rendered for OCR at 80 Mpixel needs far more than the limit allows.
    buf = io.BytesIO()
    Image.new("L", (200, 200), color=255).save(buf, format="PNG")
    data = image_pdf(buf.getvalue())
    limits = PdfLimits(max_render_pixels=80_000_000, ocr_dpi=1200)
    with pytest.raises(ParseError, match="memory|died|failed"):
        parse_guarded(data, timeout=60, memory_mb=64, pdf_limits=limits)
