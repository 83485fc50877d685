"""Bytes → Document, for every kind of file municipalities publish. Pure: no fetching here."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from models.records import Document
from parsers.errors import ParseError
from parsers.sniff import DOCX, ODT, P7M, sniff

__all__ = ["ParseError", "parse_bytes", "sniff"]


def parse_bytes(
    data: bytes,
    *,
    content_type: str | None = None,
    url: str | None = None,
    pdf_limits: Any = None,
) -> Document:
    """Parse a body by what it really is; raise ParseError with a readable reason.

    ``pdf_limits`` (a ``parsers.pdf.PdfLimits``) bounds pages, seconds and pixels per PDF.
    """
    if not data or not data.strip():
        raise ParseError("empty body")
    media = sniff(data, content_type, url)
    if media not in ("application/pdf", P7M) and _claims_pdf(content_type, url):
        raise ParseError(f"served as PDF but the body is not a PDF file (it looks like {media})")
    charset = None
    if content_type and "charset=" in content_type.lower():
        charset = content_type.lower().split("charset=")[1].split(";")[0].strip()
    if media == "application/pdf":
        from parsers.pdf import DEFAULT_LIMITS, parse_pdf

        return parse_pdf(data, limits=pdf_limits or DEFAULT_LIMITS)
    if media == P7M:
        return _parse_signed(data, url, pdf_limits)
    if media == DOCX:
        from parsers.office import parse_docx

        return parse_docx(data)
    if media == ODT:
        from parsers.office import parse_odt

        return parse_odt(data)
    if media == "text/html":
        from parsers.html import parse_html

        return parse_html(data, url=url, charset=charset)
    if media.startswith("text/"):
        from parsers.html import decode
        from parsers.text import parse_text

        return parse_text(decode(data, charset))
    raise ParseError(f"unsupported media type {media}")


def _parse_signed(data: bytes, url: str | None, pdf_limits: Any) -> Document:
    """Unwrap the signature envelopes, parse what they hold, record who signed and whether each
    signature is intact (a broken one is recorded, never an error: the act is still read)."""
    from parsers.p7m import inner_url, unwrap

    unwrapped = unwrap(data)
    inner = inner_url(url)
    try:
        doc = parse_bytes(unwrapped.content, url=inner, pdf_limits=pdf_limits)
    except ParseError as exc:
        raise ParseError(f"signed file opened, but its content failed: {exc}") from exc
    meta = dict(doc.metadata)
    meta["signature_layers"] = unwrapped.layers
    if unwrapped.signers:
        meta["signers"] = unwrapped.signers
    if unwrapped.signing_times:
        meta["signing_times"] = unwrapped.signing_times
    # Checked offline against the file itself; the chain to a trusted CA is not checked.
    meta["signatures"] = unwrapped.signatures
    meta["signatures_intact"] = unwrapped.intact
    return replace(
        doc,
        signer="; ".join(unwrapped.signers) or None,
        parser=f"p7m+{doc.parser}",
        metadata=meta,
    )


def _claims_pdf(content_type: str | None, url: str | None) -> bool:
    """True when the server or the link promised a PDF (an HTML error page named .pdf is not)."""
    path = (url or "").lower().split("?")[0].split("#")[0]
    return path.endswith(".pdf") or (content_type or "").lower().startswith("application/pdf")
