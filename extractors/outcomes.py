"""Outcomes: counts of things delivered, planned or received, with what was counted.

A count is a number (digits, "n. 1", or Italian number words such as "sei") followed by one of
the countable things listed in patterns/outcomes.toml, or by another plural noun in a sentence
that delivers something; or a listed thing followed by a copula and the number ("gli accessi
sono stati 1.126", "un numero di beneficiari pari a 12"). A bare number linked to a count in the
same sentence counts the same thing ("86 istanze, di cui 79 ammesse"), and so does each item of a
"label N" list after a count ("33 progetti così suddivisi: Agenda digitale 9; ..."). Numbers that
split a group ("divisi in due gruppi"), number a heading in capitals, or repeat a count ("i 120
lavoratori in questione") are no counts. Each claim names the rule that read it (``attrs.rule``).
Indicator tables give expected and achieved values per indicator, the thing
counted being the row's description or the value column's own header ("Utenti raggiunti").
Status comes from the words of the sentence.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import chain

from extractors.base import Context, load_patterns, make_claim
from extractors.common import (
    HeadedTable,
    context_after,
    context_before,
    number_words,
    parse_it_number,
    pipe_tables,
    trie_regex,
    words_to_int,
)
from extractors.pipetables import aligned_tables
from models.records import Claim

NAME = "outcomes"
VERSION = "1.7.0"

_P = load_patterns("outcomes")
_UNITS = "|".join(_P["units"])
_GAP = r"(?:[ \t\u00a0]+|[ \t]*\n[ \t]*)"  # a space, or one line break of a wrapped PDF line
_NOUN = r"[a-zàèéìòù](?:[a-zàèéìòù]|-(?=[a-z])){2,}[ie]"
# After the number: one of the listed things (in any case) or else any lower-case plural noun,
# which is kept only in a sentence that delivers something (see ``_generic_ok``).
_TAIL = (
    rf"{_GAP}(?:(?i:{_P['between']}){_GAP})?"
    rf"(?:(?P<unit>(?i:{_UNITS}))(?![\w])|(?P<noun>{_NOUN})(?![\w'’-]))"
)
_NUM = r"\d{1,3}(?:\.\d{3})+|\d+mila|\d+"
# Two case-sensitive scans: one led by digits, one by lower-case words that may be numbers
# ("sei progetti"); a word is kept if it reads as one.
OUTCOME_RE = re.compile(rf"(?<![\w.,/€$-])(?P<num>{_NUM})(?![.,]\d|\s*%){_TAIL}")
_WORDS = number_words()
_NUM_WORDS = trie_regex(set(_WORDS) | {w.capitalize() for w in _WORDS})
WORD_OUTCOME_RE = re.compile(rf"(?<![\w'’])(?P<num>{_NUM_WORDS})(?![\w]){_TAIL}")
# "gli accessi registrati sono stati 1.126": a copula and a number (rare, so scanned first; in
# lower case, since the thing comes before it), then the thing as the first "i/gli/le <thing>" of
# the clause before it, at most ten words back.
COPULA_NUM_RE = re.compile(
    rf"(?<![\w])(?:{_P['after_verbs']})(?:{_GAP}(?:{_P['after_adverbs']}))*{_GAP}(?P<num>{_NUM})"
    r"(?![\w]|[.,]\d|[ \t]*(?:%|€|(?i:su|euro|per cento|mila|milioni|anni|mesi)\b))"
)
THING_RE = re.compile(
    rf"(?<![\w'’])(?i:i|gli|le|di|dei|degli|delle|numero){_GAP}(?P<unit>(?i:{_UNITS}))(?![\w])"
)
CLAUSE_BREAK = re.compile(r"[,.;:!?()|\[\]\"“”\d]|\n[ \t]*\n")
GENERIC_VERBS = re.compile(r"(?<![\w])(?:" + "|".join(_P["generic_verbs"]) + ")", re.IGNORECASE)
GENERIC_NOT = frozenset(_P["generic_not"])
SHARE_OF = re.compile(rf"(?<![\w])(?:{_P['share_of']})\s+$", re.IGNORECASE)
GENERIC_NOT_AFTER = re.compile(
    rf"(?<![\w'’])(?:{_P['generic_not_after']})\s+$", re.IGNORECASE
)
MONEY_BEFORE = re.compile(r"(?:€|euro|eur)\s*$", re.IGNORECASE)
PAGE_NUMBER = re.compile(r"(?:pagina|pag\.?|p\.)\s*\d*\s*(?:di|/)?\s*$", re.IGNORECASE)
ONE_RE = re.compile(
    rf"(?<![\w])(?:un|una|uno)['’]?\s*(?P<unit>{_P['one_units']})(?![\w])", re.IGNORECASE
)
ONE_NOT_AFTER = re.compile(
    r"(?<![\w'’])(?:" + "|".join(_P["one_not_after"]) + r")\s+$", re.IGNORECASE
)
STATUS = {
    name: re.compile(r"(?<![\w])(?:" + "|".join(words) + r")", re.IGNORECASE)
    for name, words in _P["status"].items()
}
_T = _P["table"]
T_EXPECTED = re.compile(_T["expected"], re.IGNORECASE)
T_ACHIEVED = re.compile(_T["achieved"], re.IGNORECASE)
T_DESC = re.compile(_T["description"], re.IGNORECASE)
T_SKIP = re.compile(_T["skip_rows"], re.IGNORECASE)
T_MONEY = re.compile(_T["money_column"], re.IGNORECASE)
HEADING_RE = re.compile(
    r"^[ \t#*]*(risultat\w*(?: raggiunt\w*| ottenut\w*| consegu\w*)?|obiettiv\w*|azioni previste)"
    r"[ \t]*:?[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
# A value column whose header names the thing counted ("Utenti raggiunti", "Posti previsti").
T_UNIT = re.compile(rf"(?<![\w])(?:{_UNITS})(?![\w])", re.IGNORECASE)
_YEARLIKE = range(1950, 2050)
PARTITION_BEFORE = re.compile(rf"(?<![\w])(?i:{_P['partition_before']})[ \t]+in[ \t]+$")
HEADING_AFTER = re.compile(_P["heading_after"])
HEADING_SINGULAR = re.compile(_P["heading_singular"])
RATIO_AFTER = re.compile(_P["ratio_after"], re.IGNORECASE)
BACK_REF_AFTER = re.compile(rf"[ \t]*(?i:{_P['back_reference_after']})(?![\w])")
BACK_REF_BEFORE = re.compile(rf"(?<![\w])(?i:{_P['back_reference_before']})[ \t]+$")
DEFINITE_BEFORE = re.compile(rf"(?<![\w'’])(?i:{_P['definite_before']})[ \t]+$")
_E = _P["ellipsis"]
# A participle in lower case, or in the capitals of a title ("64 DOMANDE PERVENUTE, 58 AMMESSE").
_PARTICIPLE = f"(?:{_E['participle']}|{_E['participle'].upper()})"
ELLIPTIC_RE = re.compile(
    rf"(?:(?<![\w])(?i:{_E['link']})|(?<=[,:]))(?:[ \t]+(?i:{_E['adverbs']}))*[ \t]*"
    rf"(?P<num>{_NUM}|{_NUM_WORDS})"
    rf"(?=[ \t]*(?:[,;.:)]|$)|[ \t]+(?:(?i:{_E['tail']})|{_PARTICIPLE})(?![\w]))",
    re.MULTILINE,
)
PARTICIPLE_FULL = re.compile(_E["participle"])
ELLIPTIC_LINK_BEFORE = re.compile(
    rf"(?:(?<![\w])(?i:{_E['link']})|[,:])(?:[ \t]+(?i:{_E['adverbs']}))*[ \t]*$"
)
PARTICIPLE_AFTER = re.compile(
    rf"(?:[ \t]+(?i:dei|delle|degli)[ \t]+quali)?[ \t]+(?P<p>{_PARTICIPLE})(?![\w])"
)
SENTENCE_BREAK = re.compile(_E["sentence_break"])
# Numbers between a count and the bare number that continues it break the link, years apart
# ("300 persone nel 2023 e 250 nel 2022").
ANY_NUMBER = re.compile(r"(?<![\w.,])(?!(?:19[5-9]|20[0-4])\d(?![\d.,]))\d[\d.,]*")
COLON_HEAD = re.compile(
    rf"(?<![\w'’])(?P<unit>(?i:{_UNITS}))(?:[ \t]+[\w'’]+){{0,{_E['colon_words']}}}[ \t]*:[ \t]*"
    rf"(?:(?i:{_E['adverbs']})[ \t]+)*$"
)
NOT_A_COUNT_AFTER = re.compile(
    r"[ \t]*(?:%|€|/|(?i:euro|per[ \t]+cento|mila|milioni|miliardi|mln|anni|mesi|giorni|ore))"
)
_IB = _P["indicator_block"]
IND_NAME = re.compile(_IB["name"])
IND_VALUE = re.compile(_IB["value"])
IND_STOP = re.compile(r"\n[ \t]*\n|(?i:indicator[ei])")
_L = _P["label_list"]
LIST_OPENER = re.compile(_L["opener"])
LIST_ITEM = re.compile(_L["item"])
LIST_NEXT_LINE = re.compile(r"[ \t]*[.;:]?[ \t]*\n(?=[ \t]*\S)")
# "Persone senza dimora accolte (target): 40", "| Operatori impiegati | 9 |": a line (or a
# two-cell table row) whose label opens with a countable thing and whose whole value is a number.
LABEL_VALUE_RE = re.compile(
    r"^[ \t]*(?:[-*•][ \t]+)?(?:\|[ \t]*)?"
    rf"(?P<label>(?:(?i:n\.|nr\.|num\.|numero(?:[ \t]+(?:di|dei|delle|degli))?)[ \t]*)?"
    rf"(?P<unit>(?i:{_UNITS}))(?![\w'’])[^\n:|.;]{{0,80}}?)"
    rf"[ \t]*(?::|\|)[ \t]*(?:(?i:{_P['after_adverbs']})[ \t]+)?(?P<num>{_NUM})"
    r"[ \t]*\|?[ \t]*$",
    re.MULTILINE,
)
# Cheap scan first: only a line ending in a number after a colon or a bar is tried.
LABEL_VALUE_END = re.compile(
    r"[:|][ \t]*(?:[a-zà-ù]+[ \t]+){0,3}\d[\d.]*[ \t]*\|?[ \t]*$", re.MULTILINE
)
_UNIT_PREFIX = re.compile(r"^(?:n\.|nr\.|numero(?:\s+(?:di|dei|delle|degli))?|num\.)\s*", re.I)


def _count(raw: str) -> int | None:
    if raw[0].isdigit() and raw.lower().endswith("mila"):
        return int(raw[:-4]) * 1000
    if raw[0].isdigit():
        value = parse_it_number(raw)
        if value is None or value != int(value):
            return None
        return int(value)
    value = words_to_int(raw)
    return value if value is not None and value >= 2 else None


def status_for(text: str, start: int, end: int) -> str | None:
    """planned / expected / achieved from the sentence around the count, in that precedence."""
    window = context_before(text, start, limit=100) + " " + context_after(text, end, limit=60)
    for name in ("planned", "expected", "achieved"):
        if STATUS[name].search(window):
            return name
    # A list item under a "Risultati" heading reports what was achieved, under "Obiettivi" what
    # is planned: the nearest such heading line within a few lines above decides.
    headings = list(HEADING_RE.finditer(text, max(0, start - 600), start))
    if headings:
        return "achieved" if headings[-1].group(1).lower().startswith("risult") else "planned"
    return None


def _number(text: str, m: re.Match[str], group: str = "num") -> int | None:
    """The count a matched number stands for, or None for years, page numbers and word tails."""
    raw = m.group(group)
    start = m.start(group)
    if not raw[0].isdigit() and start and text[start - 1].isalnum():
        return None  # the tail of a longer word
    value = _count(raw)
    if value is None or (raw.isdigit() and value in _YEARLIKE):
        return None
    if PAGE_NUMBER.search(text, max(0, start - 12), start):
        return None
    return value


def _unit(raw: str) -> str:
    return re.sub(r"\s+", " ", raw.lower()).replace("’", "'")


def extract(ctx: Context) -> Iterator[Claim]:
    text = ctx.text
    found: list[Claim] = []
    counted: set[int] = set()  # start of every number already read as a count
    for m in chain(OUTCOME_RE.finditer(text), WORD_OUTCOME_RE.finditer(text)):
        value = _number(text, m)
        if value is None:
            continue
        start = m.start("num")
        if m.group("unit"):
            end, unit, attrs = m.end("unit"), m.group("unit"), {"rule": "count_unit"}
        elif _continues_a_count(text, start, m.group("noun")):
            continue  # "di cui 79 ammesse e 7 escluse": read by _ellipses, with the thing counted
        elif _generic_ok(text, start, m.end("noun"), m.group("noun")):
            end, unit = m.end("noun"), m.group("noun")
            attrs = {"generic": True, "rule": "count_generic_noun"}
        else:
            continue
        if _dropped(text, start, end) is not None or _next_line_title(text, m):
            continue
        counted.add(start)
        found.append(make_claim(
            NAME, VERSION, "outcome", value, text, start, end,
            unit=_unit(unit), status=status_for(text, start, end), attrs=attrs,
        ))
    for m in COPULA_NUM_RE.finditer(text):
        if m.start("num") in counted:
            continue
        thing = _thing_before(text, m.start())
        value = _number(text, m)
        if thing is None or value is None:
            continue
        start, end = thing.start("unit"), m.end("num")
        found.append(make_claim(
            NAME, VERSION, "outcome", value, text, start, end,
            unit=_unit(thing.group("unit")), status=status_for(text, start, end),
            attrs={"order": "after", "rule": "pari_a_count" if "pari" in m.group(0) else "copula"},
        ))
        counted.add(m.start("num"))
    found.extend(_label_values(text, counted))
    found.extend(_label_lists(text, found, counted))
    found.extend(_ellipses(text, found, counted))
    yield from sorted(found, key=lambda c: c.start)
    for m in ONE_RE.finditer(text):
        start, end = m.span()
        if ONE_NOT_AFTER.search(text, max(0, start - 10), start):
            continue
        if RATIO_AFTER.match(text, end):
            continue  # "un operatore ogni 6.500 abitanti" is a staffing rate, not a hire
        status = status_for(text, start, end)
        # "un operatore" is a count only where the sentence reports staff hired or planned.
        if status is None:
            continue
        unit = m.group("unit").lower()
        yield make_claim(
            NAME, VERSION, "outcome", 1, text, start, end, unit=unit, status=status,
            attrs={"rule": "one_staff"},
        )
    seen: set[tuple[int, int]] = set()
    for claim in _indicator_blocks(text, counted):
        seen.add((claim.start, claim.end))
        yield claim
    for claim in _indicator_tables(text):
        seen.add((claim.start, claim.end))
        yield claim
    for claim in _document_tables(ctx):
        if (claim.start, claim.end) not in seen:
            seen.add((claim.start, claim.end))
            yield claim


def _dropped(text: str, start: int, end: int) -> str | None:
    """The rule that makes the number at ``start`` (its thing ending at ``end``) no count."""
    if PARTITION_BEFORE.search(text, max(0, start - 20), start):
        return "partition_not_count"
    if RATIO_AFTER.match(text, end):
        return "ratio_not_count"
    ls = text.rfind("\n", 0, start) + 1
    words = text[start:end].split(None, 1)
    noun = re.split(r"[\s'’]", words[-1])[0] if len(words) == 2 else ""
    if not text[ls:start].strip() and noun.isupper() and HEADING_SINGULAR.match(noun):
        line_end = text.find("\n", end)
        if HEADING_AFTER.match(text, end, len(text) if line_end < 0 else line_end):
            return "heading_number_not_count"
    before = text[max(0, start - 30) : start]
    if BACK_REF_BEFORE.search(before) or (
        DEFINITE_BEFORE.search(before) and BACK_REF_AFTER.match(text, end)
    ):
        return "back_reference_not_count"
    return None


def _next_line_title(text: str, m: re.Match[str]) -> bool:
    """A number ending a line and a capitalised word opening the next ("... 40\nColloqui
    previsti: 300"): the word starts a new row or item, it is not the thing counted."""
    thing = m.start("unit") if m.group("unit") else m.start("noun")
    if "\n" not in text[m.end("num") : thing]:
        return False
    word = text[thing : thing + 2]
    return len(word) == 2 and word[0].isupper() and word[1].islower()


def _continues_a_count(text: str, start: int, noun: str) -> bool:
    """A participle after a linked number ("e 7 escluse") says what happened to part of a count."""
    if not PARTICIPLE_FULL.fullmatch(noun):
        return False
    lo = max(0, start - 30)
    return ELLIPTIC_LINK_BEFORE.search(text, lo, start) is not None


def _sentence_start(text: str, pos: int) -> int:
    breaks = [m.end() for m in SENTENCE_BREAK.finditer(text, max(0, pos - 300), pos)]
    return breaks[-1] if breaks else max(0, pos - 300)


def _label_values(text: str, counted: set[int]) -> Iterator[Claim]:
    """Card lines and two-cell rows "<thing ...>: N": the label says what the number counts."""
    last = -1
    for end in LABEL_VALUE_END.finditer(text):
        ls = text.rfind("\n", 0, end.start()) + 1
        if ls == last:
            continue
        last = ls
        if text[ls : end.start()].lstrip().startswith("|") and text.count("|", ls, end.end()) != 3:
            continue  # a table row of more than two cells
        m = LABEL_VALUE_RE.match(text, ls)
        if m is None:
            continue
        label = m.group("label")
        if m.start("num") in counted or T_SKIP.search(label):
            continue  # rates, money, durations and averages are no counts
        value = _number(text, m)
        if value is None:
            continue
        unit = _UNIT_PREFIX.sub("", label)
        unit = re.sub(r"\s*\([^)]*\)", "", unit).strip(" .:;").lower()
        counted.add(m.start("num"))
        start, end = m.start("label"), m.end("num")
        yield make_claim(
            NAME, VERSION, "outcome", value, text, start, end,
            unit=_unit(unit)[:80], status=status_for(label, len(label), len(label)),
            attrs={"order": "after", "rule": "label_value_count"},
        )


def _label_lists(text: str, found: list[Claim], counted: set[int]) -> Iterator[Claim]:
    """Items of a "label N" list right after a count: each is a count of that thing."""
    for head in list(found):
        if not isinstance(head.value, int):
            continue
        opener = LIST_OPENER.match(text, head.end)
        # Without an opener, a list on the next lines must add up to the count exactly.
        exact = opener is None
        opener = opener or LIST_NEXT_LINE.match(text, head.end)
        if opener is None:
            continue
        items, pos = [], opener.end()
        while (m := LIST_ITEM.match(text, pos)) is not None:
            value = _count(m.group("num"))
            if value is None:
                break
            items.append((m, value))
            pos = m.end()
            if m.group("sep").strip() == "." or (not exact and "\n" in m.group("sep")):
                break
        values = [v for _, v in items]
        if len(items) < 2 or max(values) > head.value or sum(values) > head.value:
            continue
        if exact and sum(values) != head.value:
            continue
        for m, value in items:
            counted.add(m.start("num"))
            label = re.sub(r"\s+", " ", m.group("label")).strip().lower().replace("’", "'")
            yield make_claim(
                NAME, VERSION, "outcome", value, text, m.start("label"), m.end("num"),
                unit=f"{head.unit} {label}"[:80], status=head.status,
                attrs={"rule": "label_then_number_list", "of": head.start},
            )


def _ellipses(text: str, found: list[Claim], counted: set[int]) -> list[Claim]:
    """Bare numbers that continue a count of the same sentence ("di cui 79 ammesse")."""
    heads = sorted((c for c in found if c.unit), key=lambda c: c.start)
    out: list[Claim] = []
    for m in ELLIPTIC_RE.finditer(text):
        start = m.start("num")
        if start in counted or NOT_A_COUNT_AFTER.match(text, m.end("num")):
            continue
        if MONEY_BEFORE.search(text, max(0, start - 8), start):
            continue
        value = _number(text, m)
        if value is None:
            continue
        lo = _sentence_start(text, start)
        # A count whose number is in this sentence heads it, though its thing may be written on
        # the line before ("i nuclei beneficiari ...\nconsortile erano 1.274, di cui 381 ...").
        before = [c for c in heads + out if lo < c.end <= start]
        if before:
            head = max(before, key=lambda c: c.end)
            of, unit = head.start, str(head.attrs.get("thing") or head.unit or "")
            # The nearest number before this one must be the count it continues.
            if ANY_NUMBER.search(text, head.end, start):
                continue
        else:
            thing = COLON_HEAD.search(text, lo, start)
            if thing is None:
                continue
            of, unit = thing.start(), _unit(thing.group("unit"))
        thing, end = unit, m.end("num")
        part = PARTICIPLE_AFTER.match(text, end)
        if part is not None:
            end, unit = part.end(), f"{unit} {part.group('p').lower()}"
        counted.add(start)
        claim = make_claim(
            NAME, VERSION, "outcome", value, text, start, end,
            unit=unit, status=status_for(text, start, end),
            attrs={"rule": "elliptical_count", "of": of, "thing": thing},
        )
        out.append(claim)
    return out


def _thing_before(text: str, pos: int) -> re.Match[str] | None:
    """The first "i/gli/le <thing>" of the clause that ends at ``pos``, ten words back at most."""
    lo = max(0, pos - 160)
    breaks = [b.end() for b in CLAUSE_BREAK.finditer(text, lo, pos)]
    lo = breaks[-1] if breaks else lo
    m = THING_RE.search(text, lo, pos)
    if m is None or len(text[m.end() : pos].split()) > 10:
        return None
    return m


def _generic_ok(text: str, start: int, end: int, noun: str) -> bool:
    """A plural noun not in the list of units counts in a sentence that delivers, opens,
    activates or receives something ("sono pervenute 3 offerte", "apre quattro botteghe")."""
    if noun in GENERIC_NOT or noun in _WORDS or "|" in text[start:end]:
        return False
    if MONEY_BEFORE.search(text, max(0, start - 8), start):
        return False
    if SHARE_OF.search(text, max(0, start - 16), start):
        return False
    if GENERIC_NOT_AFTER.search(text, max(0, start - 10), start):
        return False
    window = context_before(text, start, limit=150) + " " + context_after(text, end, limit=80)
    return GENERIC_VERBS.search(window) is not None


def _indicator_blocks(text: str, counted: set[int]) -> Iterator[Claim]:
    """Target and achieved values of an indicator written outside a table, in what it names."""
    for m in IND_NAME.finditer(text):
        name = m.group("name")
        if T_SKIP.search(name):
            continue  # a rate, a share, money or a time
        unit = _UNIT_PREFIX.sub("", name)
        unit = re.sub(r"\s*\([^)]*\)", "", unit).strip(" .:;").lower()
        if not unit or unit[0].isdigit():
            continue
        hi = min(len(text), m.end() + int(_IB["reach"]))
        stop = IND_STOP.search(text, m.end(), hi)
        hi = stop.start() if stop else hi
        for v in IND_VALUE.finditer(text, m.end(), hi):
            value = _count(v.group("num"))
            if value is None or v.start("num") in counted or NOT_A_COUNT_AFTER.match(text, v.end()):
                continue
            status = "expected" if v.group("exp") else "achieved"
            yield make_claim(
                NAME, VERSION, "outcome", value, text, v.start("num"), v.end("num"),
                unit=unit[:80], status=status, attrs={"rule": "indicator_block"},
            )


def _table_number(cell: str) -> int | float | None:
    s = cell.strip()
    if not re.fullmatch(r"\d[\d.,]*", s):
        return None
    value = float(s.replace(",", ".")) if re.fullmatch(r"\d+[.,]\d{1,2}", s) else parse_it_number(s)
    if value is None:
        return None
    return int(value) if value == int(value) else value


def _indicator_tables(text: str) -> Iterator[Claim]:
    """Rows of a table with expected/achieved columns: one outcome per filled value cell (pipe
    rows, or columns lined up with spaces in plain text)."""
    aligned = (HeadedTable(t.header, t.rows) for t in aligned_tables(text))
    for table in chain(pipe_tables(text), aligned):
        cols: dict[int, str] = {}
        col_units: dict[int, str] = {}
        desc_col = 0
        for row in [table.header, *table.rows]:
            found = _indicator_columns([c.text for c in row])
            if found:
                cols, desc_col, col_units = found
                continue
            if not cols or desc_col >= len(row):
                continue
            # Durations, percentages and averages are no counts, whichever column says so.
            if any(T_SKIP.search(c.text) for i, c in enumerate(row) if i not in cols):
                continue
            unit = _UNIT_PREFIX.sub("", row[desc_col].text)
            unit = re.sub(r"\s*\([^)]*\)", "", unit).strip(" .:;").lower()
            if not unit or unit[0].isdigit():
                continue
            for i, status in cols.items():
                if i >= len(row):
                    continue
                value = _table_number(row[i].text)
                if value is None:
                    continue
                attrs: dict[str, object] = {"table": True, "rule": "indicator_table"}
                if i in col_units:
                    attrs["row"] = unit[:80]
                yield make_claim(
                    NAME, VERSION, "outcome", value, text, row[i].start, row[i].end,
                    unit=col_units.get(i, unit[:80]), status=status, attrs=attrs,
                )


def _indicator_columns(
    head: list[str],
) -> tuple[dict[int, str], int, dict[int, str]] | None:
    """Expected/achieved columns, the description column and, for a value column whose header
    names the thing counted ("Utenti raggiunti"), that thing: then the row says what the count is
    of (a service), the header what was counted."""
    cols = {
        i: status
        for i, h in enumerate(head)
        for status, rx in (("expected", T_EXPECTED), ("achieved", T_ACHIEVED))
        if len(h) < 40 and rx.search(h) and not (status == "expected" and T_ACHIEVED.search(h))
        and not T_MONEY.search(h)
    }
    if not cols:
        return None
    desc_col = next((i for i, h in enumerate(head) if T_DESC.search(h)), 0)
    units = {i: _unit(m.group(0)) for i in cols if (m := T_UNIT.search(head[i]))}
    return cols, desc_col, units


def _document_tables(ctx: Context) -> Iterator[Claim]:
    """Indicator tables the parser found (PDF): each value is located in the text after its row."""
    text = ctx.text
    cursor = 0
    for table in ctx.tables:
        found = _indicator_columns([c or "" for c in table.header])
        if not found:
            continue
        cols, desc_col, col_units = found
        for row in table.rows:
            if desc_col >= len(row) or not row[desc_col]:
                continue
            if any(T_SKIP.search(c or "") for i, c in enumerate(row) if i not in cols):
                continue
            words = re.findall(r"\w+", row[desc_col])[:5]
            if not words:
                continue
            anchor = re.compile(r"\W+".join(map(re.escape, words)))
            m = anchor.search(text, cursor)
            if m is None:
                continue
            pos = m.end()
            unit = _UNIT_PREFIX.sub("", row[desc_col])
            unit = re.sub(r"\s*\([^)]*\)", "", unit).strip(" .:;").lower()
            if not unit or unit[0].isdigit():
                continue
            for i, status in sorted(cols.items()):
                if i >= len(row) or not row[i]:
                    continue
                value = _table_number(row[i])
                if value is None:
                    continue
                cell = re.compile(rf"(?<![\w.,]){re.escape(row[i].strip())}(?![\w]|[.,]\d)")
                cm = cell.search(text, pos, pos + 400)
                if cm is None:
                    continue
                pos = cm.end()
                attrs: dict[str, object] = {"table": True, "rule": "indicator_table"}
                if i in col_units:
                    attrs["row"] = unit[:80]
                yield make_claim(
                    NAME, VERSION, "outcome", value, text, cm.start(), cm.end(),
                    unit=col_units.get(i, unit[:80]), status=status, attrs=attrs,
                )
            cursor = pos
