"""Record types shared by every stage: what parsing yields and what extractors claim.

Pure dataclasses, so that parsers and extractors stay free of I/O and the warehouse
loader can turn them into Arrow tables in one go.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any


@dataclass(slots=True)
class Table:
    """A table found in a document: header cells and rows of cells, as printed."""

    header: list[str]
    rows: list[list[str]]
    page: int | None = None
    caption: str | None = None
    # Character span of the table's rendering inside Document.text, when it is rendered there.
    start: int | None = None
    end: int | None = None


@dataclass(slots=True)
class Document:
    """A parsed document: the text extractors read, plus what the parser learnt about it.

    ``text`` is the single string every claim's ``start``/``end`` indexes into.
    """

    text: str
    title: str | None = None
    published: date | None = None
    updated: date | None = None
    media_type: str = "text/plain"
    tables: list[Table] = field(default_factory=list)
    pages: int | None = None
    parser: str = ""
    ocr: bool = False
    ocr_confidence: float | None = None
    signer: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    def quote(self, start: int, end: int) -> str:
        return self.text[start:end]


@dataclass(slots=True)
class Claim:
    """One fact read from a document, with the exact characters it was read from.

    ``value`` is normalised (float euros, ISO dates, canonical names, 15-char CUP);
    ``text`` equals ``document.text[start:end]``; ``extractor`` is ``name@version``.
    """

    kind: str
    value: Any
    text: str
    start: int
    end: int
    extractor: str
    role: str | None = None
    unit: str | None = None
    currency: str | None = None
    precision: str | None = None
    type: str | None = None
    status: str | None = None
    confidence: float = 1.0
    attrs: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The JSON Lines shape of a claim: empty optional fields are left out."""
        out: dict[str, Any] = {}
        for key, val in asdict(self).items():
            if key == "attrs":
                out.update({k: v for k, v in val.items() if k not in out})
            elif val is not None:
                out[key] = val
        return out
