"""What every extractor shares: the context it reads and the way it names its claims.

An extractor is a module with ``NAME``, ``VERSION`` and ``extract(ctx) -> Iterable[Claim]``.
It sees one document's text (and spaCy ``Doc`` of it), never a file, a URL or a database.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Callable, Iterable
from datetime import date
from functools import cache
from importlib import resources
from typing import Any, Protocol

from models.records import Claim, Document, Table


class Context:
    """One document as extractors see it.

    ``doc`` is the spaCy ``Doc`` of ``text`` (or of a chunk of it: ``offset`` is where the chunk
    starts in the document text, so spans from ``doc`` must be shifted by it). Given
    ``make_doc`` instead, the Doc is built the first time an extractor reads ``doc``: no
    extractor that only reads ``text`` pays for tokenising.
    """

    __slots__ = ("text", "_doc", "_make_doc", "offset", "published", "tables", "document")

    def __init__(
        self,
        text: str,
        doc: Any = None,
        offset: int = 0,
        published: date | None = None,
        tables: list[Table] | None = None,
        document: Document | None = None,
        make_doc: Callable[[str], Any] | None = None,
    ) -> None:
        self.text = text
        self._doc = doc
        self._make_doc = make_doc
        self.offset = offset
        self.published = published
        self.tables = tables if tables is not None else []
        self.document = document

    @property
    def doc(self) -> Any:
        if self._doc is None and self._make_doc is not None:
            self._doc = self._make_doc(self.text)
            self._make_doc = None
        return self._doc

    @doc.setter
    def doc(self, value: Any) -> None:
        self._doc, self._make_doc = value, None

    def __repr__(self) -> str:
        return f"Context(text={self.text[:40]!r}..., offset={self.offset})"

    @classmethod
    def of(cls, document: Document, doc: Any = None) -> Context:
        return cls(
            text=document.text,
            doc=doc,
            published=document.published or document.updated,
            tables=document.tables,
            document=document,
        )


class ExtractorModule(Protocol):
    """``USES_PIPELINE = True`` (optional) asks for the pipeline's components on ``ctx.doc``
    (lemmas, entities); otherwise ``ctx.doc`` holds the tokens only."""

    NAME: str
    VERSION: str

    def extract(self, ctx: Context) -> Iterable[Claim]: ...


_EXTRACTORS = resources.files("extractors")
# Shared by every extractor: a change here may change any claim.
_SHARED = ("base.py", "common.py")


@cache
def fingerprint(name: str) -> str:
    """:func:`fingerprint_in` of the installed extractors."""
    return fingerprint_in(_EXTRACTORS, name)


def fingerprint_in(root: Any, name: str) -> str:
    """Eight hex digits of the code and patterns an extractor's claims depend on: its module
    (every file of it, if a package), its ``patterns/<name>*`` files and the shared helpers.

    A rule edited without a new VERSION still changes the fingerprint, so stored documents are
    extracted again (the docstore compares full versions)."""
    h = hashlib.sha1()
    module = root / f"{name}.py"
    package = root / name
    files = [module] if module.is_file() else []
    if package.is_dir():
        files += sorted((p for p in package.iterdir() if p.name.endswith((".py", ".toml"))),
                        key=lambda p: p.name)
    patterns = root / "patterns"
    files += sorted((p for p in patterns.iterdir() if p.name.startswith(name)
                     and p.name.endswith(".toml")), key=lambda p: p.name)
    files += [root / s for s in _SHARED]
    for f in files:
        h.update(f.name.encode() + b"\0" + f.read_bytes())
    return h.hexdigest()[:8]


def full_version(name: str, version: str) -> str:
    """``VERSION+fingerprint``, what every claim and every extraction record carries."""
    return f"{version}+{fingerprint(name)}"


def make_claim(
    name: str, version: str, kind: str, value: Any, text: str, start: int, end: int, **kw: Any
) -> Claim:
    """Build a claim whose quote is the exact slice of ``text`` it was read from."""
    return Claim(
        kind=kind,
        value=value,
        text=text[start:end],
        start=start,
        end=end,
        extractor=f"{name}@{full_version(name, version)}",
        **kw,
    )


@cache
def load_patterns(name: str) -> dict[str, Any]:
    """Read ``extractors/patterns/<name>.toml``: patterns live as data, apart from code."""
    raw = (resources.files("extractors") / "patterns" / f"{name}.toml").read_text("utf-8")
    return tomllib.loads(raw)
