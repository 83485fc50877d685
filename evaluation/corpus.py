"""The annotated corpus: documents with a ``<name>.gold.toml`` beside them, in named sets.

Gold format (every key optional except the fields scored):

    published = "2019-03-12"            # publication date given to the extractors
    amounts = [[412500.0, "allocated"]] # value in euro, role ("" when the text names none)
    cups = ["F39I23001450006"]
    cigs = ["8327701A5F"]
    dates = [["2017-11-15", "signed"], ["2017-09", ""]]
    organisations = ["Comune di Pistoia"]
    outcomes = [[540, "domande"]]       # count, what was counted
    programmes = ["PON Inclusione"]
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from models.records import Document

DOC_SUFFIXES = (".html", ".htm", ".txt", ".pdf")
FIELDS = ("amounts", "cups", "cigs", "dates", "organisations", "outcomes", "programmes")


@dataclass(slots=True)
class GoldDocument:
    path: Path
    set_name: str
    published: date | None
    gold: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.path.name


def default_root() -> Path:
    """tests/corpus of the source checkout this package lives in."""
    return Path(__file__).resolve().parent.parent / "tests" / "corpus"


def available_sets(root: Path) -> list[str]:
    """Names of the folders under ``root`` that hold at least one document with a gold file.

    New sets (a fresh blind set, say) are scored by name without code changes.
    """
    if not root.is_dir():
        return []
    return sorted(
        folder.name
        for folder in root.iterdir()
        if folder.is_dir()
        and any(
            p.suffix.lower() in DOC_SUFFIXES and p.with_name(p.stem + ".gold.toml").exists()
            for p in folder.iterdir()
        )
    )


def load_set(root: Path, set_name: str) -> list[GoldDocument]:
    """Every document of ``root/set_name`` that has a gold file, sorted by name."""
    folder = root / set_name
    docs = []
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in DOC_SUFFIXES:
            continue
        gold_path = path.with_name(path.stem + ".gold.toml")
        if not gold_path.exists():
            continue
        gold = tomllib.loads(gold_path.read_text("utf-8"))
        published = gold.pop("published", None)
        if isinstance(published, str):
            published = date.fromisoformat(published)
        docs.append(GoldDocument(path=path, set_name=set_name, published=published, gold=gold))
    return docs


def read(doc: GoldDocument) -> Document:
    """Parse a corpus file as the pipeline would, with the gold publication date if given."""
    from parsers import parse_bytes

    document = parse_bytes(doc.path.read_bytes(), url=str(doc.path))
    if doc.published is not None:
        document.published = doc.published
    return document
