"""HTML pages → Document: trafilatura for the main text, Italian labels for the dates."""

from __future__ import annotations

import re
from datetime import date

import lxml.html
import trafilatura
from lxml import etree

from models.records import Document, Table
from parsers.errors import ParseError
from parsers.layout import looks_like_header
from parsers.metadates import labelled_date

NAME = "html-trafilatura"


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.I)
# Browsers read latin-1 and ascii labels as windows-1252; so do we.
_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe\x00\x00", "utf-32-le"),
         (b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe", "utf-16-le"),
         (b"\xfe\xff", "utf-16-be"))
_AS_1252 = ("iso-8859-1", "latin-1", "latin1", "us-ascii", "ascii")


def decode(data: bytes, declared: str | None = None) -> str:
    """Decode bytes with the declared charset (header, then <meta>), UTF-8 or windows-1252,
    the first that reads them cleanly; charset detection only after those.

    windows-1252 comes before detection because municipal pages served as UTF-8 are often
    written in it, and detection reads short Italian text as windows-1250 ("č gią").
    """
    for bom, enc in _BOMS:  # a byte-order mark outranks every declaration, as in browsers
        if data.startswith(bom):
            return data[len(bom):].decode(enc, errors="replace")
    meta = _META_CHARSET.search(data[:4096])
    declared_meta = meta.group(1).decode("ascii").lower() if meta else None
    for enc in (declared, declared_meta, "utf-8", "windows-1252"):
        if not enc:
            continue
        enc = "windows-1252" if enc.lower() in _AS_1252 else enc
        try:
            return data.decode(enc)
        except (LookupError, UnicodeDecodeError):
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        return data.decode("cp1252", errors="replace")
    return str(best)


def visible_text(html: str) -> str:
    """All text a reader could see, scripts and styles left out, one line per block."""
    try:
        root = lxml.html.fromstring(html)
    except (etree.ParserError, ValueError):
        return ""
    for bad in root.xpath("//script|//style|//noscript|//template"):
        bad.drop_tree()
    return "\n".join(t.strip() for t in root.itertext() if t.strip())


_TAGS = re.compile(r"(?is)<(script|style|noscript|template)\b.*?</\1\s*>|<!--.*?-->|<[^>]*>")


def _beyond_nesting_limit(html: str) -> str:
    """The text of a page nested deeper than libxml2 goes (256 levels; a page of 100,000
    nested divs): the parser drops what lies below, so the text is read without markup.
    Empty when the parser already saw all the words (a page that really has no text)."""
    import html as htmlmod

    plain = " ".join(htmlmod.unescape(_TAGS.sub(" ", html)).split())
    seen = set(visible_text(html).split())
    if len([w for w in plain.split() if w not in seen]) < 3:
        return ""
    return plain


_PIPE_LINE = re.compile(r"^\|.*\|[ \t]*$", re.M)
_RULE = re.compile(r"^\|(?:\s*:?-+:?\s*\|)+\s*$")


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def pipe_tables(text: str) -> list[Table]:
    """The tables trafilatura wrote into the text as ``| a | b |`` lines, with their spans.

    They become Document.tables so HTML tables reach document_tables like PDF and office
    tables do; a ``|---|`` line under a first row that reads as a header makes it the header.
    """
    tables: list[Table] = []
    block: list[re.Match[str]] = []

    def close() -> None:
        lines = [m.group(0) for m in block]
        rows = [_cells(x) for x in lines if not _RULE.match(x.strip())]
        # trafilatura marks a first row of <th> as a header; a label/value card whose labels
        # are <th> looks the same, so its first row must also read as a header.
        if len(lines) >= 2 and _RULE.match(lines[1].strip()) and looks_like_header(rows[0]):
            header, body = rows[0], rows[1:]
        else:
            header, body = [], rows
        if body or header:
            tables.append(Table(header=header, rows=body, start=block[0].start(),
                                end=block[-1].start() + len(lines[-1].rstrip())))
        block.clear()

    for m in _PIPE_LINE.finditer(text):
        if block and m.start() != block[-1].end() + 1:  # not the very next line
            close()
        block.append(m)
    if block:
        close()
    return tables


def parse_html(data: bytes | str, url: str | None = None, charset: str | None = None) -> Document:
    """Main text, title and dates of a page; raises ParseError when no text can be read."""
    html = data if isinstance(data, str) else decode(data, charset)
    if not html.strip():
        raise ParseError("empty HTML page")
    result = trafilatura.bare_extraction(
        html,
        url=url,
        include_tables=True,
        include_comments=False,
        with_metadata=True,
        favor_recall=True,
        deduplicate=False,
        # Only dates from markup (meta tags, <time>): a guess from the body text picks up
        # project dates such as "Data inizio 01/04/24" as the publication date.
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    text = (result.text if result is not None else "") or ""
    notes: dict[str, str] = {}
    if not text.strip() and (text := _beyond_nesting_limit(html)):
        notes["text_from"] = "markup stripped: nested deeper than the HTML parser reads"
    if not text.strip():
        raise ParseError("no readable text in HTML page")
    title = result.title if result is not None else None
    # Labelled Italian dates are looked for in all the page's visible text, since CMSs print
    # them in blocks trafilatura drops as boilerplate ("Data ultima modifica: ...").
    haystack = text + "\n" + visible_text(html)
    published = labelled_date(haystack, "published")
    updated = labelled_date(haystack, "updated")
    if published is None and updated is None and result is not None and result.date:
        try:
            published = date.fromisoformat(result.date[:10])
        except ValueError:
            published = None
    return Document(
        text=text,
        title=title,
        published=published,
        updated=updated,
        media_type="text/html",
        tables=pipe_tables(text),
        parser=f"{NAME}-{trafilatura.__version__}",
        metadata={"url": url, "sitename": getattr(result, "sitename", None), **notes},
    )
