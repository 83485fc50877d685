"""JSON files for parsed documents and extracted claims, written atomically.

:class:`DocStore` keeps them in two local folders; :class:`ObjectDocStore` as objects under an
fsspec URL (``URL/parsed/<sha256>.json``, ``URL/extracted/<sha256>.json``) for workers on
several machines. ``open_docstore`` picks one.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import asdict, fields
from datetime import date
from pathlib import Path
from typing import Any

from docstore.objects import ObjectFolder, is_url
from models.records import Claim, Document, Table

_SHA256 = re.compile(r"[0-9a-f]{64}")


def _default(obj: Any) -> Any:
    if isinstance(obj, date):
        return obj.isoformat()
    raise TypeError(f"cannot store {type(obj).__name__} as JSON")


def write_json(path: Path, payload: Any) -> None:
    """Write via a temporary file and rename, so a killed run never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(payload, fh, ensure_ascii=False, default=_default)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def document_to_dict(doc: Document) -> dict[str, Any]:
    return asdict(doc)


def document_from_dict(data: dict[str, Any]) -> Document:
    known = {f.name for f in fields(Document)}
    data = {k: v for k, v in data.items() if k in known}
    for key in ("published", "updated"):
        if data.get(key):
            data[key] = date.fromisoformat(data[key])
    data["tables"] = [Table(**t) for t in data.get("tables") or []]
    return Document(**data)


_CLAIM_FIELDS = frozenset(f.name for f in fields(Claim))


def claim_from_dict(data: dict[str, Any]) -> Claim:
    if data.keys() <= _CLAIM_FIELDS:  # as written by put_claims: no key to drop
        return Claim(**data)
    return Claim(**{k: v for k, v in data.items() if k in _CLAIM_FIELDS})


def _checked(sha256: str) -> str:
    """The key when it is a sha256 hex digest: file names are never built from anything else,
    so a damaged fetch log cannot make a stage write outside its folder."""
    if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
        raise ValueError(f"not a sha256 hex digest: {sha256!r}")
    return sha256


class StoredFileDamaged(ValueError):
    """A parsed or extracted file that cannot be read back (cut, overwritten, hand-edited)."""


def _read(path: Path) -> dict[str, Any] | None:
    if not path.exists():
        return None
    return _parse(path.read_bytes(), f"{path.parent.name}/{path.name}")


def _parse(raw: bytes, name: str) -> dict[str, Any]:
    try:
        data = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise StoredFileDamaged(f"{name} cannot be read ({exc})") from exc
    if not isinstance(data, dict):
        raise StoredFileDamaged(f"{name} holds no JSON object")
    return data


def _dumps(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, default=_default).encode("utf-8")


class DocStore:
    """Parsed documents and claims of one project folder, keyed by the sha256 of the raw bytes."""

    def __init__(self, parsed: Path, extracted: Path) -> None:
        self.parsed = parsed
        self.extracted = extracted

    def parsed_path(self, sha256: str) -> Path:
        return self.parsed / f"{_checked(sha256)}.json"

    def extracted_path(self, sha256: str) -> Path:
        return self.extracted / f"{_checked(sha256)}.json"

    def _put(self, kind: str, sha256: str, payload: dict[str, Any]) -> None:
        path = self.parsed_path(sha256) if kind == "parsed" else self.extracted_path(sha256)
        write_json(path, payload)

    def _get(self, kind: str, sha256: str) -> dict[str, Any] | None:
        return _read(self.parsed_path(sha256) if kind == "parsed"
                     else self.extracted_path(sha256))

    def put_document(self, sha256: str, doc: Document, meta: dict[str, Any]) -> None:
        self._put("parsed", sha256, {"meta": meta, "document": document_to_dict(doc)})

    def put_parse_error(self, sha256: str, reason: str, meta: dict[str, Any]) -> None:
        self._put("parsed", sha256, {"meta": meta, "error": reason})

    def get_parsed(self, sha256: str) -> dict[str, Any] | None:
        """The parsed file's content; StoredFileDamaged when it cannot be read back."""
        return self._get("parsed", sha256)

    def get_document(self, sha256: str) -> Document | None:
        return self.document_of(sha256, self.get_parsed(sha256))

    def document_of(self, sha256: str, data: dict[str, Any] | None) -> Document | None:
        """The Document of a parsed file already read (``get_parsed``)."""
        if not data or "document" not in data:
            return None
        try:
            return document_from_dict(data["document"])
        except (TypeError, ValueError, AttributeError) as exc:
            raise StoredFileDamaged(
                f"parsed/{sha256}.json holds no readable document ({type(exc).__name__}: {exc})"
            ) from exc

    def put_claims(self, sha256: str, claims: list[Claim], meta: dict[str, Any]) -> None:
        self._put("extracted", sha256, {"meta": meta, "claims": [asdict(c) for c in claims]})

    def get_extracted(self, sha256: str) -> dict[str, Any] | None:
        """The extracted file's content; StoredFileDamaged when it cannot be read back."""
        return self._get("extracted", sha256)

    def parsed_shas(self) -> list[str]:
        return sorted(p.stem for p in self.parsed.glob("*.json") if not p.name.startswith("."))


class ObjectDocStore(DocStore):
    """The docstore under an fsspec URL: each file one whole object (docstore/objects.py)."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self.objects = ObjectFolder(self.url)
        # Where the local store has its folders, the URL's (for messages; no file is opened).
        super().__init__(Path("parsed"), Path("extracted"))

    def _put(self, kind: str, sha256: str, payload: dict[str, Any]) -> None:
        self.objects.write(f"{kind}/{_checked(sha256)}.json", _dumps(payload))

    def _get(self, kind: str, sha256: str) -> dict[str, Any] | None:
        raw = self.objects.read(f"{kind}/{_checked(sha256)}.json")
        return None if raw is None else _parse(raw, f"{kind}/{sha256}.json")

    def parsed_shas(self) -> list[str]:
        return sorted(n[:-5] for n in self.objects.names("parsed")
                      if n.endswith(".json") and _SHA256.fullmatch(n[:-5]))


def open_docstore(location: Path | str) -> DocStore:
    """The docstore of a project: ``location/parsed`` and ``location/extracted``, folders of a
    path or objects under an fsspec URL."""
    if is_url(location):
        return ObjectDocStore(str(location))
    return DocStore(Path(location) / "parsed", Path(location) / "extracted")
