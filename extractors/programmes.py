"""Programmes and measures (PON Inclusione, SIA, REI, PN Metro Plus, FSE+, PNRR Missione 5, ...).

Each mention gets the canonical label of patterns/programmes.toml; where two mentions overlap
("PON FSE Inclusione" holds "FSE") only the longer is kept, so a programme is named once per span.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from extractors.base import Context, load_patterns, make_claim
from extractors.common import Dispatcher, Spans
from models.records import Claim

NAME = "programmes"
VERSION = "1.4.0"

_P = load_patterns("programmes")
PROGRAMMES: list[tuple[str, re.Pattern[str]]] = [
    (p["label"], re.compile(p["pattern"], re.IGNORECASE if "i" in p.get("flags", "") else 0))
    for p in _P["programme"]
]
DISPATCH = Dispatcher(
    [(p["starts"], prog) for p, prog in zip(_P["programme"], PROGRAMMES, strict=True)]
)


def find(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, canonical label)`` of every programme named in ``text``, longest first where
    mentions overlap, in text order (also used by cards to make a card's value canonical)."""
    found: list[tuple[int, int, str]] = []
    for pos, (label, rx) in DISPATCH.hits(text):  # type: ignore[misc]
        m = rx.match(text, pos)
        if m is not None:
            end = m.end()
            while end > m.start() and text[end - 1].isspace():
                end -= 1
            found.append((m.start(), end, label))
    found = sorted(set(found), key=lambda f: (f[0], -(f[1] - f[0])))
    kept: list[tuple[int, int, str]] = []
    taken = Spans()
    for f in sorted(found, key=lambda f: -(f[1] - f[0])):
        if not taken.overlaps(f[0], f[1]):
            taken.add(f[0], f[1])
            kept.append(f)
    return sorted(kept)


# A plan named in general and, elsewhere in the same text, by one of its parts: the general
# mentions are that part ("Piano Nazionale di Ripresa e Resilienza" on a card whose "Missione"
# row says M5 is PNRR Missione 5), as long as only one part is named.
PARTS: dict[str, str] = _P.get("parts", {})


def extract(ctx: Context) -> Iterator[Claim]:
    text = ctx.text
    found = find(text)
    labels = {label for _, _, label in found}
    for start, end, label in found:
        if label in PARTS:
            parts = {x for x in labels if x.startswith(PARTS[label])}
            if len(parts) == 1:
                label = parts.pop()
        yield make_claim(NAME, VERSION, "programme", label, text, start, end)
