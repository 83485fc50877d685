"""Programmes and measures (PON Inclusione, SIA, REI, PN Metro Plus, FSE+, PNRR Missione 5, ...).

Each mention gets the canonical label of patterns/programmes.toml; where two mentions overlap
("PON FSE Inclusione" holds "FSE") only the longer is kept, so a programme is named once per span,
but a kept name holding a fund acronym ("POR FSE Umbria") also names that fund. Numbered calls
("Avviso pubblico n. 4/2016") get the label "Avviso N/YYYY"; one written without its year takes
the year of the nearest date of its sentence. A general name ("PNRR") is claimed only as the one
part of it the text names ("PNRR Missione 5").
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from extractors.base import Context, load_patterns, make_claim
from extractors.common import Dispatcher, Spans
from models.records import Claim

NAME = "programmes"
VERSION = "1.5.0"

_P = load_patterns("programmes")
PROGRAMMES: list[tuple[str, re.Pattern[str]]] = [
    (p["label"], re.compile(p["pattern"], re.IGNORECASE if "i" in p.get("flags", "") else 0))
    for p in _P["programme"]
]
DISPATCH = Dispatcher(
    [(p["starts"], prog) for p, prog in zip(_P["programme"], PROGRAMMES, strict=True)]
)
_A = _P["avviso"]
AVVISO_RE = re.compile(_A["pattern"])
SENTENCE_BREAK = re.compile(_A["sentence_break"])
DATE_YEAR_RE = re.compile(_A["date_year"])
AVVISO_LABELS: dict[str, str] = _A.get("labels", {})
FUNDS: list[tuple[str, re.Pattern[str]]] = [(lb, rx) for lb, rx in PROGRAMMES if lb in _P["funds"]]
GENERAL_ONLY = frozenset(_P.get("general_only", []))
# Labels whose bare acronym is ambiguous: the acronym, and what the text must also say.
ACRONYMS: dict[str, tuple[re.Pattern[str], re.Pattern[str]]] = {
    p["label"]: (re.compile(p["acronym"]), re.compile(p["acronym_context"]))
    for p in _P["programme"]
    if "acronym" in p
}


def _sentence(text: str, start: int, end: int) -> tuple[int, int]:
    """The span of the sentence (or line) holding ``start:end``."""
    lo = max(0, start - 400)
    breaks = [m.end() for m in SENTENCE_BREAK.finditer(text, lo, start)]
    lo = breaks[-1] if breaks else lo
    after = SENTENCE_BREAK.search(text, end, end + 400)
    return lo, after.start() if after else min(len(text), end + 400)


def _avviso_year(text: str, m: re.Match[str]) -> tuple[int | None, str]:
    """The call's year as written, else that of the nearest date of its sentence; and the rule."""
    raw = m.group("y") or m.group("y2")
    if raw:
        year = int(raw)
        return (year + 2000 if year < 100 else year), "numbered_avviso"
    lo, hi = _sentence(text, m.start(), m.end())
    dates = [
        (abs(d.start() - m.start()), int(d.group("a") or d.group("b")))
        for d in DATE_YEAR_RE.finditer(text, lo, hi)
    ]
    if not dates:
        return None, ""
    return min(dates)[1], "avviso_year_from_sentence"


def _avvisi(text: str) -> Iterator[tuple[int, int, str, str]]:
    for m in AVVISO_RE.finditer(text):
        year, rule = _avviso_year(text, m)
        if year is None:
            continue
        label = f"Avviso {int(m.group('n'))}/{year}"
        yield m.start(), m.end(), AVVISO_LABELS.get(label, label), rule


def _acronym_ok(text: str, start: int, end: int, label: str) -> bool:
    """An ambiguous acronym ("ADI") names the measure only where the text's context says so."""
    if label not in ACRONYMS:
        return True
    acronym, context = ACRONYMS[label]
    return not acronym.fullmatch(text, start, end) or context.search(text) is not None


def _mentions(text: str) -> list[tuple[int, int, str, str]]:
    """``(start, end, label, rule)`` of every programme named, longest first where they overlap."""
    found: list[tuple[int, int, str, str]] = []
    for pos, (label, rx) in DISPATCH.hits(text):  # type: ignore[misc]
        m = rx.match(text, pos)
        if m is not None:
            end = m.end()
            while end > m.start() and text[end - 1].isspace():
                end -= 1
            found.append((m.start(), end, label, "name"))
    found = [f for f in found if _acronym_ok(text, f[0], f[1], f[2])]
    found.extend(_avvisi(text))
    found = sorted(set(found), key=lambda f: (f[0], -(f[1] - f[0])))
    kept: list[tuple[int, int, str, str]] = []
    taken = Spans()
    for f in sorted(found, key=lambda f: -(f[1] - f[0])):
        if not taken.overlaps(f[0], f[1]):
            taken.add(f[0], f[1])
            kept.append(f)
    return sorted(kept)


def _funds_in(text: str, start: int, end: int, label: str) -> Iterator[tuple[int, int, str]]:
    """Funds named inside a longer programme name ("POR FSE Umbria" names "FSE")."""
    if label in _P["funds"]:
        return
    for fund, rx in FUNDS:
        m = rx.search(text, start, end)
        if m is not None and fund != label:
            yield m.start(), m.end(), fund


# A plan named in general and, elsewhere in the same text, by one of its parts: the general
# mentions are that part ("Piano Nazionale di Ripresa e Resilienza" on a card whose "Missione"
# row says M5 is PNRR Missione 5), as long as only one part is named.
PARTS: dict[str, str] = _P.get("parts", {})


def resolved(text: str) -> list[tuple[int, int, str, str]]:
    """``(start, end, label, rule)`` of every programme a text names, as claimed: a general name
    becomes its one named part or is dropped, and a name holding a fund acronym adds the fund."""
    found = _mentions(text)
    labels = {label for _, _, label, _ in found}
    out: list[tuple[int, int, str, str]] = []
    for start, end, label, rule in found:
        if label in PARTS:
            parts = {x for x in labels if x.startswith(PARTS[label])}
            if len(parts) == 1:
                label, rule = parts.pop(), "general_name_as_its_part"
            elif label in GENERAL_ONLY:
                continue
        out.append((start, end, label, rule))
        out.extend((s, e, fund, "programme_names_its_fund") for s, e, fund in _funds_in(
            text, start, end, label
        ))
    return out


def find(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, canonical label)`` of every programme named in ``text``, as ``resolved``
    gives them, in text order (also used by cards to make a card's value canonical)."""
    return sorted((s, e, label) for s, e, label, _ in resolved(text))


def names_one(text: str) -> bool:
    """Whether ``text`` names a programme at all, even one claimed only as its part ("PNRR")."""
    return bool(_mentions(text))


def extract(ctx: Context) -> Iterator[Claim]:
    text = ctx.text
    for start, end, label, rule in resolved(text):
        yield make_claim(NAME, VERSION, "programme", label, text, start, end, attrs={"rule": rule})
