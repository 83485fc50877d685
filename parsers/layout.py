"""Text clean-up shared by the PDF and office parsers: hyphenation, running heads, table rendering.

Tables are written into ``Document.text`` as pipe rows (``| a | b |``), the same shape trafilatura
gives HTML tables, so one table reader in the extractors serves every format and every cell a
claim is read from has a span in the text.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from models.records import Table

# A word broken at the end of a line: letters then "-" (not "2014-" nor "socio- e").
_HYPHEN_END = re.compile(r"(?<=[a-zà-öø-ÿ])-$")
_LOWER_START = re.compile(r"^[a-zà-öø-ÿ]")
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
    lines = [ln.strip() for ln in cell.replace("\r", "\n").split("\n")]
    return " ".join(join_hyphenated([ln for ln in lines if ln])).replace("|", "/").strip()


def join_hyphenated(lines: Sequence[str]) -> list[str]:
    """Rejoin words split across lines ("inclu-" + "sione ...") by moving the tail up a line.

    Only a letter, a hyphen and a lower-case continuation count, so "2014-" + "2020" and
    "socio- e sanitario" stay as printed.
    """
    out: list[str] = []
    for line in lines:
        if out and _HYPHEN_END.search(out[-1]) and _LOWER_START.match(line):
            head, _, rest = line.partition(" ")
            out[-1] = out[-1][:-1] + head
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


def strip_running_lines(pages: list[list[str | Table]], depth: int = 2) -> list[list[str | Table]]:
    """Remove page numbers and headers/footers repeated on many pages.

    A line among the first or last ``depth`` text lines of a page is a running line when its
    shape recurs at the same end on at least half the pages (and on two or more). Page-number
    lines go everywhere; other running lines keep their first occurrence, since a repeated
    heading such as "Provincia di Cremona - Piano della Performance" still says who wrote it.
    """

    def ends(items: list[str | Table]) -> tuple[list[int], list[int]]:
        idx = [i for i, it in enumerate(items) if isinstance(it, str) and it.strip()]
        return idx[:depth], idx[-depth:] if idx else []

    counts: Counter[tuple[str, str]] = Counter()
    for items in pages:
        top, bottom = ends(items)
        seen = {("top", _shape(items[i])) for i in top}
        seen |= {("bottom", _shape(items[i])) for i in bottom}
        counts.update(seen)
    threshold = max(2, (len(pages) + 1) // 2)
    kept_once: set[tuple[str, str]] = set()
    out: list[list[str | Table]] = []
    for items in pages:
        top, bottom = ends(items)
        drop: set[int] = set()
        trimmed: dict[int, str] = {}
        for where, group in (("top", top), ("bottom", bottom)):
            for i in group:
                line = items[i]
                assert isinstance(line, str)
                key = (where, _shape(line))
                if PAGE_NUMBER.match(line):
                    drop.add(i)
                elif counts[key] >= threshold and len(pages) > 1:
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
