"""CUP and CIG codes: the keys that tie a page to an official project record.

A CUP-shaped code (``^[A-Z][0-9]{2}[A-Z][0-9]{11}$``) is taken wherever it appears, also split by
spaces or in table cells, unless a protocol, fiscal-code or IBAN label stands right before it. A
CIG is ten characters and too generic to find alone, so it is taken only after a CIG label, in a
list that follows such a label, or in a table column headed "CIG".
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from extractors.base import Context, load_patterns, make_claim
from extractors.common import pipe_tables
from models.records import Claim

NAME = "cup"
VERSION = "1.3.0"

_P = load_patterns("cup")
CUP_RE = re.compile(_P["cup"])
CUP_LABEL_RE = re.compile(_P["cup_label"], re.IGNORECASE)
CIG_CODE = _P["cig_code"]
CIG_RE = re.compile(_P["cig_label"] + rf"({CIG_CODE})(?![A-Za-z0-9])", re.IGNORECASE)
CIG_MORE_RE = re.compile(_P["cig_more"] + rf"({CIG_CODE})(?![A-Za-z0-9])", re.IGNORECASE)
NOT_CUP_RE = re.compile(
    r"(?<![\w])(?:" + "|".join(_P["not_cup_before"]) + r")\s*(?:n\.|nr\.|n°)?\s*[:.]?\s*$",
    re.IGNORECASE,
)
CUP_SHAPE = re.compile(r"^[A-Z][0-9]{2}[A-Z][0-9]{11}$")
CIG_SHAPE = re.compile(r"^(?:Z[0-9A-F]{9}|[0-9A-Z]{10})$")


def is_cup(code: str) -> bool:
    return bool(CUP_SHAPE.match(code))


def is_cig(code: str) -> bool:
    """Ten capitals/digits with at least three digits (so words such as "RIFERIMENTO" fail)."""
    return bool(CIG_SHAPE.match(code)) and sum(ch.isdigit() for ch in code) >= 3


def _squash(code: str) -> str:
    return re.sub(r"[\s\u00a0]", "", code).upper()


def extract(ctx: Context) -> Iterator[Claim]:
    text = ctx.text
    seen: set[tuple[int, int]] = set()
    for m in CUP_LABEL_RE.finditer(text):
        code = _squash(m.group(1))
        if is_cup(code):
            seen.add(m.span(1))
            yield make_claim(
                NAME, VERSION, "cup", code, text, m.start(1), m.end(1), attrs={"rule": "cup_label"}
            )
    for m in CUP_RE.finditer(text):
        if m.span(1) in seen:
            continue
        code = _squash(m.group(1))
        if not is_cup(code) or NOT_CUP_RE.search(text[max(0, m.start() - 30) : m.start()]):
            continue
        seen.add(m.span(1))
        yield make_claim(
            NAME, VERSION, "cup", code, text, m.start(1), m.end(1), attrs={"rule": "cup_shape"}
        )
    cig_seen: set[tuple[int, int]] = set()
    for m in CIG_RE.finditer(text):
        pos = m.start(1)
        full = m.group(0).lower().startswith("codice identificativo")
        rule = "cig_label_in_full" if full else "cig_label"
        match: re.Match[str] | None = m
        while match is not None:
            code = match.group(1).upper()
            if not is_cig(code) or match.span(1) in seen:
                break
            cig_seen.add(match.span(1))
            yield make_claim(
                NAME, VERSION, "cig", code, text, match.start(1), match.end(1),
                attrs={"rule": rule},
            )
            pos = match.end(1)
            match = CIG_MORE_RE.match(text, pos)
    yield from _table_codes(text, seen, cig_seen)
    yield from _document_table_codes(ctx, cig_seen)


def _document_table_codes(ctx: Context, cig_seen: set[tuple[int, int]]) -> Iterator[Claim]:
    """CIG codes in a column headed "CIG" of the tables the parser found (PDF), located in the
    text where the code is printed."""
    text = ctx.text
    for table in ctx.tables:
        cols = [i for i, h in enumerate(table.header) if re.search(r"\bC\.?I\.?G\b", h or "")]
        for row in table.rows:
            for i in cols:
                code = (row[i] or "").strip().upper() if i < len(row) else ""
                if not is_cig(code):
                    continue
                for m in re.finditer(rf"(?<![A-Za-z0-9]){re.escape(code)}(?![A-Za-z0-9])", text):
                    if m.span() not in cig_seen:
                        cig_seen.add(m.span())
                        yield make_claim(NAME, VERSION, "cig", code, text, m.start(), m.end())


def _table_codes(
    text: str, seen: set[tuple[int, int]], cig_seen: set[tuple[int, int]]
) -> Iterator[Claim]:
    """Codes in a table column headed CIG (a CUP column needs nothing: its shape is enough)."""
    for table in pipe_tables(text):
        cols = [i for i, c in enumerate(table.header) if re.search(r"\bC\.?I\.?G\b", c.text, re.I)]
        for row in table.rows:
            for i in cols:
                if i >= len(row):
                    continue
                cell = row[i]
                for m in re.finditer(rf"(?<![A-Za-z0-9])({CIG_CODE})(?![A-Za-z0-9])", cell.text):
                    code = m.group(1).upper()
                    span = (cell.start + m.start(1), cell.start + m.end(1))
                    if is_cig(code) and span not in cig_seen:
                        cig_seen.add(span)
                        yield make_claim(NAME, VERSION, "cig", code, text, *span)
