"""Decide what a body really is from its first bytes, not from what the server said."""

from __future__ import annotations

HTML_MARKERS = (
    b"<!doctype html", b"<html", b"<head", b"<body", b"<meta", b"<title", b"<div", b"<p>",
)
P7M = "application/pkcs7-mime"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"
_SIGNED_DATA_OID = b"\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02"


def sniff(data: bytes, content_type: str | None = None, url: str | None = None) -> str:
    """Return a media type: application/pdf, text/html, application/pkcs7-mime, DOCX/ODT or text.

    A DER signature envelope is checked first: it carries the signed PDF's own "%PDF-" within
    its first kilobyte.
    """
    head = data[:2048].lstrip()
    low = head.lower()
    path = (url or "").lower().split("?")[0].split("#")[0]
    ct = (content_type or "").split(";")[0].strip().lower()
    if data[:1] == b"\x30" and _SIGNED_DATA_OID in data[:64]:
        return P7M
    if head.startswith((b"MII", b"-----BEGIN PKCS7", b"-----BEGIN CMS")) or path.endswith(".p7m") \
            or ct.startswith(("application/pkcs7", "application/x-pkcs7")):
        from parsers.p7m import is_p7m

        if is_p7m(data):
            return P7M
    if head.startswith(b"%PDF-") or b"%PDF-" in data[:1024]:
        return "application/pdf"
    if head.startswith(b"PK\x03\x04"):
        if b"mimetypeapplication/vnd.oasis.opendocument.text" in data[:200]:
            return ODT
        if b"word/" in data[:65536] or path.endswith(".docx"):
            return DOCX
        return "application/zip"
    if path.endswith(".p7m") or ct.startswith(("application/pkcs7", "application/x-pkcs7")):
        return P7M  # named as signed but unreadable: the p7m parser says why
    if any(m in low for m in HTML_MARKERS):
        return "text/html"
    if ct in ("text/html", "application/xhtml+xml"):
        return "text/html"
    return ct or "text/plain"
