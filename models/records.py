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
    # Page of each row when the table runs over several pages (None: every row is on ``page``).
    row_pages: list[int] | None = None
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


@dataclass(slots=True)
class Source:
    """One site to crawl, as written in the sources TOML file."""

    source_id: str
    entity: str
    start_urls: list[str]
    allowed_hosts: list[str]
    max_depth: int = 3
    max_pages: int = 200
    allow_patterns: list[str] = field(default_factory=list)
    deny_patterns: list[str] = field(default_factory=list)
    topic_keywords: list[str] = field(default_factory=list)
    allow_private: bool = False
    delay_seconds: float = 0.0
    concurrency: int = 2
    timeout_seconds: float = 20.0
    max_bytes: int = 50 * 1024 * 1024
    user_agent: str | None = None
    schedule: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class FetchRecord:
    """One fetch attempt: a row of the fetch log, whether it stored a body or failed.

    ``outcome`` is ``stored`` (new or changed body), ``unchanged`` (304 or same hash),
    ``failed`` (HTTP error, timeout, too large, …) or ``refused`` (robots, private address, scheme);
    rows about the crawl itself are ``stopped`` (time budget ran out) and ``capped`` (robots.txt
    Crawl-delay above the source's cap). ``filename`` is the name the server gave the body in
    its Content-Disposition header (``scarica?id=12`` → ``determina-12.pdf``).
    """

    fetch_id: str
    run_id: str
    source_id: str
    url: str
    fetched_at: Any
    outcome: str
    final_url: str | None = None
    status: int | None = None
    content_type: str | None = None
    sha256: str | None = None
    n_bytes: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    error: str | None = None
    filename: str | None = None
