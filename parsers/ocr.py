"""Tesseract OCR of one page image, with the words' mean confidence.

Tesseract is a Debian package (tesseract-ocr, tesseract-ocr-ita), not a wheel: when it is
missing the error says how to install it instead of returning empty text.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from parsers.errors import ParseError

INSTALL_HINT = "install the Debian packages tesseract-ocr and tesseract-ocr-ita"


@cache
def available_languages() -> frozenset[str]:
    """Languages the installed Tesseract can read; ParseError when Tesseract is absent."""
    import pytesseract

    try:
        return frozenset(pytesseract.get_languages(config=""))
    except (pytesseract.TesseractNotFoundError, OSError) as exc:
        raise ParseError(f"page needs OCR but Tesseract is not installed: {INSTALL_HINT}") from exc


def pick_language(preferred: tuple[str, ...]) -> str:
    langs = available_languages()
    for lang in preferred:
        if lang in langs:
            return lang
    raise ParseError(
        f"page needs OCR but Tesseract has none of {', '.join(preferred)}: {INSTALL_HINT}"
    )


def ocr_image(image: Any, preferred: tuple[str, ...] = ("ita", "eng"), timeout: float = 60.0
              ) -> tuple[list[str], float]:
    """Lines of text read from a PIL image and the mean word confidence on a 0..1 scale."""
    import pytesseract

    lang = pick_language(preferred)
    try:
        data = pytesseract.image_to_data(
            image, lang=lang, output_type=pytesseract.Output.DICT, timeout=timeout
        )
    except RuntimeError as exc:  # pytesseract raises RuntimeError on its timeout
        raise ParseError(f"OCR took longer than {timeout:g} s on one page") from exc
    except pytesseract.TesseractError as exc:
        raise ParseError(f"OCR failed: {exc}") from exc
    lines: dict[tuple[int, int, int], list[str]] = {}
    confs: list[float] = []
    for i, word in enumerate(data["text"]):
        if not word or not word.strip():
            continue
        key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
        lines.setdefault(key, []).append(word.strip())
        conf = float(data["conf"][i])
        if conf >= 0:
            confs.append(conf)
    text_lines = [" ".join(words) for _, words in sorted(lines.items())]
    confidence = (sum(confs) / len(confs) / 100.0) if confs else 0.0
    return text_lines, round(confidence, 4)
