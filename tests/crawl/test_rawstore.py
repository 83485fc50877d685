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


def test_bodies_stored_at_once_share_one_sync_and_appear_only_once_durable(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Group commit: while one sync runs, the bodies written meanwhile wait for the next one,
    and no body is under its name before a sync that covers it has finished."""
    import threading

    from crawl import rawstore

    if rawstore._SYNCFS is None:
        pytest.skip("no syncfs here: each body is fsynced on its own")
    real = rawstore._GroupSync._syncfs
    syncs: list[str] = []
    first_running, let_go = threading.Event(), threading.Event()

    def syncfs(folder: Path) -> None:
        syncs.append(str(folder))
        if len(syncs) == 1:
            first_running.set()
            assert let_go.wait(10)
        real(folder)

    monkeypatch.setattr(rawstore._GroupSync, "_syncfs", staticmethod(syncfs))
    store = RawStore(tmp_path / "raw")
    bodies = [f"determina {n}".encode() for n in range(4)]
    shas = [hashlib.sha256(b).hexdigest() for b in bodies]
    threads = [threading.Thread(target=store.put, args=(bodies[0],))]
    threads[0].start()
    assert first_running.wait(10)
    assert not store.has(shas[0])  # written, not yet durable: not under its name
    later = [threading.Thread(target=store.put, args=(b,)) for b in bodies[1:]]
    for t in later:
        t.start()
    deadline = 100
    while sum(1 for p in (tmp_path / "raw").rglob(".tmp-*")) < 4 and deadline:
        threading.Event().wait(0.05)
        deadline -= 1
    assert not any(store.has(s) for s in shas)
    let_go.set()
    for t in threads + later:
        t.join(10)
    assert all(store.get(s) == b for s, b in zip(shas, bodies, strict=True))
    assert len(syncs) == 2  # the three written during the first sync shared the second
    assert not list((tmp_path / "raw").rglob(".tmp-*"))
