"""Read tables back out of document text, with the span of every cell.

Parsers write tables into ``Document.text`` as pipe rows (``| a | b |``), and trafilatura does the
same for HTML tables, so the table and card extractors read cells from the text itself: every
claim they make quotes exactly the characters of its cell.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

_RULE = re.compile(r"^\|(?:\s*:?-{2,}:?\s*\|)+\s*$")


@dataclass(slots=True)
class Cell:
    text: str
    start: int
    end: int


@dataclass(slots=True)
class PipeTable:
    """Rows of cells; ``header`` is set when a ``|---|`` rule follows the first row."""

    header: list[Cell]
    rows: list[list[Cell]]
    start: int
    end: int
    all_rows: list[list[Cell]] = field(default_factory=list)


def _cells(line: str, offset: int) -> list[Cell]:
    bars = [i for i, ch in enumerate(line) if ch == "|"]
    out: list[Cell] = []
    for a, b in zip(bars, bars[1:], strict=False):
        raw = line[a + 1 : b]
        lead = len(raw) - len(raw.lstrip())
        body = raw.strip()
        s = offset + a + 1 + lead
        out.append(Cell(body, s, s + len(body)))
    return out


# The extractors read the same chunk's tables one after another: the last text's tables are kept.
_last: tuple[str, tuple[PipeTable, ...]] | None = None


def pipe_tables(text: str) -> Iterator[PipeTable]:
    """Every run of consecutive ``| … |`` lines in ``text``."""
    global _last
    if "|" not in text:
        return iter(())
    cached = _last  # read once: another thread may replace it meanwhile
    if cached is None or cached[0] is not text:
        cached = (text, tuple(_scan(text)))
        _last = cached
    return iter(cached[1])


def _scan(text: str) -> Iterator[PipeTable]:
    pos = 0
    block: list[tuple[int, str]] = []
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        stripped = body.strip()
        if stripped.startswith("|") and stripped.endswith("|") and len(stripped) > 1:
            block.append((pos + (len(body) - len(body.lstrip())), stripped))
        else:
            if block:
                yield _table(block)
            block = []
        pos += len(line)
    if block:
        yield _table(block)


def _table(block: list[tuple[int, str]]) -> PipeTable:
    rows: list[list[Cell]] = []
    header: list[Cell] = []
    for i, (offset, line) in enumerate(block):
        if _RULE.match(line):
            if i == 1 and rows:
                header = rows.pop()
            continue
        rows.append(_cells(line, offset))
    start = block[0][0]
    end = block[-1][0] + len(block[-1][1])
    return PipeTable(header, rows, start, end, ([header] if header else []) + rows)


# --------------------------------------------------------------------------- aligned text tables

# A cell of a whitespace-aligned table: words joined by single spaces; two or more spaces (or a
# tab) end it. Linear: each character is looked at once.
_ALIGNED_CELL = re.compile(r"[^\s|](?:[^\s]| (?=[^\s]))*")
_WIDE_GAP = re.compile(r"\S(?: {2,}|\t)\S")  # on one line only: cheap there
_NUMERIC = re.compile(r"^[€\d][\d.,\s%€]*$")
_last_aligned: tuple[str, tuple[PipeTable, ...]] | None = None


def aligned_tables(text: str) -> Iterator[PipeTable]:
    """Tables typed in plain text with columns lined up by spaces or tabs.

    A table is a header line of at least two cells, none of them a bare number, and the lines
    right after it with as many cells (cells are separated by runs of two or more spaces, or a
    tab), or with fewer cells that each lie under a header cell of their own (an empty cell is
    then ``Cell("")``). Any other line, a blank line or a pipe row ends it. Every cell
    keeps its span in ``text``. Signature blocks ("Il Sindaco      Il Segretario") read as
    tables too: callers take only tables whose header names the columns they want.
    """
    global _last_aligned
    if "  " not in text and "\t" not in text:
        return iter(())
    cached = _last_aligned
    if cached is None or cached[0] is not text:
        cached = (text, tuple(_scan_aligned(text)))
        _last_aligned = cached
    return iter(cached[1])


def _aligned_cells(line: str, offset: int) -> list[Cell]:
    if not _WIDE_GAP.search(line) or line.lstrip().startswith("|"):
        return []
    return [Cell(m.group(), offset + m.start(), offset + m.end())
            for m in _ALIGNED_CELL.finditer(line)]


def _under_header(header: list[Cell], head_line: int, cells: list[Cell], line: int) -> list[Cell]:
    """A row with empty cells, its cells put under the header cells they overlap (columns are
    measured from the start of each line); [] when they do not line up one to one."""
    out = [Cell("", c.start, c.start) for c in header]
    spans = [(c.start - head_line, c.end - head_line) for c in header]
    if cells[0].start - line >= spans[1][0]:
        return []  # the first cell (the row's label) must start before the second column
    out[0] = cells[0]
    last = 0
    for cell in cells[1:]:
        a, b = cell.start - line, cell.end - line
        # A column's room runs from the end of the header cell before it to the start of the
        # one after it; of the columns whose room holds the cell, the nearest header wins.
        fits = [k for k in range(1, len(spans)) if a >= spans[k - 1][1]
                and (k + 1 == len(spans) or b <= spans[k + 1][0])]
        if not fits:
            return []
        k = min(fits, key=lambda i: abs((a + b) - (spans[i][0] + spans[i][1])))
        if k <= last:
            return []
        out[k], last = cell, k
    return out


def _gap_lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of each line holding a wide gap, in order: only they can be table rows.
    Found with ``str.find`` (a regex scan of every position costs a hundred times more)."""
    lines: set[tuple[int, int]] = set()
    n = len(text)
    for sep in ("  ", "\t"):
        pos = text.find(sep)
        while pos >= 0:
            q = pos
            while q < n and text[q] in " \t":
                q += 1
            if pos > 0 and not text[pos - 1].isspace() and q < n and not text[q].isspace():
                start = text.rfind("\n", 0, pos) + 1
                end = text.find("\n", q)
                end = n if end < 0 else end
                lines.add((start, end))
                q = end
            pos = text.find(sep, q)
    return sorted(lines)


def _scan_aligned(text: str) -> Iterator[PipeTable]:
    block: list[list[Cell]] = []
    head_line = 0
    prev_end = -2
    for line_at, line_end in _gap_lines(text):
        cells = _aligned_cells(text[line_at:line_end].rstrip("\r"), line_at)
        if line_at != prev_end + 1:
            # a line without a wide gap came between: the block before it has ended
            if len(block) >= 2:
                yield PipeTable(block[0], block[1:], block[0][0].start, block[-1][-1].end, block)
            block = []
        prev_end = line_end
        if block and len(cells) == len(block[0]):
            block.append(cells)
            continue
        if block and 2 <= len(cells) < len(block[0]):
            row = _under_header(block[0], head_line, cells, line_at)
            if row:
                block.append(row)
                continue
        if len(block) >= 2:
            yield PipeTable(block[0], block[1:], block[0][0].start, block[-1][-1].end, block)
        header = len(cells) >= 2 and not any(_NUMERIC.match(c.text) for c in cells)
        block = [cells] if header else []
        head_line = line_at
    if len(block) >= 2:
        yield PipeTable(block[0], block[1:], block[0][0].start, block[-1][-1].end, block)


def caption_above(text: str, start: int, max_back: int = 3) -> str:
    """The nearest non-empty line above a table starting at ``start`` (its caption or title)."""
    pos = text.rfind("\n", 0, start) + 1
    for _ in range(max_back):
        if pos <= 0:
            return ""
        prev = text.rfind("\n", 0, pos - 1) + 1
        line = text[prev : pos - 1].strip()
        if line:
            return "" if line.startswith("|") else line
        pos = prev
    return ""


# --------------------------------------------------------------------------- values

_AMOUNT = re.compile(
    r"^(?:€|eur(?:o)?\.?)?\s*(?P<n>-?\d{1,3}(?:[.\s\u00a0]\d{3})*(?:,\d+)?|-?\d+(?:[.,]\d+)?)"
    r"\s*(?:€|eur(?:o)?)?$",
    re.IGNORECASE,
)
_DATE = re.compile(r"(?<!\d)(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})(?!\d)")


def parse_number(raw: str) -> float | None:
    """Italian or plain numbers: "1.149.465,93", "496.931,00", "2.00", "95", "30,5 %"."""
    s = raw.strip().rstrip("%").strip().replace("\u00a0", " ")
    m = _AMOUNT.match(s)
    if not m:
        return None
    n = m.group("n").replace(" ", "")
    if "," in n:
        n = n.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"-?\d{1,3}(?:\.\d{3})+", n):
        n = n.replace(".", "")
    try:
        return float(n)
    except ValueError:
        return None


def parse_amount(raw: str) -> float | None:
    """A money cell: a number with an optional € or "euro"; None for anything else."""
    return parse_number(raw) if raw.strip() else None


def find_dates(raw: str) -> list[tuple[str, int, int]]:
    """Day-first numeric dates in a cell: ``(iso, start, end)`` relative to the cell."""
    out = []
    for m in _DATE.finditer(raw):
        d, mth, y = int(m.group(1)), int(m.group(2)), m.group(3)
        year = int(y) if len(y) == 4 else (2000 + int(y) if int(y) < 70 else 1900 + int(y))
        try:
            out.append((date(year, mth, d).isoformat(), m.start(), m.end()))
        except ValueError:
            continue
    return out


def match_column(header: str, options: list[str]) -> bool:
    """True when a header cell contains one of the patterns (regex fragments, case-insensitive)."""
    h = " ".join(header.lower().split())
    return any(re.search(p, h) for p in options)
