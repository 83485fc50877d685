"""Bytes → Document, for every kind of file municipalities publish. Pure: no fetching here."""

from __future__ import annotations

from models.records import Document
from parsers.errors import ParseError
from parsers.sniff import sniff

__all__ = ["ParseError", "parse_bytes", "sniff"]


def parse_bytes(
    data: bytes, *, content_type: str | None = None, url: str | None = None
) -> Document:
    """Parse a body by what it really is; raise ParseError with a readable reason."""
    if not data or not data.strip():
        raise ParseError("empty body")
    media = sniff(data, content_type, url)
    if media != "application/pdf" and _claims_pdf(content_type, url):
        raise ParseError(f"served as PDF but the body is not a PDF file (it looks like {media})")
    charset = None
    if content_type and "charset=" in content_type.lower():
        charset = content_type.lower().split("charset=")[1].split(";")[0].strip()
    if media == "application/pdf":
        from parsers.pdf import parse_pdf

        return parse_pdf(data)
    if media == "text/html":
        from parsers.html import parse_html

        return parse_html(data, url=url, charset=charset)
    if media.startswith("text/"):
        from parsers.html import decode
        from parsers.text import parse_text

        return parse_text(decode(data, charset))
    raise ParseError(f"unsupported media type {media}")


def _claims_pdf(content_type: str | None, url: str | None) -> bool:
    """True when the server or the link promised a PDF (an HTML error page named .pdf is not)."""
    path = (url or "").lower().split("?")[0].split("#")[0]
    return path.endswith(".pdf") or (content_type or "").lower().startswith("application/pdf")
