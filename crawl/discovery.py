"""Finding URLs: links and anchor texts in HTML pages, entries of sitemaps and RSS/Atom feeds.

Bodies come from the network, so every parser here is defensive: XML is read without entity
expansion or network access, gzip is inflated only up to a cap, and a broken document yields
what could be read rather than an exception.
"""

from __future__ import annotations

import gzip
import re
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, time
from email.utils import parsedate_to_datetime

import charset_normalizer
import lxml.etree as etree
import lxml.html

from .urls import ATTACHMENT_TYPES, absolute

MAX_INFLATED = 50 * 1024 * 1024  # sitemaps may be at most 50 MB uncompressed (sitemaps.org)
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.I)


@dataclass(frozen=True, slots=True)
class Link:
    """A URL found in a page, with the words a reader saw for it (anchor text, title, alt).

    ``declared``: the page says the link is a file to download (``<a download>``, or a
    ``type`` attribute naming a document type such as ``application/pdf``)."""

    url: str
    text: str = ""
    declared: bool = False


@dataclass(frozen=True, slots=True)
class Entry:
    """A URL listed by a sitemap or feed, with its modification date (naive UTC) when given."""

    url: str
    lastmod: datetime | None = None
    title: str = ""


@dataclass(slots=True)
class PageLinks:
    links: list[Link]
    feeds: list[str]


def declared_charsets(content_type: str | None, body: bytes) -> list[str]:
    """Charsets declared by the server header and by the page's own <meta>, in that order."""
    found: list[str] = []
    if content_type and "charset=" in content_type.lower():
        value = content_type.lower().split("charset=", 1)[1].split(";")[0].strip().strip("\"'")
        if value:
            found.append(value)
    match = _META_CHARSET.search(body[:4096])
    if match:
        found.append(match.group(1).decode("ascii").lower())
    # Browsers read latin-1 and ascii labels as windows-1252; so do we.
    return [
        "windows-1252" if c in ("iso-8859-1", "latin-1", "latin1", "us-ascii", "ascii") else c
        for c in found
    ]


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode a page, returning (text, encoding used).

    A declared charset (header, then <meta>) is used only when the bytes decode cleanly with
    it; then UTF-8, then windows-1252, and charset-normalizer only for bytes neither can read.
    Municipal pages served as UTF-8 but written in windows-1252 are common, and on short
    Italian texts charset-normalizer alone takes windows-1252 for windows-1250 ("povertŕ").
    """
    for candidate in [*declared_charsets(content_type, body), "utf-8", "windows-1252"]:
        try:
            return body.decode(candidate), candidate
        except (LookupError, UnicodeDecodeError):
            continue
    best = charset_normalizer.from_bytes(body[:200_000]).best()
    encoding = best.encoding if best else "windows-1252"
    return body.decode(encoding, errors="replace"), encoding


def html_links(body: bytes, base_url: str, content_type: str | None = None) -> PageLinks:
    """Links of an HTML page, absolute, with their anchor text; plus the feeds it announces."""
    text, _ = decode_html(body, content_type)
    text = _XML_DECL.sub("", text, count=1)
    if not text.strip():
        return PageLinks([], [])
    try:
        root = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        return PageLinks([], [])
    # One walk of the tree for every element that matters (each XPath "//" was a walk).
    anchors: list[lxml.html.HtmlElement] = []
    frames: list[lxml.html.HtmlElement] = []
    objects: list[lxml.html.HtmlElement] = []
    heads: list[lxml.html.HtmlElement] = []
    base = None
    for el in root.iter(*_LINK_TAGS):
        tag = el.tag
        if tag == "a" or tag == "area":
            if el.get("href") is not None:
                anchors.append(el)
        elif tag == "meta":
            if _nofollow(el):
                return PageLinks([], [])
        elif tag == "link":
            if el.get("href") is not None:
                heads.append(el)
        elif tag == "object":
            if el.get("data") is not None:
                objects.append(el)
        elif tag == "base":
            if base is None and el.get("href") is not None:
                base = el.get("href")
        elif el.get("src") is not None:  # iframe, embed, frame
            frames.append(el)
    if base is not None:
        base = absolute(base_url, base) or base_url
    else:
        base = base_url
    links: list[Link] = []
    for el in anchors:
        url = absolute(base, el.get("href"))
        if not url:
            continue
        words = [el.text_content() if el.tag == "a" else "", el.get("title") or "",
                 el.get("alt") or "", el.get("aria-label") or ""]
        words += [img.get("alt") or "" for img in el.iter("img")]
        kind = (el.get("type") or "").split(";")[0].strip().lower()
        declared = "download" in el.attrib or kind in ATTACHMENT_TYPES
        links.append(Link(url, " ".join(" ".join(w.split()) for w in words if w.strip()),
                          declared))
    for el in frames:
        url = absolute(base, el.get("src"))
        if url:
            links.append(Link(url, el.get("title") or ""))
    for el in objects:
        url = absolute(base, el.get("data"))
        if url:
            links.append(Link(url, el.get("title") or ""))
    feeds: list[str] = []
    for el in heads:
        rel = (el.get("rel") or "").lower().split()
        kind = (el.get("type") or "").lower().split(";")[0].strip()
        if "alternate" in rel and kind in FEED_TYPES[:2]:
            url = absolute(base, el.get("href"))
            if url and url not in feeds:
                feeds.append(url)
    return PageLinks(links, feeds)


_LINK_TAGS = ("a", "area", "iframe", "embed", "frame", "object", "link", "meta", "base")


def _nofollow(meta: lxml.html.HtmlElement) -> bool:
    """<meta name="robots" (or "inclusio") content="nofollow">: the page asks not to be walked."""
    name, content = meta.get("name"), meta.get("content")
    if name is None or content is None or name.strip().lower() not in ("robots", "inclusio"):
        return False
    return bool({d.strip().lower() for d in content.split(",")} & {"nofollow", "none"})


def _xml_root(body: bytes) -> etree._Element | None:
    if body[:2] == b"\x1f\x8b":
        body = _gunzip(body)
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, recover=True, huge_tree=False, load_dtd=False
    )
    try:
        return etree.fromstring(body.lstrip(), parser=parser)
    except (etree.XMLSyntaxError, ValueError):
        return None


def _gunzip(body: bytes) -> bytes:
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(body, MAX_INFLATED)
    except zlib.error:
        try:
            return gzip.decompress(body)[:MAX_INFLATED]
        except (OSError, EOFError):
            return b""
    return out


def _local(tag: object) -> str:
    return etree.QName(tag).localname.lower() if isinstance(tag, str) else ""


def _child_text(el: etree._Element, name: str) -> str:
    for child in el:
        if _local(child.tag) == name:
            return (child.text or "").strip()
    return ""


def parse_sitemap(body: bytes, base_url: str) -> tuple[str, list[Entry]]:
    """Read a sitemap: ("index", child sitemaps) or ("urlset", page URLs); plain-text sitemaps
    (one URL per line) are read too. Unreadable input gives ("urlset", [])."""
    root = _xml_root(body)
    if root is None:
        if body[:2] == b"\x1f\x8b":
            body = _gunzip(body)
        text = body.decode("utf-8", errors="replace")
        if "<" in text[:200]:
            return "urlset", []
        entries = [Entry(u) for line in text.splitlines()
                   if (u := absolute(base_url, line.strip())) and line.strip().startswith("http")]
        return "urlset", entries
    kind = "index" if _local(root.tag) == "sitemapindex" else "urlset"
    entries = []
    for el in root:
        if _local(el.tag) not in ("url", "sitemap"):
            continue
        loc = absolute(base_url, _child_text(el, "loc"))
        if loc:
            entries.append(Entry(loc, parse_date(_child_text(el, "lastmod"))))
    return kind, entries


def is_feed(body: bytes) -> bool:
    head = body[:1024].lstrip().lower()
    return head.startswith(b"<?xml") and (b"<rss" in head or b"<feed" in head or b"<rdf" in head)


def parse_feed(body: bytes, base_url: str) -> list[Entry]:
    """Items of an RSS 1/2 or Atom feed: link, title and (updated or published) date."""
    root = _xml_root(body)
    if root is None:
        return []
    entries: list[Entry] = []
    for el in root.iter():
        name = _local(el.tag)
        if name not in ("item", "entry"):
            continue
        href = ""
        for child in el:
            if _local(child.tag) != "link":
                continue
            if child.get("href"):  # Atom: prefer rel="alternate" (or no rel)
                if child.get("rel", "alternate") == "alternate":
                    href = child.get("href")
                    break
                href = href or child.get("href")
            elif child.text and child.text.strip():
                href = child.text.strip()
                break
        if not href:
            guid = _child_text(el, "guid")
            href = guid if guid.startswith("http") else ""
        url = absolute(base_url, href) if href else None
        if not url:
            continue
        date = None
        for tag in ("updated", "modified", "pubdate", "published", "date"):
            date = parse_date(_child_text(el, tag))
            if date:
                break
        entries.append(Entry(url, date, " ".join(_child_text(el, "title").split())))
    return entries


def parse_date(value: str | None) -> datetime | None:
    """W3C datetime (sitemaps, Atom) or RFC 822 date (RSS) as naive UTC; None when unreadable.

    A date without a time means "some time that day": it is read as the day's last second, so
    that a page changed later on the day of our fetch is never wrongly taken as unchanged.
    """
    value = (value or "").strip()
    if not value:
        return None
    try:
        if len(value) == 10:
            day = datetime.fromisoformat(value)
            return datetime.combine(day.date(), time(23, 59, 59))
        if len(value) == 7:  # YYYY-MM
            return None
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            dt = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC).replace(tzinfo=None)
    return dt
