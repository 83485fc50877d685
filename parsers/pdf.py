"""PDF → Document: pypdfium2 for text and ruled tables, pdfplumber where needed, OCR for scans.

Why not pdfplumber everywhere: it reads about 10 pages a second here, pypdfium2 about 1,000.
Ruled tables (the usual shape in performance plans and project cards) are read from pdfium's own
path objects and text boxes; pdfplumber is called only on pages that look tabular but have no
rulings. Pages without a text layer are rendered with pdfium and read by Tesseract.

Every limit (pages, seconds, pixels, inflated bytes) is in :class:`PdfLimits`, so a 500-page
file or a decompression bomb ends as a bounded Document or a ParseError, never as a hang.
"""

from __future__ import annotations

import ctypes
import io
import re
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from models.records import Document, Table
from parsers.errors import ParseError
from parsers.garble import garbled_reason
from parsers.layout import (
    assemble,
    clean_cell,
    join_continued_tables,
    join_hyphenated,
    looks_like_header,
    resolve_line_breaks,
    running_lines,
    strip_running_lines,
)

NAME = "pdf-pdfium"
VERSION = "0.3.0"


@dataclass(frozen=True, slots=True)
class PdfLimits:
    """Bounds on the work one PDF may cause; the Document says when one was reached."""

    max_pages: int = 400
    max_seconds: float = 120.0
    max_ocr_pages: int = 30
    max_plumber_pages: int = 50
    ocr_dpi: int = 300
    ocr_timeout_seconds: float = 60.0
    max_render_pixels: int = 12_000_000
    max_stream_bytes: int = 256 * 1024 * 1024
    max_inflated_bytes: int = 1024 * 1024 * 1024
    max_image_pixels: int = 400_000_000
    ocr_languages: tuple[str, ...] = field(default=("ita", "eng"))


DEFAULT_LIMITS = PdfLimits()

# Geometry tolerances in PDF points.
_SNAP = 2.0  # rulings closer than this are one line
_MIN_RULE = 4.0  # shorter segments are not rulings
_PAD = 1.0  # shrink cell boxes so neighbour text is not picked up
# A page drawn with more path objects than this is a drawing (a plan, a map), not a table:
# pdfplumber would re-parse every stroke in Python (about 4 s per 20,000) to find none.
_DRAWING_PATHS = 5000


# --------------------------------------------------------------------------- guards


_STREAM = re.compile(rb"(?<!end)stream\r?\n")
_WIDTH = re.compile(rb"/Width\s+(\d+)")
_HEIGHT = re.compile(rb"/Height\s+(\d+)")


def check_streams(data: bytes, limits: PdfLimits = DEFAULT_LIMITS) -> None:
    """Refuse decompression bombs before pdfium inflates anything.

    Flate streams other than images are inflated in bounded steps (content streams are what
    text extraction decodes); image streams are judged by their declared size, since only
    rendering decodes them.
    """
    total = 0
    for m in _STREAM.finditer(data):
        head = data[max(0, m.start() - 400) : m.start()]
        dict_start = head.rfind(b"<<")
        head = head[dict_start:] if dict_start >= 0 else head
        if b"/Image" in head:
            w, h = _WIDTH.search(head), _HEIGHT.search(head)
            if w and h and int(w.group(1)) * int(h.group(1)) > limits.max_image_pixels:
                raise ParseError(
                    f"decompression bomb: an image declares {int(w.group(1))}×{int(h.group(1))} "
                    "pixels"
                )
            continue
        if b"/FlateDecode" not in head and b"/Fl " not in head and b"/Fl]" not in head:
            continue
        end = data.find(b"endstream", m.end())
        body = data[m.end() : end if end > 0 else len(data)]
        inflated = _bounded_inflate(body, limits.max_stream_bytes + 1)
        if inflated > limits.max_stream_bytes:
            raise ParseError(
                f"decompression bomb: a {len(body):,}-byte stream inflates past "
                f"{limits.max_stream_bytes // (1024 * 1024)} MB"
            )
        total += inflated
        if total > limits.max_inflated_bytes:
            raise ParseError(
                f"decompression bomb: streams inflate past {limits.max_inflated_bytes // 2**20} MB"
            )


def _bounded_inflate(body: bytes, cap: int) -> int:
    """Bytes a flate stream inflates to, stopping as soon as ``cap`` is passed.

    Every step must consume input or produce output: bytes after the end of the zlib stream
    (the line break before ``endstream``, padding) and a stream cut short both end the count
    with what was inflated so far instead of asking zlib again forever.
    """
    d = zlib.decompressobj()
    size = 0
    buf = body
    try:
        while size <= cap and not d.eof:
            out = d.decompress(buf, 1 << 20)
            size += len(out)
            tail = d.unconsumed_tail
            if not out and len(tail) >= len(buf):
                break  # no progress: input exhausted or the rest is not deflate data
            buf = tail
    except zlib.error:
        return size  # a damaged stream is pdfium's problem, not a bomb
    return size


# --------------------------------------------------------------------------- rulings → tables


@dataclass(slots=True)
class _Rule:
    pos: float  # y of a horizontal rule, x of a vertical one
    lo: float
    hi: float


def _mul(m: tuple[float, ...], n: tuple[float, ...]) -> tuple[float, ...]:
    """Matrix m then n, PDF order (a b c d e f)."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E,
            e * B + f * D + F)


def _obj_matrix(raw: Any, fs: Any = None) -> tuple[float, ...]:
    fs = fs if fs is not None else pdfium_c.FS_MATRIX()
    if not pdfium_c.FPDFPageObj_GetMatrix(raw, fs):
        return (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    return (fs.a, fs.b, fs.c, fs.d, fs.e, fs.f)


def _collect_paths(page: pdfium.PdfPage) -> tuple[list[_Rule], list[_Rule], int, int]:
    """Axis-aligned segments of every path on the page (forms included), the image count and
    the path count.

    Four pdfium calls per path segment: the functions and the output cells are bound once
    here, since on a page of ruled cells these calls are most of the table detection's cost.
    """
    horiz: list[_Rule] = []
    vert: list[_Rule] = []
    images = 0
    paths = 0
    x = ctypes.c_float()
    y = ctypes.c_float()
    xr, yr = ctypes.byref(x), ctypes.byref(y)
    fs = pdfium_c.FS_MATRIX()
    obj_type = pdfium_c.FPDFPageObj_GetType
    count_segments = pdfium_c.FPDFPath_CountSegments
    get_segment = pdfium_c.FPDFPath_GetPathSegment
    get_point = pdfium_c.FPDFPathSegment_GetPoint
    segment_type = pdfium_c.FPDFPathSegment_GetType
    segment_close = pdfium_c.FPDFPathSegment_GetClose
    image_kind, form_kind, path_kind = (pdfium_c.FPDF_PAGEOBJ_IMAGE, pdfium_c.FPDF_PAGEOBJ_FORM,
                                        pdfium_c.FPDF_PAGEOBJ_PATH)
    moveto, lineto = pdfium_c.FPDF_SEGMENT_MOVETO, pdfium_c.FPDF_SEGMENT_LINETO

    def edge(p: tuple[float, float], q: tuple[float, float]) -> None:
        (x0, y0), (x1, y1) = p, q
        if abs(y0 - y1) < 0.5 and abs(x1 - x0) >= _MIN_RULE:
            horiz.append(_Rule(y0, min(x0, x1), max(x0, x1)))
        elif abs(x0 - x1) < 0.5 and abs(y1 - y0) >= _MIN_RULE:
            vert.append(_Rule(x0, min(y0, y1), max(y0, y1)))

    def walk(count: int, get: Any, parent: Any, ctm: tuple[float, ...] | None, depth: int) -> None:
        nonlocal images, paths
        for i in range(count):
            obj = get(parent, i)
            kind = obj_type(obj)
            if kind == image_kind:
                images += 1
            elif kind == form_kind and depth < 4:
                m = _obj_matrix(obj, fs)
                walk(pdfium_c.FPDFFormObj_CountObjects(obj), pdfium_c.FPDFFormObj_GetObject, obj,
                     _mul(m, ctm) if ctm else m, depth + 1)
            elif kind == path_kind:
                paths += 1
                m = _obj_matrix(obj, fs)
                if ctm:
                    m = _mul(m, ctm)
                a, b, c, d, e, f = m
                n = count_segments(obj)
                if n <= 1 or n > 2000:
                    continue
                start = prev = None
                for k in range(n):
                    seg = get_segment(obj, k)
                    get_point(seg, xr, yr)
                    px, py = x.value, y.value
                    pt = (a * px + c * py + e, b * px + d * py + f)
                    typ = segment_type(seg)
                    if typ == moveto:
                        start = prev = pt
                        continue
                    if typ == lineto and prev is not None:
                        edge(prev, pt)
                    prev = pt
                    if segment_close(seg) and start is not None:
                        edge(pt, start)
                        prev = start

    walk(pdfium_c.FPDFPage_CountObjects(page.raw), pdfium_c.FPDFPage_GetObject, page.raw, None, 0)
    return horiz, vert, images, paths


def _merge(rules: list[_Rule]) -> list[_Rule]:
    """Snap near-equal positions together and join overlapping pieces of the same line."""
    out: list[_Rule] = []
    for r in sorted(rules, key=lambda r: (round(r.pos / _SNAP), r.lo)):
        last = out[-1] if out else None
        if last and abs(last.pos - r.pos) <= _SNAP and r.lo <= last.hi + _SNAP:
            last.hi = max(last.hi, r.hi)
        else:
            out.append(_Rule(r.pos, r.lo, r.hi))
    return out


def _cluster(values: list[float]) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > _SNAP:
            out.append(v)
    return out


@dataclass(slots=True)
class _Grid:
    horiz: list[_Rule]
    vert: list[_Rule]

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        xs = [v.pos for v in self.vert] + [h.lo for h in self.horiz] + [h.hi for h in self.horiz]
        ys = [h.pos for h in self.horiz] + [v.lo for v in self.vert] + [v.hi for v in self.vert]
        return min(xs), min(ys), max(xs), max(ys)


def _grids(horiz: list[_Rule], vert: list[_Rule]) -> list[_Grid]:
    """Groups of crossing rulings (union-find over intersections) that can hold cells."""
    horiz, vert = _merge(horiz), _merge(vert)
    parent = list(range(len(horiz) + len(vert)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, h in enumerate(horiz):
        for j, v in enumerate(vert):
            if h.lo - _SNAP <= v.pos <= h.hi + _SNAP and v.lo - _SNAP <= h.pos <= v.hi + _SNAP:
                parent[find(i)] = find(len(horiz) + j)
    groups: dict[int, _Grid] = {}
    for i, h in enumerate(horiz):
        groups.setdefault(find(i), _Grid([], [])).horiz.append(h)
    for j, v in enumerate(vert):
        groups.setdefault(find(len(horiz) + j), _Grid([], [])).vert.append(v)
    out = []
    for g in groups.values():
        nh = len(_cluster([h.pos for h in g.horiz]))
        nv = len(_cluster([v.pos for v in g.vert]))
        if nh >= 2 and nv >= 2 and (nh - 1) * (nv - 1) >= 2:
            out.append(g)
    return out


def _read_grid(tp: _Text, grid: _Grid, page_no: int) -> Table | None:
    """Cells of a ruled grid, row band by row band (a band may have fewer, wider cells)."""
    ys = sorted(_cluster([h.pos for h in grid.horiz]), reverse=True)
    cols = _cluster([v.pos for v in grid.vert])
    rows: list[list[str]] = []
    for top, bottom in zip(ys, ys[1:], strict=False):
        if top - bottom < 3:
            continue
        mid = (top + bottom) / 2
        xs = _cluster([v.pos for v in grid.vert if v.lo - _SNAP <= mid <= v.hi + _SNAP])
        if len(xs) < 2:
            continue
        row = [""] * (len(cols) - 1)
        for left, right in zip(xs, xs[1:], strict=False):
            if right - left < 3:
                continue
            text = tp.bounded(left + _PAD, bottom + _PAD, right - _PAD, top - _PAD)
            idx = min(range(len(cols)), key=lambda k: abs(cols[k] - left))
            if idx < len(row):
                row[idx] = clean_cell(text)
        if any(row):
            rows.append(row)
    if len(rows) < 1 or len(cols) < 3 and len(rows) < 2:
        return None
    # Drop columns that are empty in every row (left by spanning cells or double rules).
    keep = [k for k in range(len(rows[0])) if any(r[k] for r in rows)]
    rows = [[r[k] for k in keep] for r in rows]
    if not rows or len(rows[0]) < 2 and len(rows) < 2:
        return None
    if looks_like_header(rows[0]) and len(rows) > 1:
        return Table(header=rows[0], rows=rows[1:], page=page_no)
    return Table(header=[], rows=rows, page=page_no)


# --------------------------------------------------------------------------- text and layout


def _norm(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return resolve_line_breaks(text.replace("\u00ad", ""))


def _lines(text: str) -> list[str]:
    return [ln.rstrip() for ln in _norm(text).split("\n") if ln.strip()]


class _Text:
    """A page's text layer, read by rectangle with one pdfium call each.

    pypdfium2's ``get_text_bounded`` asks pdfium twice per rectangle, for the length and then
    for the text, and each call walks every character of the page; a table's cells made that
    the costliest part of reading a ruled page. Here one buffer, larger than any rectangle's
    text can be (every character of the page, with room for the line breaks pdfium adds),
    takes the text in one call; a text that fills it is read again the old way.
    """

    __slots__ = ("tp", "_buf", "_size")

    def __init__(self, tp: pdfium.PdfTextPage, nchars: int) -> None:
        self.tp = tp
        self._size = 2 * nchars + 256
        self._buf = (ctypes.c_ushort * self._size)()

    def bounded(self, left: float, bottom: float, right: float, top: float) -> str:
        n = pdfium_c.FPDFText_GetBoundedText(self.tp.raw, left, top, right, bottom, self._buf,
                                             self._size)
        if n <= 0:
            return ""
        if n >= self._size:
            return self.tp.get_text_bounded(left, bottom, right, top)
        if self._buf[n - 1] == 0:  # the count includes the terminating NUL
            n -= 1
        return ctypes.string_at(self._buf, 2 * n).decode("utf-16-le", errors="ignore")

    def rects(self) -> list[tuple[float, float, float, float]]:
        """The text boxes pdfium finds on the page (left, bottom, right, top)."""
        raw = self.tp.raw
        n = pdfium_c.FPDFText_CountRects(raw, 0, -1)
        left, top, right, bottom = (ctypes.c_double() for _ in range(4))
        refs = [ctypes.byref(v) for v in (left, top, right, bottom)]
        get = pdfium_c.FPDFText_GetRect
        out = []
        for i in range(n):
            if not get(raw, i, *refs):
                raise pdfium.PdfiumError("Failed to get rectangle.")
            out.append((left.value, bottom.value, right.value, top.value))
        return out


def _gutter(rects: list[tuple[float, float, float, float]], left: float, right: float
            ) -> float | None:
    """The x of a column gutter: many lines have a gap there and few text boxes cross it.

    Candidates are only the gaps seen inside lines, so a page of ordinary prose (one box per
    line, no gaps) is rejected after one pass over its boxes.
    """
    if len(rects) < 8:
        return None
    width = right - left
    lo_x, hi_x = left + 0.25 * width, left + 0.75 * width
    lines: dict[int, list[tuple[float, float, float, float]]] = {}
    for r in rects:
        lines.setdefault(round((r[1] + r[3]) / 4), []).append(r)
    gaps: list[tuple[float, float]] = []
    for boxes in lines.values():
        if len(boxes) < 2:
            continue
        boxes.sort()
        for a, b in zip(boxes, boxes[1:], strict=False):
            if b[0] - a[2] >= 8 and a[2] < hi_x and b[0] > lo_x:
                gaps.append((a[2], b[0]))
    if len(gaps) < 4:
        return None
    best: tuple[int, float] | None = None
    tried: set[float] = set()  # lines of a column page share their gap: score each x once
    for g_lo, g_hi in gaps:
        x = (max(g_lo, lo_x) + min(g_hi, hi_x)) / 2
        if x in tried:
            continue
        tried.add(x)
        support = sum(1 for a, b in gaps if a <= x <= b)
        if support < 4:
            continue
        crossing = sum(1 for r in rects if r[0] < x - 1 and r[2] > x + 1)
        if crossing * 5 > len(rects):
            continue
        score = support - 3 * crossing
        if best is None or score > best[0]:
            best = (score, x)
    return best[1] if best else None


def _band_text(tp: _Text, rects: list[tuple[float, float, float, float]],
               x0: float, x1: float, bottom: float, top: float) -> list[str]:
    """Lines of one horizontal band, column by column when the band has two columns."""
    inside = [
        r for r in rects if bottom <= (r[1] + r[3]) / 2 <= top and x0 <= (r[0] + r[2]) / 2 <= x1
    ]
    if not inside:
        return []
    gutter = _gutter(inside, x0, x1)
    if gutter is None:
        return _lines(tp.bounded(x0, bottom, x1, top))
    # Full-width boxes (titles) cut the band; each piece is read left column then right.
    spans = sorted({(r[1], r[3]) for r in inside if r[0] < gutter - 1 and r[2] > gutter + 1},
                   key=lambda s: -s[1])
    out: list[str] = []
    cursor = top
    for lo, hi in spans + [(bottom, bottom)]:
        if cursor - hi > 1:
            out += _lines(tp.bounded(x0, hi, gutter, cursor))
            out += _lines(tp.bounded(gutter, hi, x1, cursor))
        if hi > lo:
            out += _lines(tp.bounded(x0, lo, x1, hi))
        cursor = min(cursor, lo)
    return out


def _tabular_lines(rects: list[tuple[float, float, float, float]]) -> int:
    """Lines cut into three or more boxes by wide gaps: the look of a table without rulings."""
    lines: dict[int, list[tuple[float, float, float, float]]] = {}
    for r in rects:
        lines.setdefault(round((r[1] + r[3]) / 4), []).append(r)
    count = 0
    for boxes in lines.values():
        if len(boxes) < 3:
            continue
        boxes.sort()
        gaps = sum(1 for a, b in zip(boxes, boxes[1:], strict=False) if b[0] - a[2] >= 8)
        count += gaps >= 2
    return count


Bbox = tuple[float, float, float, float]
PlumberReader = Callable[[int, bool], list[tuple[Bbox, Table]]]
Edges = tuple[set[int], set[int]]  # ids of tables near the top, near the bottom of their page


def _plumber_reader(data: bytes, limit: int) -> tuple[PlumberReader, Callable[[], None]]:
    """pdfplumber, opened only if some page needs it and for at most ``limit`` pages."""
    state: dict[str, Any] = {"pdf": None, "used": 0}

    def read(index: int, horizontal_rules: bool) -> list[tuple[Bbox, Table]]:
        if state["used"] >= limit:
            return []
        state["used"] += 1
        if state["pdf"] is None:
            import pdfplumber

            state["pdf"] = pdfplumber.open(io.BytesIO(data))
        page = state["pdf"].pages[index]
        height = float(page.height)
        settings: dict[str, Any] = {"vertical_strategy": "text", "horizontal_strategy": "text"}
        if horizontal_rules:
            # Text-made column edges stop short of the outer rules: let them still meet.
            settings.update(horizontal_strategy="lines", intersection_tolerance=15)
        out: list[tuple[Bbox, Table]] = []
        for found in page.find_tables(settings):
            rows = [[clean_cell(c) for c in row] for row in found.extract()]
            rows = [r for r in rows if any(r)]
            cells = [c for r in rows for c in r]
            if len(rows) < 2 or len(rows[0]) < 3 or sum(1 for c in cells if c) < 0.6 * len(cells):
                continue  # prose in columns, not a table
            x0, top, x1, bottom = found.bbox
            bbox = (float(x0), height - float(bottom), float(x1), height - float(top))
            if looks_like_header(rows[0]):
                out.append((bbox, Table(header=rows[0], rows=rows[1:], page=index + 1)))
            else:
                out.append((bbox, Table(header=[], rows=rows, page=index + 1)))
        page.close()
        return out

    def close() -> None:
        if state["pdf"] is not None:
            state["pdf"].close()

    return read, close


def _page_items(page: pdfium.PdfPage, textpage: pdfium.PdfTextPage, page_no: int,
                plumber: PlumberReader | None = None, edges: Edges | None = None
                ) -> tuple[list[str | Table], int, int]:
    """A page as ordered lines and tables; also its char count and image count.

    ``edges`` collects the ids of tables lying in the top third / bottom third of the page,
    the tables that may start or end a table running over a page break.

    Ruled grids are read from pdfium; pdfplumber is asked only when the page has horizontal
    rules that form no grid, or lines that look like columns of a table without rulings.
    """
    nchars = textpage.count_chars()
    horiz, vert, images, paths = _collect_paths(page)
    if nchars == 0:
        return [], 0, images
    tp = _Text(textpage, nchars)
    grids = _grids(horiz, vert) if horiz and vert else []
    tables: list[tuple[Bbox, Table]] = []
    for g in grids:
        t = _read_grid(tp, g, page_no)
        if t is not None:
            tables.append((g.bbox, t))
    rects = tp.rects()
    if not tables and plumber is not None and paths <= _DRAWING_PATHS:
        rules = len(_cluster([h.pos for h in _merge(horiz)])) >= 3
        if rules or _tabular_lines(rects) >= 3:
            tables = plumber(page_no - 1, rules)
    # Page box, widened to the text itself: some files place text outside their MediaBox
    # origin, and a band must never cut a line off.
    left, bottom, right, top = page.get_bbox()
    if edges is not None:
        third = (top - bottom) / 3
        for (_, by0, _, by1), t in tables:
            if by1 >= top - third:
                edges[0].add(id(t))
            if by0 <= bottom + third:
                edges[1].add(id(t))
    if rects:
        bottom = min(bottom, min(r[1] for r in rects)) - 1
        top = max(top, max(r[3] for r in rects)) + 1
    x_min = min((r[0] for r in rects), default=left)
    x_max = max((r[2] for r in rects), default=right)
    if not tables:
        if _gutter(rects, x_min, x_max) is None:
            return _lines(textpage.get_text_range()), nchars, images
        return _band_text(tp, rects, x_min - 1, x_max + 1, bottom, top), nchars, images
    tables.sort(key=lambda bt: -bt[0][3])
    items: list[str | Table] = []
    cursor = top
    for (bx0, by0, bx1, by1), table in tables:
        if by1 < cursor:
            items += _band_text(tp, rects, x_min - 1, x_max + 1, by1 + _PAD, cursor)
        items.append(table)
        # Text beside the table (a side note next to a narrow table) follows it.
        if bx0 - x_min > 20:
            items += _lines(tp.bounded(x_min - 1, by0, bx0 - _PAD, by1))
        if x_max - bx1 > 20:
            items += _lines(tp.bounded(bx1 + _PAD, by0, x_max + 1, by1))
        cursor = min(cursor, by0 - _PAD)
    items += _band_text(tp, rects, x_min - 1, x_max + 1, bottom, cursor)
    return items, nchars, images


# --------------------------------------------------------------------------- OCR


def _ocr_page(page: pdfium.PdfPage, limits: PdfLimits) -> tuple[list[str], float]:
    """Render one page within the pixel limit and read it with Tesseract (Italian first)."""
    from parsers.ocr import ocr_image

    w, h = page.get_size()
    scale = limits.ocr_dpi / 72
    if w * h * scale * scale > limits.max_render_pixels:
        scale = (limits.max_render_pixels / (w * h)) ** 0.5
    bitmap = page.render(scale=scale, grayscale=True)
    image = bitmap.to_pil()
    try:
        return ocr_image(image, limits.ocr_languages, limits.ocr_timeout_seconds)
    finally:
        bitmap.close()


# --------------------------------------------------------------------------- entry point


def _open(data: bytes) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        msg = str(exc)
        if "password" in msg.lower():
            raise ParseError("PDF is encrypted and needs a password") from exc
        if "format" in msg.lower() or "file" in msg.lower():
            raise ParseError(f"corrupt or truncated PDF ({msg})") from exc
        raise ParseError(f"unreadable PDF ({msg})") from exc


def parse_pdf(data: bytes, *, limits: PdfLimits = DEFAULT_LIMITS, ocr: bool = True) -> Document:
    """Text of every page (running heads removed), tables as pipe rows, OCR for scanned pages.

    Pages whose text layer is garbage (``parsers.garble``) are OCRed like scans; tables that
    run over a page break are joined (``parsers.layout.join_continued_tables``).
    """
    if not data.startswith(b"%PDF-") and b"%PDF-" not in data[:1024]:
        raise ParseError("not a PDF file (no %PDF- header)")
    check_streams(data, limits)
    deadline = time.monotonic() + limits.max_seconds
    pdf = _open(data)
    plumber, close_plumber = _plumber_reader(data, limits.max_plumber_pages)
    meta: dict[str, Any] = {}
    pages: list[list[str | Table]] = []
    ocr_conf: list[float] = []
    ocr_pages: list[int] = []
    skipped_scans: list[int] = []
    edges: Edges = (set(), set())
    garbled: list[int] = []  # pages whose text layer is garbage (OCRed when OCR allows)
    ocr_reasons: list[dict[str, Any]] = []
    ocr_errors: list[dict[str, Any]] = []
    try:
        total = len(pdf)
        if total == 0:
            raise ParseError("PDF has no pages")
        info = pdf.get_metadata_dict(skip_empty=True)
        n_read = min(total, limits.max_pages)
        for idx in range(n_read):
            if idx and time.monotonic() > deadline:
                meta["truncated"] = f"time limit of {limits.max_seconds:g} s reached"
                break
            page = pdf[idx]
            try:
                tp = page.get_textpage()
                items, nchars, images = _page_items(page, tp, idx + 1, plumber, edges)
                tp.close()
                why = "no text layer" if nchars == 0 and images else None
                if nchars:
                    why = garbled_reason(_page_text(items))
                    if why:
                        garbled.append(idx + 1)
                if why:
                    if ocr and len(ocr_pages) < limits.max_ocr_pages:
                        try:
                            lines, conf = _ocr_page(page, limits)
                        except ParseError as exc:
                            if nchars == 0:
                                raise
                            # A garbled page keeps its text layer; the run goes on.
                            ocr_errors.append({"page": idx + 1, "error": str(exc)})
                            pages.append(items)
                            continue
                        items = list(lines)
                        ocr_pages.append(idx + 1)
                        ocr_reasons.append({"page": idx + 1, "reason": why})
                        ocr_conf.append(conf)
                    elif nchars == 0:
                        skipped_scans.append(idx + 1)
            finally:
                page.close()
            pages.append(items)
        if total > n_read and "truncated" not in meta:
            meta["truncated"] = f"read the first {n_read} of {total} pages"
        meta["pages_read"] = len(pages)
    except pdfium.PdfiumError as exc:
        raise ParseError(f"corrupt PDF page ({exc})") from exc
    finally:
        pdf.close()
        close_plumber()

    running = running_lines(pages)
    pages = strip_running_lines(pages, running=running)
    continued = join_continued_tables(pages, edges[1], edges[0], running)
    if continued:
        meta["continued_tables"] = continued
    pages = [_dehyphenate(items) for items in pages]
    text, tables = assemble(pages)
    if skipped_scans:
        meta["pages_without_text"] = skipped_scans
    if ocr_pages:
        meta["ocr_pages"] = ocr_pages
        meta["ocr_reasons"] = ocr_reasons
    if garbled:
        meta["garbled_pages"] = garbled
    if ocr_errors:
        meta["ocr_errors"] = ocr_errors
    if not text.strip():
        if skipped_scans:
            raise ParseError("scanned PDF: no text layer and OCR is off or over its page limit")
        raise ParseError("PDF has no text layer and no readable images")
    for key, src in (("pdf_created", "CreationDate"), ("pdf_modified", "ModDate"),
                     ("pdf_producer", "Producer"), ("pdf_author", "Author")):
        if info.get(src):
            meta[key] = info[src]
    return Document(
        text=text,
        title=(info.get("Title") or None),
        media_type="application/pdf",
        pages=total,
        tables=tables,
        parser=f"{NAME}@{VERSION}",
        ocr=bool(ocr_pages),
        ocr_confidence=(sum(ocr_conf) / len(ocr_conf)) if ocr_conf else None,
        metadata=meta,
    )


def _page_text(items: list[str | Table]) -> str:
    """A page's lines and table cells as one string, for the garbled-text test."""
    parts: list[str] = []
    for it in items:
        if isinstance(it, Table):
            parts += it.header
            parts += [c for row in it.rows for c in row]
        else:
            parts.append(it)
    return "\n".join(parts)


def _dehyphenate(items: list[str | Table]) -> list[str | Table]:
    out: list[str | Table] = []
    run: list[str] = []
    for it in items:
        if isinstance(it, str):
            run.append(it)
        else:
            out += join_hyphenated(run)
            run = []
            out.append(it)
    out += join_hyphenated(run)
    return out


def page_count(data: bytes) -> int:
    """Pages in a PDF without reading them (for benchmarks and reports)."""
    pdf = _open(data)
    try:
        return len(pdf)
    finally:
        pdf.close()


__all__ = ["DEFAULT_LIMITS", "PdfLimits", "check_streams", "page_count", "parse_pdf"]
