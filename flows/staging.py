"""Extract batches staged as Parquet by the workers, loaded by the one writer.

A worker on the Dask cluster cannot write the DuckDB warehouse (one writer at a time), so
after an extract batch it builds the batch's warehouse frames (documents, their tables, their
claims: ``warehouse.bulk``, as the load would) and writes them under
``data/staging/RUN_ID/batch-N/``, one Parquet file per frame. The folder appears whole or not
at all (written beside, then renamed), so a worker killed half-way leaves nothing the writer
would read; its retry writes the same folder again. The writer inserts each staged batch by
Arrow in one transaction (rows replaced by key: loading a batch twice changes nothing), then
removes the run's staging folder. A document not staged (a damaged file, a batch whose
frames the warehouse refuses) is loaded the ordinary way from the docstore, so nothing depends
on the staging being complete.

With the stores under an fsspec URL (``--store s3://...``) the batch is
``URL/staging/RUN_ID/batch-N/``: each Parquet file one whole object, then an empty
``_COMPLETE`` object written last; the writer reads only batches that have it, so a batch still
appears whole or not at all on an object store, which has no rename.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from docstore.files import DocStore, StoredFileDamaged, claim_from_dict
from docstore.objects import ObjectFolder
from flows.stages import Workspace
from warehouse import load as wload

FRAMES = ("doc_df", "sha_df", "ext_df", "tab_df", "claim_df")
COMPLETE = "_COMPLETE"  # the object that says a batch under a URL is whole


def run_dir(ws: Workspace, run_id: str) -> Path:
    """The run's staging folder (stores in local folders)."""
    base = Path(ws.store) if ws.store and not ws.remote else ws.root / "data"
    return base / "staging" / run_id


def _run_objects(ws: Workspace, run_id: str) -> ObjectFolder:
    """The run's staging prefix (stores under a URL)."""
    return ObjectFolder(f"{ws.store}/staging/{run_id}")


def _item(docs: DocStore, sha: str) -> dict[str, Any] | None:
    """The load's item for one parsed and extracted document (None: left to the load)."""
    try:
        parsed = docs.get_parsed(sha)
        if parsed is None or parsed.get("error"):
            return None
        document = docs.document_of(sha, parsed)
        extracted = docs.get_extracted(sha)
    except (StoredFileDamaged, KeyError, TypeError):
        return None
    if not extracted:
        return None
    meta = parsed.get("meta", {})
    return {
        "sha256": sha,
        "url": meta.get("url"),
        "source_id": meta.get("source_id"),
        "document": document,
        "nlp_model": extracted["meta"].get("model"),
        "claims": [claim_from_dict(c) for c in extracted["claims"]],
        "parsed_at": meta.get("parsed_at"),
        "extracted_at": extracted["meta"]["extracted_at"],
    }


def write_batch(ws: Workspace, run_id: str, batch_no: int, shas: Sequence[str]) -> int:
    """Stage the frames of ``shas`` (freshly extracted) as batch ``batch_no``; return how many
    documents were staged."""
    import pyarrow.parquet as pq

    from warehouse.bulk import bulk_frames

    docs = ws.docs
    items = [it for sha in shas if (it := _item(docs, sha)) is not None]
    if not items:
        return 0
    frames = bulk_frames(items)
    if ws.remote:
        _write_objects(_run_objects(ws, run_id), f"batch-{batch_no:08d}", frames)
        return len(items)
    final = run_dir(ws, run_id) / f"batch-{batch_no:08d}"
    tmp = final.with_name(f".{final.name}.{os.getpid()}-{uuid.uuid4().hex[:6]}")
    tmp.mkdir(parents=True)
    try:
        for name in FRAMES:
            pq.write_table(frames[name], tmp / f"{name}.parquet")
        if final.exists():  # an earlier attempt of this batch finished writing: same content
            shutil.rmtree(final, ignore_errors=True)
        os.rename(tmp, final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return len(items)


def _write_objects(run: ObjectFolder, batch: str, frames: dict[str, Any]) -> None:
    """Each frame one whole object, the ``_COMPLETE`` marker last. A retry writes the same
    objects again (same content), so a reader that saw the marker reads a whole batch."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    for name in FRAMES:
        sink = pa.BufferOutputStream()
        pq.write_table(frames[name], sink)
        run.write(f"{batch}/{name}.parquet", sink.getvalue().to_pybytes())
    run.write(f"{batch}/{COMPLETE}", b"")


def staged_batches(ws: Workspace, run_id: str) -> list[Path] | list[str]:
    """The run's whole batches, in order: folders, or names under the URL's staging."""
    if ws.remote:
        run = _run_objects(ws, run_id)
        return [name for name in run.names() if name.startswith("batch-")
                and run.exists(f"{name}/{COMPLETE}")]
    folder = run_dir(ws, run_id)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_dir() and p.name.startswith("batch-"))


def load_run(ws: Workspace, run_id: str, wait: float = 0.0) -> set[str]:
    """Insert every staged batch of ``run_id`` into the warehouse; return the documents that
    landed (the load takes the others from the docstore)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from warehouse.db import connect

    batches = staged_batches(ws, run_id)
    landed: set[str] = set()
    if not batches:
        return landed
    run = _run_objects(ws, run_id) if ws.remote else None

    def read(batch: Path | str, name: str) -> Any:
        if run is None:
            return pq.read_table(Path(batch) / f"{name}.parquet")
        data = run.read(f"{batch}/{name}.parquet")
        if data is None:
            raise FileNotFoundError(f"{batch}/{name}.parquet")
        return pq.read_table(pa.BufferReader(data))

    with connect(ws.warehouse, wait=wait) as con:
        wload.load_settings(con)
        for folder in batches:
            try:
                frames = {name: read(folder, name) for name in FRAMES}
                wload.write_frames(con, frames)  # load problems of these documents cleared
            except wload._FATAL:
                raise
            except Exception:  # noqa: BLE001 - unreadable or refused: the ordinary load takes it
                continue
            shas = [str(s) for s in frames["sha_df"].column("sha256").to_pylist()]
            wload.clear_problems(con, "parse", shas)
            landed.update(shas)
    return landed


def clear_run(ws: Workspace, run_id: str) -> None:
    """Remove the staging folder once a run's batches are in the warehouse, with what runs
    killed before their load left there: a run holds the project's one-writer lock from start
    to end, so no other run's batches can still be on their way. (What a killed run staged
    is in the docstore too, and the next run loads it from there.)"""
    if ws.remote:
        ObjectFolder(f"{ws.store}/staging").remove("")
        return
    shutil.rmtree(run_dir(ws, run_id).parent, ignore_errors=True)
