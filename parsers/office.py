"""DOCX (python-docx) and ODT (odfpy) attachments → Document, tables as pipe rows.

Both are zip files: the archive is checked before it is opened, so a zip bomb ends as a
ParseError instead of filling memory.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

from models.records import Document, Table
from parsers.errors import ParseError
from parsers.layout import assemble, clean_cell, looks_like_header

MAX_UNZIPPED = 200 * 1024 * 1024
MAX_RATIO = 200
MAX_MEMBERS = 5000


def check_zip(data: bytes, max_unzipped: int = MAX_UNZIPPED) -> zipfile.ZipFile:
    """Open the archive after checking its declared sizes (members, total, ratio)."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ParseError(f"corrupt or truncated office file ({exc})") from exc
    if len(infos) > MAX_MEMBERS:
        raise ParseError(f"office file has {len(infos)} parts: refused as a zip bomb")
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    if total > max_unzipped or (total > 20 * 1024 * 1024 and total / packed > MAX_RATIO):
        raise ParseError(
            f"decompression bomb: office file unpacks to {total // (1024 * 1024)} MB "
            f"from {len(data) // 1024} KB"
        )
    return zf


def _table(rows: list[list[str]]) -> Table | None:
    rows = [r for r in rows if any(c for c in r)]
    if not rows:
        return None
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    if len(rows) > 1 and looks_like_header(rows[0]):
        return Table(header=rows[0], rows=rows[1:])
    return Table(header=[], rows=rows)


def _document(items: list[str | Table], title: str | None, media: str, parser: str) -> Document:
    text, tables = assemble([items])
    if not text.strip():
        raise ParseError("office file has no text")
    return Document(text=text, title=title or None, media_type=media, tables=tables, parser=parser)


# --------------------------------------------------------------------------- DOCX


def parse_docx(data: bytes) -> Document:
    check_zip(data).close()
    import docx
    from docx.table import Table as DocxTable

    try:
        doc = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many kinds on a damaged package
        raise ParseError(f"unreadable DOCX ({type(exc).__name__}: {exc})") from exc
    items: list[str | Table] = []
    for block in doc.iter_inner_content():
        if isinstance(block, DocxTable):
            rows = []
            for row in block.rows:
                cells: list[str] = []
                last = None
                for cell in row.cells:
                    if cell._tc is last:  # a merged cell repeats: keep it once
                        continue
                    last = cell._tc
                    cells.append(clean_cell(cell.text))
                rows.append(cells)
            t = _table(rows)
            if t is not None:
                items.append(t)
        else:
            items.extend(line for line in block.text.splitlines() if line.strip())
    return _document(
        items, doc.core_properties.title,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx",
    )


# --------------------------------------------------------------------------- ODT


def parse_odt(data: bytes) -> Document:
    check_zip(data).close()
    from odf import opendocument, teletype
    from odf.namespaces import TABLENS, TEXTNS

    try:
        doc = opendocument.load(io.BytesIO(data))
    except Exception as exc:  # odfpy raises XML and KeyError kinds on damaged files
        raise ParseError(f"unreadable ODT ({type(exc).__name__}: {exc})") from exc
    items: list[str | Table] = []

    def walk(node: Any) -> None:
        for child in node.childNodes:
            qname = getattr(child, "qname", None)
            if qname in ((TEXTNS, "p"), (TEXTNS, "h")):
                text = teletype.extractText(child)
                items.extend(line for line in text.splitlines() if line.strip())
            elif qname == (TABLENS, "table"):
                rows = []
                for row in _descendants(child, (TABLENS, "table-row")):
                    cells = [
                        clean_cell(teletype.extractText(c))
                        for c in row.childNodes
                        if getattr(c, "qname", None) == (TABLENS, "table-cell")
                    ]
                    rows.append(cells)
                t = _table(rows)
                if t is not None:
                    items.append(t)
            elif getattr(child, "childNodes", None):
                walk(child)

    walk(doc.text)
    title = None
    try:
        from odf import dc

        titles = doc.meta.getElementsByType(dc.Title)
        title = teletype.extractText(titles[0]) if titles else None
    except (AttributeError, IndexError):
        title = None
    return _document(items, title, "application/vnd.oasis.opendocument.text", "odt")


def _descendants(node: Any, qname: tuple[str, str]) -> list[Any]:
    out = []
    for child in getattr(node, "childNodes", []):
        if getattr(child, "qname", None) == qname:
            out.append(child)
        elif getattr(child, "qname", None) != (node.qname[0], "table"):
            out.extend(_descendants(child, qname))
    return out
