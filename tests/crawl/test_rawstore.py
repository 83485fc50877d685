"""The raw store keeps each body once, under its sha256, written atomically."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from crawl.rawstore import RawStore


def test_put_get_has_path(tmp_path: Path) -> None:
    store = RawStore(tmp_path / "raw")
    body = b"%PDF-1.4 determina"
    sha = store.put(body)
    assert sha == hashlib.sha256(body).hexdigest()
    assert store.path(sha) == tmp_path / "raw" / sha[:2] / sha[2:4] / sha
    assert store.has(sha) and sha in store and store.get(sha) == body
    assert store.put(body) == sha  # idempotent
    files = [p for p in (tmp_path / "raw").rglob("*") if p.is_file()]
    assert files == [store.path(sha)]  # no temporary files left behind


def test_missing_and_malformed(tmp_path: Path) -> None:
    store = RawStore(tmp_path)
    absent = "0" * 64
    assert not store.has(absent)
    with pytest.raises(KeyError, match="no body"):
        store.get(absent)
    with pytest.raises(ValueError, match="not a sha256"):
        store.path("../../etc/passwd")
    assert not store.has("../../etc/passwd")


def test_truncated_file_is_rewritten(tmp_path: Path) -> None:
    store = RawStore(tmp_path)
    body = b"x" * 1000
    sha = store.put(body)
    store.path(sha).write_bytes(b"x" * 10)  # as if a disk filled up under an older writer
    store.put(body)
    assert store.get(sha) == body
