"""Reading local files the way the pipeline reads fetched bodies (shared by parse and extract)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from models.records import Document

SUFFIX_TYPES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".xhtml": "text/html",
    ".pdf": "application/pdf",
    ".txt": "text/plain",
    ".text": "text/plain",
    ".md": "text/plain",
    ".p7m": "application/pkcs7-mime",
}


def content_type_for(path: str) -> str | None:
    """The media type a file's suffix suggests; the parser still sniffs the bytes."""
    return SUFFIX_TYPES.get(Path(path).suffix.lower())


def read_document(path: str, published: date | None = None) -> Document:
    """Parse a local file as the pipeline does (in a child process with its time and memory
    limits, so one file can never hang the command); ``published`` overrides the parsed date."""
    from parsers.guard import parse_guarded

    data = Path(path).read_bytes()
    document = parse_guarded(data, content_type=content_type_for(path), url=path)
    if published is not None:
        document.published = published
    return document


def iso_date(value: str) -> date:
    """argparse type for YYYY-MM-DD."""
    import argparse

    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM-DD date: {value!r}") from exc


def reason(exc: BaseException) -> str:
    """A one-line readable reason for a per-file error."""
    from parsers.errors import ParseError

    if isinstance(exc, ParseError):
        return str(exc)
    if isinstance(exc, FileNotFoundError):
        return "file not found"
    if isinstance(exc, IsADirectoryError):
        return "is a directory"
    if isinstance(exc, PermissionError):
        return "permission denied"
    return f"{type(exc).__name__}: {exc}"
