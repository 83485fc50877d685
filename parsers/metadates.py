"""Publication and update dates as Italian CMSs print them ("Mercoledì, 19 Maggio, 2021").

trafilatura reads numeric and meta dates but takes footer years for written Italian dates,
so labelled Italian dates found in the page text win over its guess.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date
from functools import cache
from importlib import resources


@cache
def _patterns() -> dict:
    raw = (resources.files("parsers") / "patterns" / "dates_meta.toml").read_text("utf-8")
    return tomllib.loads(raw)


@cache
def _date_re() -> re.Pattern[str]:
    months = "|".join(sorted(_patterns()["months"], key=len, reverse=True))
    weekday = r"(?:luned[iì]|marted[iì]|mercoled[iì]|gioved[iì]|venerd[iì]|sabato|domenica),?\s*"
    written = rf"(?:{weekday})?(?P<d>[0-3]?\d)(?:°|º)?,?\s+(?P<m>{months})\.?,?\s+(?P<y>\d{{4}})"
    numeric = r"(?P<nd>[0-3]?\d)[/.\-](?P<nm>[01]?\d)[/.\-](?P<ny>\d{4}|\d{2})"
    iso = r"(?P<iy>\d{4})-(?P<im>\d{2})-(?P<id>\d{2})"
    return re.compile(rf"(?:{written})|(?:{iso})|(?:{numeric})", re.IGNORECASE)


def parse_date(text: str) -> date | None:
    """Read the first Italian written, ISO or day-first numeric date in ``text``."""
    m = _date_re().search(text)
    if not m:
        return None
    try:
        if m.group("m"):
            month = _patterns()["months"][m.group("m").lower().rstrip(".")]
            return date(int(m.group("y")), month, int(m.group("d")))
        if m.group("iy"):
            return date(int(m.group("iy")), int(m.group("im")), int(m.group("id")))
        year = int(m.group("ny"))
        if year < 100:
            year += 2000 if year < 70 else 1900
        return date(year, int(m.group("nm")), int(m.group("nd")))
    except ValueError:
        return None


def labelled_date(text: str, which: str) -> date | None:
    """The date after a label such as "Data ultima modifica:" (``which``: published|updated)."""
    labels = _patterns()[f"{which}_labels"]
    low = text.lower()
    best: tuple[int, date] | None = None
    for label in labels:
        for m in re.finditer(re.escape(label) + r"\s*:?\s*", low):
            window = text[m.end() : m.end() + 60]
            found = parse_date(window)
            if found and (best is None or m.start() < best[0]):
                best = (m.start(), found)
    return best[1] if best else None
