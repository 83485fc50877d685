"""Decide what a body really is from its first bytes, not from what the server said."""

from __future__ import annotations

HTML_MARKERS = (
    b"<!doctype html", b"<html", b"<head", b"<body", b"<meta", b"<title", b"<div", b"<p>",
)


def sniff(data: bytes, content_type: str | None = None, url: str | None = None) -> str:
    """Return a media type: application/pdf, text/html, application/pkcs7-mime, DOCX/ODT or text."""
    head = data[:2048].lstrip()
    low = head.lower()
    if head.startswith(b"%PDF-") or b"%PDF-" in data[:1024]:
        return "application/pdf"
    if head.startswith(b"PK\x03\x04"):
        if b"mimetypeapplication/vnd.oasis.opendocument.text" in data[:200]:
            return "application/vnd.oasis.opendocument.text"
        if b"word/" in data[:4096] or (url or "").lower().endswith(".docx"):
            return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        return "application/zip"
    if (url or "").lower().endswith(".p7m") or (content_type or "").startswith(
        ("application/pkcs7", "application/x-pkcs7")
    ):
        return "application/pkcs7-mime"
    if head[:1] == b"\x30" and b"\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02" in data[:64]:
        return "application/pkcs7-mime"
    if any(m in low for m in HTML_MARKERS):
        return "text/html"
    ct = (content_type or "").split(";")[0].strip().lower()
    if ct in ("text/html", "application/xhtml+xml"):
        return "text/html"
    return ct or "text/plain"
