"""Key-value project cards: "CUP", "Data inizio", "Importo erogato", "Beneficiario", ... → claims.

A card is a list of labels, each followed by its value: in HTML a table of two columns, a
definition list or label/value blocks; in a PDF the label on one line and the value on the next,
or both on one line. The claim's role comes from the label (see ``patterns/cards.toml``), and
its span is the value as printed. Only whole-line labels count, so prose is never read as a card.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from extractors import programmes
from extractors.base import Context, load_patterns, make_claim
from extractors.organisations import comune_name
from extractors.pipetables import find_dates, parse_amount, pipe_tables
from models.records import Claim

NAME = "cards"
VERSION = "1.4.0"

_CUP = re.compile(r"^[A-Z][0-9]{2}[A-Z][0-9]{11}$")
# Leading list markers trafilatura puts on <dt>/<dd> and <li> ("- ", "* ", "• ").
_MARK = re.compile(r"^\s*(?:[-*•·]\s+)?")
_LABEL_VALUE = re.compile(r"^(?P<label>[^:|]{2,80}?)\s*(?::\s*|\s+(?=[€\d]))(?P<value>\S.*)$")
_MAYBE_VALUE = re.compile(r"[:€\d]")
_MAX_VALUE = 200
# Items of a list value: "Brindisi, Mesagne e San Vito dei Normanni".
_LIST_SEP = re.compile(r"\s*(?:[,;/]|\s(?:e|ed)\s)\s*")
_REMARK = re.compile(r"\s*\([^)]*\)\s*$")


@dataclass(frozen=True, slots=True)
class Label:
    regex: re.Pattern[str]
    kind: str
    role: str
    value: str
    attrs: dict[str, Any] = field(default_factory=dict)


def _labels() -> list[Label]:
    out = []
    for item in load_patterns("cards")["label"]:
        out.append(Label(re.compile(rf"(?:{item['pattern']})", re.IGNORECASE), item["kind"],
                         item["role"], item["value"], dict(item.get("attrs", {}))))
    return out


LABELS = _labels()
# One pass that says whether a line is any label at all: most lines are not, and trying every
# label's pattern on each of them was the card extractor's main cost.
ANY_LABEL = re.compile("|".join(f"(?:{label.regex.pattern})" for label in LABELS), re.IGNORECASE)


def label_for(text: str) -> Label | None:
    """The card label ``text`` is, if any (the whole text must match)."""
    if len(text) > 240:  # a paragraph, not a label (labels are at most 80 characters)
        return None
    key = " ".join(text.strip().rstrip(":").strip().split()).lower()
    if not key or len(key) > 80 or not ANY_LABEL.fullmatch(key):
        return None
    for label in LABELS:
        if label.regex.fullmatch(key):
            return label
    return None


Read = tuple[Any, int, int]
# Values that are words, read on a "Label value" line only when a colon separates them.
_PROSE_VALUES = {"text", "comuni", "programme"}


def _reads(label: Label, raw: str) -> list[Read]:
    """Every ``(value, start, end)`` a value string gives: one for most labels, one per item
    for a list of comuni, one per programme named in a programme value."""
    if label.value == "comuni":
        return _comuni(raw)
    if label.value == "programme":
        found = programmes.find(raw)
        if found or programmes.names_one(raw):
            # A known name with no label of its own (a bare "PNRR") gives no raw value either.
            return [(name, s, e) for s, e, name in found]
        read = _read(label, raw)
        return [read] if read else []
    read = _read(label, raw)
    return [read] if read else []


def _comuni(raw: str) -> list[Read]:
    """"Brindisi e San Vito dei Normanni": the Comune of each item that names one."""
    out: list[Read] = []
    pos = 0
    for sep in [*_LIST_SEP.finditer(raw), None]:
        stop = sep.start() if sep else len(raw)
        item = raw[pos:stop]
        remark = _REMARK.search(item)
        if remark:
            item = item[: remark.start()]
        lead = len(item) - len(item.lstrip())
        name = comune_name(item.strip().rstrip("."))
        if name:
            out.append((f"Comune di {name}", pos + lead, pos + len(item.rstrip())))
        pos = sep.end() if sep else stop
    return out


def _read(label: Label, raw: str) -> Read | None:
    """``(value, start, end)`` of a value string, spans relative to ``raw``; None if unreadable."""
    lead = len(raw) - len(raw.lstrip())
    body = raw.strip()
    if not body or len(body) > _MAX_VALUE:
        return None
    if label.value == "amount":
        value = parse_amount(body)
        return (value, lead, lead + len(body)) if value is not None else None
    if label.value == "date":
        dates = find_dates(body)
        if len(dates) != 1:
            return None
        iso, s, e = dates[0]
        return iso, lead + s, lead + e
    if label.value == "cup":
        code = re.sub(r"\s", "", body).upper()
        return (code, lead, lead + len(body)) if _CUP.match(code) else None
    if label.value == "code":
        return (body, lead, lead + len(body)) if len(body) <= 40 else None
    if parse_amount(body) is not None or label_for(body):
        return None  # a bare number or another label is no organisation name
    if label.value == "comune":
        # "Città (OI)  Venezia": the value is a comune's name; its canonical body is the Comune.
        name = comune_name(body)
        return (f"Comune di {name}", lead, lead + len(body)) if name else None
    return body, lead, lead + len(body)


def _claim(text: str, label: Label, label_text: str, value: Any, s: int, e: int) -> Claim:
    kw: dict[str, Any] = {"role": label.role, "attrs": {"label": label_text, **label.attrs}}
    if label.kind == "amount":
        kw["currency"] = "EUR"
    if label.kind == "date":
        kw["precision"] = "day"
    return make_claim(NAME, VERSION, label.kind, value, text, s, e, **kw)


def extract(ctx: Context) -> Iterator[Claim]:
    text = ctx.text
    seen: set[tuple[int, int]] = set()
    for claim in (*_from_tables(text), *_from_lines(text)):
        if (claim.start, claim.end) not in seen:
            seen.add((claim.start, claim.end))
            yield claim


def _from_tables(text: str) -> Iterator[Claim]:
    """Two-column tables whose first column holds labels (header row included)."""
    for table in pipe_tables(text):
        for row in table.all_rows:
            cells = [c for c in row if c.text]
            if len(cells) != 2:
                continue
            label = label_for(cells[0].text)
            if label is None:
                continue
            for value, s, e in _reads(label, cells[1].text):
                yield _claim(text, label, cells[0].text, value, cells[1].start + s,
                             cells[1].start + e)


def _from_lines(text: str) -> Iterator[Claim]:
    """A label line followed by its value line, or "Label: value" / "Label value" on one line."""
    lines: list[tuple[int, str]] = []
    pos = 0
    for line in text.splitlines(keepends=True):
        lines.append((pos, line.rstrip("\r\n")))
        pos += len(line)
    for i, (start, line) in enumerate(lines):
        if line.lstrip().startswith("|"):
            continue
        mark = _MARK.match(line)
        body_at = mark.end() if mark else 0
        body = line[body_at:]
        label = label_for(body)
        if label is not None:
            # The value is the next non-empty line (itself possibly "- value").
            for j in range(i + 1, min(i + 3, len(lines))):
                nstart, nline = lines[j]
                if not nline.strip():
                    continue
                if nline.lstrip().startswith("|") or label_for(_MARK.sub("", nline, count=1)):
                    break
                m = _MARK.match(nline)
                off = m.end() if m else 0
                for value, s, e in _reads(label, nline[off:]):
                    yield _claim(text, label, body.strip(), value, nstart + off + s,
                                 nstart + off + e)
                break
            continue
        # "Label: value" or "Label value" (the value typed: amount, date, CUP). Most lines are
        # prose with neither a colon nor a figure near their start: they are skipped at once.
        if not _MAYBE_VALUE.search(body, 0, 120):
            continue
        m = _LABEL_VALUE.match(body)
        if not m:
            continue
        label = label_for(m.group("label"))
        if label is None or (label.value in _PROSE_VALUES and ":" not in body):
            continue
        base = start + body_at + m.start("value")
        for value, s, e in _reads(label, m.group("value")):
            yield _claim(text, label, m.group("label").strip(), value, base + s, base + e)
