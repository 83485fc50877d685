"""Helpers the extractors share: Italian numbers, the label before a value, pipe tables.

Kept apart from the extractor modules so that each of them stays a short list of rules.
Everything here is linear in the text: compiled regexes and ``str.rfind``, no per-token loops.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

# ---------------------------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------------------------

_GROUPED_DOTS = re.compile(r"^\d{1,3}(?:\.\d{3})+$")
_GROUPED_SPACES = re.compile(r"^\d{1,3}(?:[ \u00a0\u202f]\d{3})+$")


def parse_it_number(raw: str) -> float | None:
    """Read an Italian-formatted number: ``1.149.465,93`` → 1149465.93, ``609.734`` → 609734.

    A dot followed by exactly three digits groups thousands; a comma is the decimal mark. A lone
    dot with one or two digits after it ("1.5 milioni") is read as a decimal point.
    """
    s = raw.strip().replace("'", "")
    if not s:
        return None
    if "," in s:
        whole, _, dec = s.rpartition(",")
        whole = re.sub(r"[.\s\u00a0\u202f]", "", whole)
        if not whole:
            whole = "0"
        if not (whole.isdigit() and dec.isdigit()):
            return None
        return float(f"{int(whole)}.{dec}")
    if _GROUPED_DOTS.match(s) or _GROUPED_SPACES.match(s):
        return float(re.sub(r"[.\s\u00a0\u202f]", "", s))
    if s.isdigit():
        return float(s)
    if re.fullmatch(r"\d+\.\d{1,2}", s):
        return float(s)
    return None


_UNITS = {
    "zero": 0, "uno": 1, "una": 1, "un": 1, "due": 2, "tre": 3, "quattro": 4, "cinque": 5,
    "sei": 6, "sette": 7, "otto": 8, "nove": 9, "dieci": 10, "undici": 11, "dodici": 12,
    "tredici": 13, "quattordici": 14, "quindici": 15, "sedici": 16, "diciassette": 17,
    "diciotto": 18, "diciannove": 19,
}
_TENS = {
    "venti": 20, "trenta": 30, "quaranta": 40, "cinquanta": 50, "sessanta": 60,
    "settanta": 70, "ottanta": 80, "novanta": 90,
}


def strip_accents(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", s) if unicodedata.category(c) != "Mn")


def _below_100(w: str) -> int | None:
    if not w:
        return 0
    if w in _UNITS:
        return _UNITS[w]
    for word, val in _TENS.items():
        # "ventuno", "ventotto": the final vowel of the tens drops before uno/otto.
        for stem in (word, word[:-1]):
            if w.startswith(stem):
                rest = w[len(stem):]
                if not rest:
                    return val if stem == word else None
                if rest in _UNITS and _UNITS[rest] < 10 and rest not in ("un", "una", "zero"):
                    if stem == word and rest in ("uno", "otto"):
                        continue
                    return val + _UNITS[rest]
    return None


def _below_1000(w: str) -> int | None:
    i = w.find("cento")
    if i < 0:
        return _below_100(w)
    head, tail = w[:i], w[i + 5 :]
    mult = 1 if not head else _UNITS.get(head)
    if mult is None or mult < 1 or mult > 9 or head in ("un", "una", "uno"):
        return None
    rest = _below_100(tail) if tail else 0
    if rest is None and tail.startswith("ttanta"):  # centottanta
        rest = _below_100("o" + tail)
    return None if rest is None else mult * 100 + rest


def words_to_int(word: str) -> int | None:
    """Italian number words written as one token: "sei" → 6, "quarantacinquemila" → 45000."""
    w = strip_accents(word.lower().strip())
    if not w or not w.isalpha():
        return None
    if w == "mille":
        return 1000
    if w.startswith("mille"):
        rest = _below_1000(w[5:])
        return None if rest is None else 1000 + rest
    if "mila" in w:
        head, _, tail = w.partition("mila")
        thousands = _below_1000(head)
        rest = _below_1000(tail) if tail else 0
        if thousands is None or thousands < 2 or rest is None:
            return None
        return thousands * 1000 + rest
    return _below_1000(w)


# ---------------------------------------------------------------------------------------------
# Context: the label before a value and the words after it
# ---------------------------------------------------------------------------------------------

_LINE_JUNK = " \t-–—•*·>:|#"
_SENTENCE_END = re.compile(r"[.;!?](?=\s+[A-ZÀ-Ý\"“«(])|[;!?]\s|\n\s*\n")


def line_start(text: str, pos: int) -> int:
    return text.rfind("\n", 0, pos) + 1


def line_end(text: str, pos: int) -> int:
    end = text.find("\n", pos)
    return len(text) if end < 0 else end


def previous_line(text: str, pos: int, max_back: int = 3) -> str:
    """The nearest non-empty line before the line holding ``pos`` (looking at most 3 lines up)."""
    ls = line_start(text, pos)
    for _ in range(max_back):
        if ls <= 0:
            return ""
        prev_start = text.rfind("\n", 0, ls - 1) + 1
        line = text[prev_start : ls - 1]
        if line.strip(_LINE_JUNK):
            return line.strip(_LINE_JUNK)
        ls = prev_start
    return ""


def context_before(text: str, start: int, limit: int = 100, bare: str = "") -> str:
    """Words that introduce the value at ``start``: its sentence so far, or the label line above.

    When nothing but bullets or ``bare`` words (e.g. a currency sign) precede the value on its
    line, the previous non-empty line is the label ("Data inizio\\n01/04/24").
    """
    ls = line_start(text, start)
    lo = max(ls, start - limit)
    prefix = text[lo:start]
    if "|" in prefix:
        # A table cell: only the cell's own words count (headers are the table readers' job).
        return prefix[prefix.rfind("|") + 1 :]
    stripped = prefix.strip(_LINE_JUNK)
    if bare and stripped:
        stripped = re.sub(bare, "", stripped, flags=re.IGNORECASE).strip(_LINE_JUNK)
    if not stripped and lo == ls:
        label = previous_line(text, start)
        # A wrapped table row is no label.
        return "" if "|" in label else label[-limit:]
    ends = [m.end() for m in _SENTENCE_END.finditer(prefix)]
    if ends:
        prefix = prefix[ends[-1] :]
    return prefix


def context_after(text: str, end: int, limit: int = 60) -> str:
    """Words after the value up to the end of its line or sentence."""
    hi = min(line_end(text, end), end + limit)
    suffix = text[end:hi]
    m = _SENTENCE_END.search(suffix)
    return suffix[: m.start()] if m else suffix


def nearest_keyword(pattern: re.Pattern[str], window: str, last: bool = True) -> str | None:
    """The group name of the keyword nearest to the value (last match before, first after)."""
    found = None
    for m in pattern.finditer(window):
        found = m
        if not last:
            break
    if found is None:
        return None
    return found.lastgroup


def keyword_pattern(groups: dict[str, list[str]]) -> re.Pattern[str]:
    """One compiled alternation with a named group per role, from TOML lists of regexes."""
    parts = [f"(?P<{name.replace('-', '_')}>{'|'.join(words)})" for name, words in groups.items()]
    return re.compile(r"(?<![\w])(?:" + "|".join(parts) + r")", re.IGNORECASE)


def group_to_role(group: str | None) -> str | None:
    return group.replace("_", "-") if group else None


# ---------------------------------------------------------------------------------------------
# Tables printed as pipe rows ("| Importo (€) | CIG |") in the document text
# ---------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Cell:
    text: str
    start: int
    end: int


@dataclass(slots=True)
class PipeTable:
    header: list[Cell]
    rows: list[list[Cell]]


_PIPE_LINE = re.compile(r"^[^\n]*\|[^\n]*$", re.MULTILINE)
_RULE = re.compile(r"^[\s|:\-–—]+$")


def _cells(text: str, start: int, end: int) -> list[Cell]:
    line = text[start:end]
    cells = []
    pos = 0
    body = line
    if body.lstrip().startswith("|"):
        pos = body.index("|") + 1
    while pos <= len(body):
        nxt = body.find("|", pos)
        if nxt < 0:
            nxt = len(body)
        raw = body[pos:nxt]
        lead = len(raw) - len(raw.lstrip())
        content = raw.strip()
        if content or nxt < len(body):
            s = start + pos + lead
            cells.append(Cell(content, s, s + len(content)))
        pos = nxt + 1
    while cells and not cells[-1].text:
        cells.pop()
    return cells


def pipe_tables(text: str) -> Iterator[PipeTable]:
    """Consecutive lines holding ``|`` form a table; its first row is the header."""
    if "|" not in text:
        return
    block: list[tuple[int, int]] = []
    prev_end = -2
    for m in _PIPE_LINE.finditer(text):
        if m.group(0).count("|") < 2 and not block:
            continue
        if block and m.start() != prev_end + 1:
            yield from _table(text, block)
            block = []
        block.append((m.start(), m.end()))
        prev_end = m.end()
    if block:
        yield from _table(text, block)


def _table(text: str, block: list[tuple[int, int]]) -> Iterator[PipeTable]:
    rows = [_cells(text, s, e) for s, e in block if not _RULE.match(text[s:e])]
    rows = [r for r in rows if r]
    if len(rows) >= 2:
        yield PipeTable(header=rows[0], rows=rows[1:])


# ---------------------------------------------------------------------------------------------
# One scan for many rules
# ---------------------------------------------------------------------------------------------


def first_chars(starts: str) -> set[str]:
    """Characters a simple ``starts`` regex (literals, ``[Xx]`` classes, ``\\.``) can begin with."""
    chars: set[str] = set()
    for alt in starts.split("|"):
        if alt.startswith("["):
            chars |= set(alt[1 : alt.index("]")])
        elif alt.startswith("\\"):
            chars.add(alt[1])
        else:
            chars.add(alt[0])
    return chars


class Dispatcher:
    """Scan the text once for where any rule can begin, then offer only the rules that can.

    ``rules`` pairs a ``starts`` regex (how a match begins) with whatever the caller needs; the
    scan is one compiled alternation, so the cost is one pass whatever the number of rules.
    """

    def __init__(self, rules: list[tuple[str, object]]) -> None:
        self.trigger = re.compile("|".join(f"(?:{starts})" for starts, _ in rules))
        self.by_char: dict[str, list[tuple[re.Pattern[str], object]]] = {}
        for starts, payload in rules:
            compiled = re.compile(starts)
            for ch in first_chars(starts):
                self.by_char.setdefault(ch, []).append((compiled, payload))

    def hits(self, text: str) -> Iterator[tuple[int, object]]:
        """``(position, payload)`` for every rule whose ``starts`` matches at a trigger hit."""
        for hit in self.trigger.finditer(text):
            pos = hit.start()
            for starts, payload in self.by_char.get(text[pos], ()):
                if starts.match(text, pos):
                    yield pos, payload
