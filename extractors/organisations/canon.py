"""One canonical name per body in a document: an acronym in brackets is the body it
abbreviates, a short mention takes the full name said elsewhere, an ambito or district named by one
code or comune in several ways takes one name, and a Sicilian district number takes its letter.
"""

from __future__ import annotations

import re
from bisect import bisect_left

from extractors.organisations.istat import comune_name, provinces
from extractors.organisations.names import PATTERNS, PLACE_TYPES, Found
from extractors.organisations.rules import FALLBACKS

PAREN_OPEN = re.compile(
    r"\s*\(\s*(?:(?:di\s+seguito|in\s+seguito|d['’]ora\s+in\s+poi|breve(?:mente)?|anche)\s*[:,]?\s*)?"
    r"[\"“«']?"
)
PAREN_CLOSE = re.compile(r"[\"”»']?\s*\)")
UNIT_AFTER = re.compile(r"^\s*[-–,]\s*$")


def drop_units_and_acronyms(text: str, found: list[Found]) -> list[Found]:
    """Drop the acronym in brackets after a full name ("Azienda Sanitaria Locale di Taranto
    (di seguito ASL TA)"), giving its later mentions the full name, and a district named as part
    of its health authority ("ASL Caserta - Distretto 12"): neither is a body of its own."""
    out: list[Found] = []
    alias: dict[tuple[str, str], str] = {}
    for f in found:
        prev = out[-1] if out else None
        if prev is not None and prev.type == f.type:
            gap = text[prev.end : f.start]
            if PAREN_OPEN.fullmatch(gap) and PAREN_CLOSE.match(text, f.end):
                # Later mentions of the acronym are the same body: "La ASL TA assicura ...".
                alias[(f.value, f.type)] = prev.value
                continue
        if (f.value, f.type) in alias:
            f = Found(f.start, f.end, alias[(f.value, f.type)], f.type, f.rule)
        if prev is not None and prev.type == "asl" and f.type == "distretto":
            if UNIT_AFTER.match(text[prev.end : f.start]):
                continue
        out.append(f)
    return out


def _extends(short: str, full: str) -> bool:
    """``full`` adds words after ``short`` ("Caritas" → "Caritas Turritana") or between its first
    word and the rest ("Unione Valdera" → "Unione dei Comuni Valdera")."""
    if full.startswith(short + " "):
        return True
    head, _, tail = short.partition(" ")
    return bool(tail) and full.startswith(head + " ") and full.endswith(" " + tail)


def fuller_names(found: list[Found]) -> list[Found]:
    """A short mention ("la Caritas", "l'Unione Valdera", "il Centro per l'Impiego competente")
    of a body named in full in the same document ("Caritas diocesana di Vercelli") takes the full
    name, when it is one or two words or a bare type name, and exactly one full name of the same
    type extends it."""
    names = _Names({(f.type, f.value) for f in found})
    fuller: dict[tuple[str, str], str] = {}
    out = []
    for f in found:
        key = (f.value, f.type)
        if key not in fuller:
            fuller[key] = _fuller(f, names)
        if fuller[key] != f.value:
            f = Found(f.start, f.end, fuller[key], f.type, f.rule)
        out.append(f)
    return out


class _Names:
    """The document's names by type, indexed so that the names that may extend a mention are
    found without reading every name of its type (a long document names hundreds of comuni).

    Every name that extends a mention either starts with the mention and a space (a sorted list
    gives that range) or starts with its first word and ends with its last (an index by both).
    """

    def __init__(self, names: set[tuple[str, str]]) -> None:
        self.sorted: dict[str, list[str]] = {}
        self.by_ends: dict[tuple[str, str, str], set[str]] = {}
        for kind, value in names:
            self.sorted.setdefault(kind, []).append(value)
            head = value.split(" ", 1)[0]
            self.by_ends.setdefault((kind, head, value.rsplit(" ", 1)[-1]), set()).add(value)
        for values in self.sorted.values():
            values.sort()

    def may_extend(self, kind: str, short: str) -> set[str]:
        """A superset of the names of ``kind`` that :func:`_extends` ``short``."""
        values = self.sorted.get(kind, [])
        lo = short + " "
        i = bisect_left(values, lo)
        out = set()
        while i < len(values) and values[i].startswith(lo):
            out.add(values[i])
            i += 1
        head, _, tail = short.partition(" ")
        if tail:
            out |= self.by_ends.get((kind, head, tail.rsplit(" ", 1)[-1]), set())
        return out


def _fuller(f: Found, names: _Names) -> str:
    # "Comune di Massa" is a body of its own beside "Comune di Massa Marittima"; a longer
    # short mention only takes words in the middle ("Distretto di Nuoro" → "Distretto
    # socio-sanitario di Nuoro").
    middle_only = len(f.value.split()) > 2 and f.value not in FALLBACKS and f.type in PLACE_TYPES
    longer = {
        n for n in names.may_extend(f.type, f.value)
        if n != f.value and _extends(f.value, n)
        and not (middle_only and n.startswith(f.value + " "))
    }
    # Names that differ only in case are one; so are names each of which extends the one before
    # ("Società della Salute Area" and "... Area Socio-Sanitaria Grossetana": one body said
    # twice, once cut short): the longest is its name.
    chain = sorted({n.casefold(): n for n in longer}.values(), key=len)
    if chain and all(_extends(a, b) for a, b in zip(chain, chain[1:], strict=False)):
        return chain[-1]
    return f.value


AREA_TYPES = {"ambito": 3, "distretto": 2, "zona": 1}
_AREA_KIND = re.compile(
    r"^(?:Ambito|Distretto|Zona)(?:\s+(?:territoriale|sociale|distrettuale|socio[- ]?sanitari[oa]"
    r"|sociosanitario|distretto))*\s+(?:(?:di|del|della|dell')\s*)?",
    re.I,
)
_AREA_REST = re.compile(
    r"(?:[Nn]\.\s*)?(?P<code>[A-Z]{1,4}[ /_]?\d{1,3}(?:\.\d)?|\d{1,3}|[IVXLC]{1,6})?\b\s*"
    r"(?:(?:di|del|della)\s+)?(?P<place>.*)"
)


def _area_keys(f: Found) -> tuple[str, str]:
    """(code, comune) an ambito, district or zone is known by: "D/7" and "D7" are one code; a
    bare number ("Zona 2") is a code only among bodies of its own kind."""
    m = _AREA_REST.fullmatch(_AREA_KIND.sub("", f.value))
    if m is None:
        return "", ""
    code = re.sub(r"[ /_]", "", m.group("code") or "").upper()
    if code.isdigit():
        code = f"{f.type}:{code}"
    return code, comune_name(m.group("place")) or ""


DISTRICT_LETTERS: dict[str, set[str]] = {k: set(v) for k, v in PATTERNS["district_letters"].items()}
_BARE_NUMBER = re.compile(r"^(Distretto(?: socio-sanitario)?) (?:n\.\s*)?(\d{1,2})$", re.I)


def district_letter(found: list[Found]) -> list[Found]:
    """A district named by its number alone, in a document about comuni of a region that numbers
    its districts with a letter, takes the letter: "distretto 6" near Ribera is "Distretto
    socio-sanitario D6"."""
    seen: set[str] = set()
    for f in found:
        if f.type == "comune" and f.value.startswith("Comune di "):
            seen |= provinces().get(f.value[len("Comune di "):], set())
    letters = [k for k, provs in DISTRICT_LETTERS.items() if seen and seen <= provs]
    if len(letters) != 1:
        return found
    out = []
    for f in found:
        m = _BARE_NUMBER.match(f.value) if f.type == "distretto" else None
        if m:
            f = Found(f.start, f.end, f"Distretto socio-sanitario {letters[0]}{m.group(2)}",
                      f.type, f.rule)
        out.append(f)
    return out


def one_name_per_area(found: list[Found]) -> list[Found]:
    """One canonical name per ambito in a document: "Piano di Zona S2", "Ambito S2 Cava" and
    "Distretto D/7" beside "Ambito D/7" share a code, "Ambito Sociale di Fermo" and "Ambito XIX di
    Fermo" a comune; all take the name of the ambito (then district, then zone) said in most
    words."""
    areas = [f for f in found if f.type in AREA_TYPES]
    if len(areas) < 2:
        return found
    keys = {id(f): _area_keys(f) for f in areas}
    # "Distretto N.30" beside "Distretto D30": a number alone is the one letter code with it
    lettered: dict[str, set[str]] = {}
    for code, _ in keys.values():
        if m := re.fullmatch(r"[A-Z]+(\d+)", code):
            lettered.setdefault(m.group(1), set()).add(code)
    for k, (code, place) in keys.items():
        number = code.partition(":")[2]
        if number and len(lettered.get(number, ())) == 1:
            keys[k] = (next(iter(lettered[number])), place)
    best: dict[str, Found] = {}

    def rank(f: Found) -> tuple[int, bool, bool, int]:
        code = keys[id(f)][0]
        lettered_name = bool(re.search(r"\b[A-Z]+[ /_]?\d", f.value))
        return AREA_TYPES[f.type], bool(code), lettered_name, len(f.value)

    def same(a: Found, b: Found) -> bool:
        (ca, pa), (cb, pb) = keys[id(a)], keys[id(b)]
        if ca and cb:
            return ca == cb
        return bool(pa) and pa == pb

    for f in areas:
        group = [f, *(g for g in areas if g is not f and same(f, g))]
        best[f.value] = max(group, key=lambda g: (rank(g), -g.start))  # a tie: the first
    return [
        Found(f.start, f.end, best[f.value].value, best[f.value].type, f.rule)
        if f.type in AREA_TYPES else f
        for f in found
    ]


def drop_bare_kinds(found: list[Found], kinds: set[str]) -> list[Found]:
    """A health authority named by its kind alone ("l'ASP", "l'Azienda USL") that no full name in
    the document extends names no authority: "Azienda di servizi alla persona (ASP)"."""
    return [f for f in found if not (f.type == "asl" and f.value in kinds)]


PREMISES_BEFORE = re.compile(
    rf"\b(?:{'|'.join(PATTERNS['premises_words'])})\s+(?:del|della|dello|dell['’]\s?|dei|di)\s*$",
    re.I,
)


def drop_premises(text: str, found: list[Found]) -> list[Found]:
    """A body named only as the owner of the premises where something happens ("nei locali della
    sede della Croce Rossa") is a place there, not an actor: dropped unless named again."""
    count: dict[str, int] = {}
    for f in found:
        count[f.value] = count.get(f.value, 0) + 1
    return [
        f for f in found
        if count[f.value] > 1 or not PREMISES_BEFORE.search(text, max(0, f.start - 40), f.start)
    ]
