"""Plain text → Document: the title is the first non-empty line, dates come from labels."""

from __future__ import annotations

from models.records import Document
from parsers.errors import ParseError
from parsers.metadates import labelled_date


def parse_text(text: str) -> Document:
    if not text.strip():
        raise ParseError("empty text")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    title = next((line.strip() for line in text.splitlines() if line.strip()), None)
    return Document(
        text=text,
        title=title[:200] if title else None,
        published=labelled_date(text, "published"),
        updated=labelled_date(text, "updated"),
        media_type="text/plain",
        parser="text",
    )
