"""Text clean-up shared by the PDF and office parsers: hyphenation, running heads, table rendering.

Tables are written into ``Document.text`` as pipe rows (``| a | b |``), the same shape trafilatura
gives HTML tables, so one table reader in the extractors serves every format and every cell a
claim is read from has a span in the text.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from functools import cache
from importlib import resources

from models.records import Table

# A word broken at the end of a line: a letter then "-" (not "2014-" nor "socio- e").
_HYPHEN_END = re.compile(r"(?<=[A-Za-zÀ-ÖØ-öø-ÿ])-$")
_LOWER_START = re.compile(r"^[a-zà-öø-ÿ]")
_UPPER_OR_DIGIT_START = re.compile(r"^[A-ZÀ-ÖØ-Þ0-9]")
_LAST_WORD = re.compile(r"([A-Za-zÀ-ÖØ-öø-ÿ]+)-$")
# Lines that are only a page number: "3", "- 3 -", "Pag. 3", "Pagina 3 di 10", "3/10", "3 di 10".
PAGE_NUMBER = re.compile(
    r"^\s*(?:[-–—]\s*)?(?:pag(?:ina|\.)?\s*)?\d{1,4}(?:\s*(?:/|di|of)\s*\d{1,4})?(?:\s*[-–—])?\s*$",
    re.IGNORECASE,
)
# A running line that carries a page number somewhere: "Obiettivo X - Pagina 1 di 2".
PAGE_NUMBER_INSIDE = re.compile(r"\bpag(?:ina|\.)\s*\d{1,4}(?:\s*(?:/|di|of)\s*\d{1,4})?", re.I)


def clean_cell(cell: str | None) -> str:
    """One line per cell: rejoin hyphenated words, collapse whitespace, keep pipes out."""
    if not cell:
        return ""
    lines = [ln.strip() for ln in resolve_line_breaks(cell).replace("\r", "\n").split("\n")]
    return " ".join(join_hyphenated([ln for ln in lines if ln])).replace("|", "/").strip()


@cache
def _hyphenation() -> tuple[frozenset[str], tuple[str, ...], frozenset[str]]:
    """Compound prefixes, single-word stems and conjunctions from patterns/hyphenation.toml."""
    raw = (resources.files("parsers") / "patterns" / "hyphenation.toml").read_text("utf-8")
    data = tomllib.loads(raw)
    return (
        frozenset(p.lower() for p in data["compound_prefixes"]),
        tuple(s.lower() for s in data["single_word_stems"]),
        frozenset(c.lower() for c in data["conjunctions"]),
    )


def _hyphen_join(line: str, nxt: str) -> str | None:
    """How ``line`` (ending in letter + "-") and the first word of ``nxt`` join, or None.

    "" drops the hyphen ("inclu-" + "sione"); "-" keeps it: after a compound prefix written
    with a hyphen ("socio-" + "educativo"), after an upper-case word ("PON-" + "inclusione"),
    or before a capital or a digit ("Emilia-" + "Romagna", "Covid-" + "19"). None leaves the
    lines as printed: a conjunction follows ("socio-" + "e sanitari").
    """
    if not _HYPHEN_END.search(line) or not nxt:
        return None
    prefixes, stems, conjunctions = _hyphenation()
    head = nxt.split(" ", 1)[0]
    if head.lower() in conjunctions:
        return None
    if _UPPER_OR_DIGIT_START.match(nxt):
        return "-"
    if not _LOWER_START.match(nxt):
        return None
    m = _LAST_WORD.search(line)
    word = m.group(1) if m else ""
    if word.isupper() and len(word) > 1:
        return "-"
    if word.lower() in prefixes and not head.lower().startswith(stems):
        return "-"
    return ""


# pdfium's mark for a hyphen it took as a line-end word break, with the line break removed:
# "socio\ufffeeducativo" was printed "socio-" / "educativo" (U+FFFE from get_text_range,
# U+0002 from get_text_bounded).
_SOFT_BREAK = re.compile(r"([A-Za-zÀ-ÖØ-öø-ÿ]*)[\ufffe\x02](\S*)")


def resolve_line_breaks(text: str) -> str:
    """Decide pdfium's line-end hyphens (U+FFFE, U+0002) with the rule of ``join_hyphenated``.

    pdfium joins a word broken at a line end itself and leaves this mark where the hyphen was;
    the mark becomes nothing ("inclusione"), a hyphen ("socio-educativo", "Emilia-Romagna"), or
    the hyphen and the line break again when the lines should stay as printed.
    """
    if "\ufffe" not in text and "\x02" not in text:
        return text

    def one(m: re.Match[str]) -> str:
        word, nxt = m.group(1), m.group(2)
        joint = _hyphen_join(word + "-", nxt) if word else None
        if joint is None:
            return f"{word}-\n{nxt}" if word else nxt
        return word + joint + nxt

    return _SOFT_BREAK.sub(one, text)


def join_hyphenated(lines: Sequence[str]) -> list[str]:
    """Rejoin words split across lines ("inclu-" + "sione ...") by moving the tail up a line.

    The hyphen goes for a plain word break and stays for a compound ("socio-" + "educativo"
    gives "socio-educativo"; see ``_hyphen_join``). "2014-" + "2020" and "socio- e sanitario"
    stay as printed.
    """
    out: list[str] = []
    for line in lines:
        joint = _hyphen_join(out[-1], line) if out else None
        if joint is not None:
            head, _, rest = line.partition(" ")
            out[-1] = out[-1][:-1] + joint + head
            if rest.strip():
                out.append(rest.lstrip())
        else:
            out.append(line)
    return out


def _shape(line: str) -> str:
    """How running lines compare: exactly, but with numbers blanked on page-number lines.

    "Obiettivo 2017_3504 - Pagina 1 di 2" and "... Pagina 2 di 2" are the same running line;
    "Capitolo 1" and "Capitolo 2" are not.
    """
    flat = " ".join(line.split()).lower()
    if PAGE_NUMBER.match(flat) or PAGE_NUMBER_INSIDE.search(flat):
        return re.sub(r"\d+", "#", flat)
    return flat


def _ends(items: list[str | Table], depth: int) -> tuple[list[int], list[int]]:
    """Indexes of the first and last ``depth`` text lines of a page."""
    idx = [i for i, it in enumerate(items) if isinstance(it, str) and it.strip()]
    return idx[:depth], idx[-depth:] if idx else []


def _end_line_counts(pages: list[list[str | Table]], depth: int) -> Counter[tuple[str, str]]:
    """On how many pages each line shape appears among the first / last lines."""
    counts: Counter[tuple[str, str]] = Counter()
    for items in pages:
        top, bottom = _ends(items, depth)
        seen = {("top", _shape(items[i])) for i in top}
        seen |= {("bottom", _shape(items[i])) for i in bottom}
        counts.update(seen)
    return counts


def running_lines(pages: list[list[str | Table]], depth: int = 2) -> set[tuple[str, str]]:
    """``("top"|"bottom", shape)`` of the lines ``strip_running_lines`` treats as running.

    Read before stripping: a running head kept once still sits between a table and the page
    edge, and ``join_continued_tables`` must look past it.
    """
    threshold = max(2, (len(pages) + 1) // 2)
    if len(pages) < 2:
        return set()
    return {k for k, n in _end_line_counts(pages, depth).items() if n >= threshold}


def strip_running_lines(
    pages: list[list[str | Table]],
    depth: int = 2,
    running: AbstractSet[tuple[str, str]] | None = None,
) -> list[list[str | Table]]:
    """Remove page numbers and headers/footers repeated on many pages.

    A line among the first or last ``depth`` text lines of a page is a running line when its
    shape recurs at the same end on at least half the pages (and on two or more). Page-number
    lines go everywhere; other running lines keep their first occurrence, since a repeated
    heading such as "Provincia di Cremona - Piano della Performance" still says who wrote it.
    ``running`` is ``running_lines(pages, depth)`` when the caller has it already.
    """
    if running is None:
        running = running_lines(pages, depth)
    kept_once: set[tuple[str, str]] = set()
    out: list[list[str | Table]] = []
    for items in pages:
        top, bottom = _ends(items, depth)
        drop: set[int] = set()
        trimmed: dict[int, str] = {}
        for where, group in (("top", top), ("bottom", bottom)):
            for i in group:
                line = items[i]
                assert isinstance(line, str)
                key = (where, _shape(line))
                if PAGE_NUMBER.match(line):
                    drop.add(i)
                elif key in running:
                    if PAGE_NUMBER_INSIDE.search(line) or key in kept_once:
                        drop.add(i)
                    else:
                        kept_once.add(key)
                elif where == "bottom" and PAGE_NUMBER_INSIDE.search(line):
                    # A footer of its own ("Comune di X - Pagina 1") goes; a sentence that
                    # ends with the page number keeps its words ("Elenco aggiornato al ...").
                    rest = PAGE_NUMBER_INSIDE.sub("", line).strip(" -–|.,;")
                    if len(rest.split()) >= 4:
                        trimmed[i] = rest + ("." if line.rstrip().endswith(".") else "")
                    else:
                        drop.add(i)
        out.append([trimmed.get(i, it) for i, it in enumerate(items) if i not in drop])
    return out


def _columns(table: Table) -> int:
    return len(table.header) if table.header else len(table.rows[0]) if table.rows else 0


def _same_cells(a: Sequence[str], b: Sequence[str]) -> bool:
    def flat(cells: Sequence[str]) -> list[str]:
        return [" ".join(c.split()).casefold() for c in cells]

    return flat(a) == flat(b)


def join_continued_tables(
    pages: list[list[str | Table]],
    at_bottom: AbstractSet[int],
    at_top: AbstractSet[int],
    running: AbstractSet[tuple[str, str]] = frozenset(),
) -> list[list[int]]:
    """Join a table that goes on over the next page into one table, in place.

    A table that is the last thing on page N (only running lines below it) and lies in the
    bottom part of the page (``id(table) in at_bottom``) continues into the table that is the
    first thing on page N+1 (only running lines above it, ``id in at_top``) when both have the
    same number of columns and the second has no header or repeats the first one's header.
    The repeated header is dropped, the rows are appended, and ``row_pages`` says on which
    page each row is printed. Returns the pages of every joined table.
    """

    def edge(items: list[str | Table], where: str) -> int | None:
        """Index of the first (top) or last (bottom) item that is not a running line."""
        order = range(len(items)) if where == "top" else range(len(items) - 1, -1, -1)
        for k in order:
            it = items[k]
            if isinstance(it, Table) or (it.strip() and (where, _shape(it)) not in running):
                return k
        return None

    at_bottom = set(at_bottom)
    joined: list[list[int]] = []
    open_table: Table | None = None
    for items in pages:
        top = edge(items, "top") if open_table is not None else None
        if open_table is not None and top is not None:
            first = items[top]
            if (
                isinstance(first, Table)
                and id(first) in at_top
                and first.page is not None
                and _columns(first) == _columns(open_table)
                and all(len(r) == _columns(open_table) for r in first.rows)
                and (not first.header or (open_table.header
                                          and _same_cells(first.header, open_table.header)))
            ):
                if open_table.row_pages is None:
                    open_table.row_pages = [open_table.page or 0] * len(open_table.rows)
                    joined.append([open_table.page or 0])
                open_table.rows.extend(first.rows)
                open_table.row_pages.extend([first.page] * len(first.rows))
                joined[-1].append(first.page)
                del items[top]
                if id(first) in at_bottom and edge(items, "bottom") is None:
                    continue  # the whole page was the table: it may go on again
        bottom = edge(items, "bottom")
        last = items[bottom] if bottom is not None else None
        open_table = last if isinstance(last, Table) and id(last) in at_bottom else None
    return joined


def render_table(table: Table) -> str:
    """Pipe rows, header first and followed by a ``|---|`` rule when the table has one."""
    lines = []
    if table.header:
        lines.append(_row(table.header))
        lines.append("|" + "---|" * len(table.header))
    lines.extend(_row(r) for r in table.rows)
    return "\n".join(lines)


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(c.replace("\n", " ").replace("|", "/") for c in cells) + " |"


def assemble(pages: list[list[str | Table]]) -> tuple[str, list[Table]]:
    """Join pages (blank line between) and set each table's start/end in the joined text."""
    parts: list[str] = []
    tables: list[Table] = []
    pos = 0

    def add(s: str) -> None:
        nonlocal pos
        parts.append(s)
        pos += len(s)

    first_page = True
    for items in pages:
        if not any((isinstance(it, str) and it.strip()) or isinstance(it, Table) for it in items):
            continue
        if not first_page:
            add("\n\n")
        first_page = False
        prev_table = False
        first_item = True
        for it in items:
            if isinstance(it, Table):
                if not first_item:
                    add("\n\n")
                it.start = pos
                add(render_table(it))
                it.end = pos
                tables.append(it)
                prev_table = True
            else:
                if not it.strip():
                    continue
                if not first_item:
                    add("\n\n" if prev_table else "\n")
                add(it)
                prev_table = False
            first_item = False
    return "".join(parts), tables


def looks_like_header(cells: Sequence[str]) -> bool:
    """A first row is a header unless most of its cells after the first hold numbers or amounts.

    Years ("2021", "Anno 2022") are header words: financial tables put them in the header row.
    """
    rest = [c for c in cells[1:] if c.strip()]
    if not rest:
        return False
    numeric = sum(
        1
        for c in rest
        if re.search(r"\d", c)
        and not re.search(r"[A-Za-z]{3}", c)
        and not re.fullmatch(r"\s*(?:19|20)\d{2}\s*", c)
    )
    return numeric * 2 < len(rest)
