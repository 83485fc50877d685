"""HTML pages → Document: trafilatura for the main text, Italian labels for the dates."""

from __future__ import annotations

from datetime import date

import lxml.html
import trafilatura
from lxml import etree

from models.records import Document
from parsers.errors import ParseError
from parsers.metadates import labelled_date

NAME = "html-trafilatura"


def decode(data: bytes, declared: str | None = None) -> str:
    """Decode bytes trying the declared charset, UTF-8, then charset detection."""
    for enc in filter(None, (declared, "utf-8")):
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
        parser=f"{NAME}-{trafilatura.__version__}",
        metadata={"url": url, "sitename": getattr(result, "sitename", None)},
    )
