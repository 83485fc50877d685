"""Amounts in euro, with the role the text gives them (allocated, admitted, committed, paid, ...).

"Missing is not zero; financed is not paid": the role comes only from words next to the amount
(its sentence, or the label line of a card such as "Importo erogato\\n€ 36.500,93"). Numbers that
are years, ranges, percentages, codes or act numbers never become amounts because an amount needs
a currency word, a scale with "di euro", or cents under a money label.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from extractors.base import Context, load_patterns, make_claim
from extractors.common import (
    context_after,
    context_before,
    group_to_role,
    keyword_pattern,
    nearest_keyword,
    parse_it_number,
    pipe_tables,
    words_to_int,
)
from models.records import Claim

NAME = "amounts"
VERSION = "1.0.0"

_P = load_patterns("amounts")
_NUM = _P["number"]
_CUR = _P["currency"]
_SCALES: dict[str, int] = _P["scales"]
_SCALE_RE = "|".join(sorted(_SCALES, key=len, reverse=True))
_HALF = r"(?P<half{n}>\s+e\s+mezzo)?"

AMOUNT_RE = re.compile(
    # "€ 609.734", "euro 496.931,00", "Euro 1,2 mln"
    rf"(?P<a>(?<![\w])(?:{_CUR})\.?\s*(?P<n1>{_NUM})(?:\s*(?P<s1>{_SCALE_RE})(?![\w])"
    + _HALF.format(n=1)
    + r")?)"
    # "486 milioni di euro", "150mila euro", "45.000,00 €"
    rf"|(?P<b>(?<![\w.,/-])(?P<n2>{_NUM})\s*(?:(?P<s2>{_SCALE_RE})"
    + _HALF.format(n=2)
    + rf"\s+(?:di\s+)?)?(?:{_CUR})(?![\w]))"
    # "tredici milioni e mezzo di euro", "un milione di euro"
    rf"|(?P<c>(?<![\w])(?P<w3>[a-zà-ù]+)\s+(?P<s3>milion[ei]|miliard[oi])"
    + _HALF.format(n=3)
    + r"\s+di\s+euro(?![\w]))"
    # "quarantacinquemila euro"
    r"|(?P<d>(?<![\w])(?P<w4>[a-zà-ù]{3,}mila[a-zà-ù]*)\s+euro(?![\w]))"
    # bare "1.149.465,93" or "250,00": money only under a money label (checked in code)
    r"|(?P<e>(?<![\w.,/€])(?P<n5>\d{1,3}(?:\.\d{3})+,\d{2}|\d+,\d{2})(?![\w]|[.,]\d|\s*%|\s*per\s?cento))",
    re.IGNORECASE,
)
ROLE_RE = keyword_pattern(_P["roles"])
MONEY_LABEL_RE = re.compile(
    r"(?<![\w])(?:" + "|".join(re.escape(w) for w in _P["money_labels"]) + r")", re.IGNORECASE
)
NOT_MONEY_RE = re.compile(
    r"(?<![\w])(?:" + "|".join(_P["not_money_before"]) + r")\s*[:.°]?\s*(?:n\.?\s*)?$",
    re.IGNORECASE,
)
CURRENCY_HEADER_RE = re.compile(rf"(?:{_CUR})", re.IGNORECASE)
HEADER_SCALE_RE = re.compile(r"migliaia|milioni|mln|mld|miliardi", re.IGNORECASE)
_HEADER_SCALES = {"migliaia": 1000, "milioni": 1_000_000, "mln": 1_000_000, "mld": 10**9,
                  "miliardi": 10**9}
_CURRENCY_ONLY = rf"^(?:{_CUR})\.?$"


def _scale(word: str | None) -> int:
    if not word:
        return 1
    w = word.lower()
    for key, val in _SCALES.items():
        if re.fullmatch(key, w):
            return val
    return 1


def role_for(text: str, start: int, end: int) -> str | None:
    """The role named nearest the amount: before it in its sentence or label, else just after."""
    before = context_before(text, start, limit=120, bare=_CURRENCY_ONLY)
    found = nearest_keyword(ROLE_RE, before, last=True)
    if found is None:
        found = nearest_keyword(ROLE_RE, context_after(text, end, limit=40), last=False)
    return group_to_role(found)


def _value(m: re.Match[str]) -> float | None:
    if m.group("a") or m.group("b"):
        n = 1 if m.group("a") else 2
        base = parse_it_number(m.group(f"n{n}"))
        if base is None:
            return None
        scale = _scale(m.group(f"s{n}"))
        if m.group(f"half{n}") and scale > 1:
            base += 0.5
        return round(base * scale, 2)
    if m.group("c"):
        word = m.group("w3").lower()
        base = 0.5 if word == "mezzo" else words_to_int(word)
        if base is None:
            return None
        if m.group("half3"):
            base += 0.5
        return round(base * _scale(m.group("s3")), 2)
    if m.group("d"):
        base = words_to_int(m.group("w4"))
        return None if base is None else float(base)
    return parse_it_number(m.group("n5"))


def extract(ctx: Context) -> Iterator[Claim]:
    text = ctx.text
    taken: list[tuple[int, int]] = []
    for m in AMOUNT_RE.finditer(text):
        value = _value(m)
        if value is None:
            continue
        start, end = m.span()
        if m.group("e"):
            before = text[max(0, start - 30) : start]
            if NOT_MONEY_RE.search(before):
                continue
            label = context_before(text, start, limit=120)
            grouped = "." in m.group("n5")
            if not grouped and not MONEY_LABEL_RE.search(label):
                continue
        taken.append((start, end))
        yield make_claim(
            NAME, VERSION, "amount", value, text, start, end,
            currency="EUR", role=role_for(text, start, end),
        )
    yield from _table_cells(ctx, taken)


def _table_cells(ctx: Context, taken: list[tuple[int, int]]) -> Iterator[Claim]:
    """Number cells under a header that names the currency ("Importo (€)", "milioni di euro")."""
    text = ctx.text
    for table in pipe_tables(text):
        money_cols: dict[int, tuple[int, str]] = {}
        for i, cell in enumerate(table.header):
            if CURRENCY_HEADER_RE.search(cell.text):
                sm = HEADER_SCALE_RE.search(cell.text)
                scale = _HEADER_SCALES[sm.group(0).lower()] if sm else 1
                money_cols[i] = (scale, cell.text)
        if not money_cols:
            continue
        for row in table.rows:
            for i, (scale, header) in money_cols.items():
                if i >= len(row):
                    continue
                cell = row[i]
                if any(s < cell.end and cell.start < e for s, e in taken):
                    continue
                num = re.sub(rf"^(?:{_CUR})\s*|\s*(?:{_CUR})$", "", cell.text, flags=re.IGNORECASE)
                value = parse_it_number(num)
                if value is None:
                    continue
                group = nearest_keyword(ROLE_RE, header) or nearest_keyword(ROLE_RE, row[0].text)
                yield make_claim(
                    NAME, VERSION, "amount", round(value * scale, 2), text, cell.start, cell.end,
                    currency="EUR", role=group_to_role(group), attrs={"table_header": header},
                )
