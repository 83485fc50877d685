"""What the extractors are compared with in the same run: dateparser and a plain amount regex."""

from __future__ import annotations

import re
from typing import Any

AMOUNT_BASELINE = re.compile(
    r"(?:€|euro)\s*(\d[\d.]*(?:,\d+)?)|(\d[\d.]*(?:,\d+)?)\s*(?:€|euro)", re.IGNORECASE
)
_MONTH_ONLY = re.compile(r"^[^\d]*\d{4}[^\d]*$")


def regex_amounts(text: str) -> list[float]:
    """Numbers next to € or "euro", read with Italian separators: the naive approach."""
    out = []
    for m in AMOUNT_BASELINE.finditer(text):
        raw = (m.group(1) or m.group(2)).rstrip(".")
        try:
            out.append(round(float(raw.replace(".", "").replace(",", ".")), 2))
        except ValueError:
            continue
    return out


def dateparser_available() -> bool:
    try:
        import dateparser.search  # noqa: F401
    except ImportError:
        return False
    return True


def dateparser_dates(text: str) -> list[str]:
    """ISO values from ``dateparser.search.search_dates(text, languages=["it"])``.

    A match with only a year among its digits ("gennaio 2017") is read at month precision so it
    can meet month-precision gold; everything else at day precision.
    """
    from dateparser.search import search_dates

    try:
        found: list[tuple[str, Any]] | None = search_dates(text, languages=["it"])
    except Exception:  # dateparser raises on some inputs; the baseline then finds nothing
        return []
    out = []
    for quote, when in found or []:
        if _MONTH_ONLY.match(quote) and re.search(r"[a-zA-Z]{4,}", quote):
            out.append(when.strftime("%Y-%m"))
        else:
            out.append(when.date().isoformat())
    return out
