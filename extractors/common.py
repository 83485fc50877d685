"""Helpers the extractors share: Italian numbers, the label before a value, pipe tables.

Kept apart from the extractor modules so that each of them stays a short list of rules.
Everything here is linear in the text: compiled regexes and ``str.rfind``, no per-token loops.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, insort
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from extractors.pipetables import Cell
from extractors.pipetables import pipe_tables as _read_pipe_tables

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


@lru_cache(maxsize=1)
def number_words() -> frozenset[str]:
    """Italian number words from 2 to 999 and thousands up to 99 000, generated (and checked
    against :func:`words_to_int`) rather than typed."""
    units = {v: k for k, v in _UNITS.items() if k not in ("un", "una", "zero")}
    below_100: dict[int, list[str]] = {n: [units[n]] for n in range(2, 20)}
    below_100[1] = ["uno"]
    for word, tens in _TENS.items():
        below_100[tens] = [word]
        for u in range(1, 10):
            stem = word[:-1] if u in (1, 8) else word
            forms = [stem + units[u] if u > 1 else stem + "uno"]
            if u == 3:
                forms.append(stem + "tré")
            below_100[tens + u] = forms
    out: set[str] = set()
    for n in range(2, 100):
        out.update(below_100[n])
    for h in range(1, 10):
        head = "cento" if h == 1 else units[h] + "cento"
        out.add(head)
        for n in range(1, 100):
            out.update(head + f for f in below_100[n])
    out.add("mille")
    for n in range(2, 100):
        out.update(f + "mila" for f in below_100[n])
    return frozenset(w for w in out if words_to_int(w) is not None)


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


def sentence_before(text: str, start: int, limit: int = 160) -> str:
    """The sentence before ``start`` across single line breaks (PDF text wraps mid-sentence),
    stopping at a sentence end, a blank line or a table cell."""
    prefix = text[max(0, start - limit) : start]
    cut = max([prefix.rfind("|"), *(m.end() - 1 for m in _SENTENCE_END.finditer(prefix))])
    return prefix[cut + 1 :]


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
    """One compiled alternation with a named group per role, from TOML lists of regexes.

    A lookahead on the characters a keyword can begin with comes first: it matches the same
    keywords, but Python's re then rejects most positions without trying every alternative.
    """
    parts = [f"(?P<{name.replace('-', '_')}>{'|'.join(words)})" for name, words in groups.items()]
    starts = leading_pairs("|".join(w for words in groups.values() for w in words))
    alts = [
        re.escape(first) + ("" if "" in nxt else "[" + "".join(map(re.escape, sorted(nxt))) + "]")
        for first, nxt in sorted((starts or {}).items())
    ]
    guard = "(?=" + "|".join(alts) + ")" if alts else ""
    return re.compile(r"(?<![\w])" + guard + "(?:" + "|".join(parts) + r")", re.IGNORECASE)


def _closing(regex: str, i: int, open_: str, close: str) -> int:
    """Index of the bracket closing the one at ``regex[i]`` (escapes and classes skipped)."""
    depth = 0
    while i < len(regex):
        c = regex[i]
        if c == "\\":
            i += 2
            continue
        if c == "[" and open_ == "(":
            i = _closing(regex, i, "[", "]") + 1
            continue
        if c == open_ and (open_ == "(" or depth == 0):
            depth += 1
        elif c == close:
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise ValueError(f"unbalanced {open_} in {regex!r}")


def _top_level_split(regex: str) -> list[str]:
    """The alternatives of ``regex`` split at its top-level ``|``."""
    out, depth, start, i = [], 0, 0, 0
    while i < len(regex):
        c = regex[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":
            i = _closing(regex, i, "[", "]") + 1
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            out.append(regex[start:i])
            start = i + 1
        i += 1
    out.append(regex[start:])
    return out


_ESCAPE = re.compile(r"\\(?:x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|([^A-Za-z0-9]))")


# Leading lookbehinds without nested brackets ("(?<!a )", "(?<!al )").
_LOOKBEHINDS = re.compile(r"^(?:\(\?<[!=][^()\[\]\\]*\))+")


def leading_pairs(regex: str) -> dict[str, set[str]] | None:
    """What any match of ``regex`` begins with: first character → the second characters that
    may follow it ("" among them when any may), or None when that is not plain. Reads what
    :func:`leading_chars` reads; a second character is known only after a plain first one."""
    out: dict[str, set[str]] = {}
    for alt in _top_level_split(regex):
        first = _leading_of_alternative(alt)
        if first is None:
            return None
        second: set[str] | None = None
        bare = _LOOKBEHINDS.sub("", alt)
        if bare and bare[0] not in "([\\":
            rest = bare[1:]
            if rest and rest[0] not in "+?*{(":
                second = _leading_of_alternative(rest)
        for c in first:
            out.setdefault(c, set()).update(second or {""})
    return out


def leading_chars(regex: str) -> set[str] | None:
    """The characters any match of ``regex`` must begin with, or None when that is not plain.

    Reads literals, escaped punctuation, ``\\xNN``, ``[...]`` classes without ranges, ``(?:...)``
    groups and leading lookbehinds; anything else (``\\w``, ``.``, a quantifier that makes the
    first element optional) gives None, so a caller only ever adds a guard it can trust.
    """
    chars: set[str] = set()
    for alt in _top_level_split(regex):
        first = _leading_of_alternative(alt)
        if first is None:
            return None
        chars |= first
    return chars


def _leading_of_alternative(alt: str) -> set[str] | None:
    i = 0
    while alt.startswith(("(?<!", "(?<="), i):
        i = _closing(alt, i, "(", ")") + 1
    if i >= len(alt):
        return None
    c = alt[i]
    found: set[str] | None
    if c == "(":
        end = _closing(alt, i, "(", ")")
        if not alt.startswith("(?:", i):
            return None
        found, nxt = leading_chars(alt[i + 3 : end]), end + 1
    elif c == "[":
        end = _closing(alt, i, "[", "]")
        body = alt[i + 1 : end]
        if not body or body[0] == "^":
            return None
        found, j = set(), 0
        while j < len(body):
            if body[j] == "\\":
                m = _ESCAPE.match(body, j)
                if m is None:
                    return None
                found.add(chr(int(m.group(1) or m.group(2), 16)) if not m.group(3)
                          else m.group(3))
                j = m.end()
            elif body[j] == "-" and 0 < j < len(body) - 1:
                return None  # a range
            else:
                found.add(body[j])
                j += 1
        nxt = end + 1
    elif c == "\\":
        m = _ESCAPE.match(alt, i)
        if m is None:
            return None
        found = {chr(int(m.group(1) or m.group(2), 16)) if not m.group(3) else m.group(3)}
        nxt = m.end()
    elif c in ".^$)|*+?{":
        return None
    else:
        found, nxt = {c}, i + 1
    if nxt < len(alt) and alt[nxt] in "?*{":
        return None  # the first element may be absent
    return found


def group_to_role(group: str | None) -> str | None:
    return group.replace("_", "-") if group else None


# ---------------------------------------------------------------------------------------------
# Tables printed as pipe rows ("| Importo (€) | CIG |") in the document text
# ---------------------------------------------------------------------------------------------


def pipe_tables(text: str) -> Iterator[HeadedTable]:
    """Tables printed as pipe rows, with their first row taken as the header.

    The cell reader is extractors.pipetables (shared with the table and card extractors); here
    a table needs a header and at least one row, whether or not a ``|---|`` rule follows it.
    """
    for table in _read_pipe_tables(text):
        rows = [r for r in table.all_rows if r]
        if len(rows) >= 2:
            yield HeadedTable(header=rows[0], rows=rows[1:])


@dataclass(slots=True)
class HeadedTable:
    header: list[Cell]
    rows: list[list[Cell]]


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


def expand_literal(alt: str) -> list[str]:
    """Every string a simple regex (literals, ``[abc]``, ``\\.``, ``x?``) matches."""
    outs = [""]
    i = 0
    while i < len(alt):
        c = alt[i]
        if c == "[":
            j = alt.index("]", i)
            opts = list(alt[i + 1 : j])
            i = j + 1
        elif c == "\\":
            opts = [alt[i + 1]]
            i += 2
        else:
            opts = [c]
            i += 1
        if i < len(alt) and alt[i] == "?":
            opts.append("")
            i += 1
        outs = [o + x for o in outs for x in opts]
    return outs


def trie_regex(words: set[str]) -> str:
    """One regex matching any of ``words``, factored by common prefixes."""
    root: dict = {}
    for w in words:
        node = root
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        alts = [re.escape(ch) + build(sub) for ch, sub in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(root)


# What a ``starts`` regex may hold: literal characters, escaped punctuation, ``[abc]`` classes
# (no ranges, no negation), an optional ``?`` after any of them, and ``|`` between alternatives.
_SIMPLE_STARTS = re.compile(
    r"(?:(?:[^\\\[\](){}*+?|^$.]|\\[^A-Za-z0-9]|\[(?:[^\]\\^-]|\\.)+\])\??)+"
    r"(?:\|(?:(?:[^\\\[\](){}*+?|^$.]|\\[^A-Za-z0-9]|\[(?:[^\]\\^-]|\\.)+\])\??)+)*"
)


class Dispatcher:
    """Scan the text once for where any rule can begin, then offer only the rules that can.

    ``rules`` pairs a ``starts`` regex (how a match begins: a simple alternation of literals, see
    ``_SIMPLE_STARTS``) with whatever the caller needs; the scan is one compiled alternation, so
    the cost is one pass whatever the number of rules.
    """

    def __init__(self, rules: list[tuple[str, object]]) -> None:
        literals: set[str] = set()
        for starts, _ in rules:
            if not _SIMPLE_STARTS.fullmatch(starts):
                raise ValueError(f"starts is not a simple alternation of literals: {starts!r}")
            for alt in starts.split("|"):
                literals.update(expand_literal(alt))
        # A trie-shaped alternation: Python's re then rejects most positions on one character.
        self.trigger = re.compile(trie_regex(literals))
        self.by_char: dict[str, list[tuple[re.Pattern[str], object]]] = {}
        for starts, payload in rules:
            compiled = re.compile(starts)
            for ch in first_chars(starts):
                self.by_char.setdefault(ch, []).append((compiled, payload))
        self._by_literal: dict[str, list[object]] = {}

    def _payloads(self, literal: str) -> list[object]:
        """The rules whose ``starts`` matches where the trigger read ``literal``.

        The trigger reads the longest literal of any rule at a position; a simple ``starts``
        matches the text there exactly when it matches a prefix of that literal, so the answer
        depends on the literal alone and is worked out once per literal, not once per hit.
        """
        found = self._by_literal.get(literal)
        if found is None:
            found = [p for rx, p in self.by_char.get(literal[0], ()) if rx.match(literal)]
            self._by_literal[literal] = found
        return found

    def hits(self, text: str) -> Iterator[tuple[int, object]]:
        """``(position, payload)`` for every rule whose ``starts`` matches at a trigger hit."""
        for hit in self.trigger.finditer(text):
            pos = hit.start()
            for payload in self._payloads(hit.group()):
                yield pos, payload


class Spans:
    """Character spans already claimed, with an overlap test in O(log n) (no list scans)."""

    def __init__(self) -> None:
        self._spans: list[tuple[int, int]] = []
        self._max_len = 0

    def add(self, start: int, end: int) -> None:
        insort(self._spans, (start, end))
        self._max_len = max(self._max_len, end - start)

    def overlaps(self, start: int, end: int) -> bool:
        # Only spans starting after ``start - longest`` can reach into [start, end).
        i = bisect_left(self._spans, (start - self._max_len, -1))
        for s, e in self._spans[i:]:
            if s >= end:
                return False
            if e > start:
                return True
        return False
