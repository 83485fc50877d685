"""The stores in a local folder against the same stores through an fsspec URL.

Writes and reads N bodies into the raw store and N parsed documents into the docstore, once
in a plain folder (the crawl's fast path), once through ``file://`` (fsspec's local
filesystem: what a mounted share costs beyond the disk) and once through ``memory://`` (the
object-store path, one whole put per object, without a network). Prints seconds, the ratio
to the folder and wall/CPU per object. An object store on a network adds a round trip per
object to the ``file://`` figure.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crawl.rawstore import open_raw_store  # noqa: E402
from docstore.files import open_docstore  # noqa: E402
from models.records import Document  # noqa: E402


def _bodies(n: int, size: int) -> list[bytes]:
    return [os.urandom(size // 2).hex().encode()[:size] for _ in range(n)]


def _time(fn: object) -> tuple[float, float]:
    w, c = time.perf_counter(), time.process_time()
    fn()  # type: ignore[operator]
    return time.perf_counter() - w, time.process_time() - c


def _one(where: str, bodies: list[bytes], doc: Document) -> list[tuple[str, float, float]]:
    """(operation, wall s, CPU s) for each operation on the stores at ``where``."""
    raw = open_raw_store(f"{where}/raw")
    docs = open_docstore(where)
    shas: list[str] = []

    def put() -> None:
        shas.extend(raw.put(b) for b in bodies)

    def again() -> None:  # a re-crawl of unchanged bodies: only the check
        for b in bodies:
            raw.put(b)

    def get() -> None:
        for s in shas:
            raw.get(s)

    def put_docs() -> None:
        for s in shas:
            docs.put_document(s, doc, {"url": "http://127.0.0.1/"})

    def get_docs() -> None:
        for s in shas:
            docs.get_document(s)

    return [(name, *_time(fn)) for name, fn in (
        ("put", put), ("put again", again), ("get", get), ("docs put", put_docs),
        ("docs get", get_docs))]


def run(n: int, size: int) -> None:
    bodies = _bodies(n, size)
    doc = Document(text="Il Comune di Massa ha ricevuto euro 496.931,00. " * 40, title="t")
    print(f"store: {n} bodies of {size} bytes, {n} parsed documents "
          f"({len(doc.text)} characters)")
    with tempfile.TemporaryDirectory() as tmp:
        places = {"folder": f"{tmp}/plain", "file://": f"file://{tmp}/fs",
                  "memory://": f"memory://bench-{uuid.uuid4().hex}"}
        base: dict[str, float] = {}
        for label, where in places.items():
            row = []
            for name, wall, cpu in _one(where, bodies, doc):
                base.setdefault(name, wall)
                row.append(f"{name} {wall:.2f} s ({wall / base[name]:.1f}×, "
                           f"{wall / n * 1e3:.2f} ms wall, {cpu / n * 1e3:.2f} ms CPU each)")
            print(f"  {label:9s} " + "; ".join(row))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--size", type=int, default=20_000)
    parser.add_argument("--quick", action="store_true", help="500 objects")
    args = parser.parse_args()
    run(500 if args.quick else args.n, args.size)


if __name__ == "__main__":
    main()
