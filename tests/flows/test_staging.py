"""Staged extract batches (flows/staging.py): Parquet frames written by a worker, loaded by
the one writer, give the warehouse rows the ordinary load gives; loading twice adds nothing."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "faults"))

from pipeline_helpers import table_checksums  # noqa: E402

from flows import stages, staging  # noqa: E402

PAGES = [
    (f"<html><head><title>Progetto {n}</title></head><body><main><h1>Progetto {n}</h1>"
     f"<p>Il Comune di Massa ha ricevuto euro {n}96.931,00 per il progetto, codice CUP "
     f"F74H2400278000{n}, avviato il 0{n}/07/2017 con il Centro per l'impiego.</p>"
     "<table><tr><th>Voce</th><th>Importo</th></tr><tr><td>Tirocini</td>"
     f"<td>{n}.000,00</td></tr></table></main></body></html>").encode()
    for n in range(1, 5)
]


def _project(root: Path) -> tuple[stages.Workspace, list[str]]:
    ws = stages.Workspace.at(root)
    items = [{"sha256": ws.raw.put(body), "url": f"http://127.0.0.1/p{n}.html",
              "content_type": "text/html", "source_id": "s"} for n, body in enumerate(PAGES)]
    parsed = stages.parse_batch(ws, items)
    ok = [p["sha256"] for p in parsed if not p["error"]]
    stages.extract_batch(ws, ok)
    return ws, [i["sha256"] for i in items]


def test_staged_batches_load_the_rows_of_the_ordinary_load(tmp_path: Path) -> None:
    plain, shas = _project(tmp_path / "plain")
    stages.load_into_warehouse(plain, run_id="r", shas=shas)

    ws, shas = _project(tmp_path / "staged")
    assert staging.write_batch(ws, "r", 0, shas[:2]) == 2
    assert staging.write_batch(ws, "r", 1, shas[2:]) == len(shas) - 2
    assert staging.write_batch(ws, "r", 1, shas[2:]) == len(shas) - 2  # a retried batch
    assert [p.name for p in staging.staged_batches(ws, "r")] == ["batch-00000000",
                                                                  "batch-00000001"]
    landed = staging.load_run(ws, "r")
    assert landed == set(shas)
    assert staging.load_run(ws, "r") == landed  # loaded twice: rows replaced, not added
    stats = stages.load_into_warehouse(ws, run_id="r", shas=[s for s in shas if s not in landed])
    assert stats["documents_loaded"] == 0
    staging.clear_run(ws, "r")
    assert not (tmp_path / "staged" / "data" / "staging").exists()

    want, got = table_checksums(plain.warehouse), table_checksums(ws.warehouse)
    for table in ("documents", "document_tables", "claims", "projects", "document_projects"):
        assert got[table] == want[table], table
    assert want["claims"][0] > 10


def test_a_batch_cut_short_is_not_loaded(tmp_path: Path) -> None:
    ws, shas = _project(tmp_path)
    staging.write_batch(ws, "r", 0, shas)
    # What a worker killed while writing leaves: a hidden folder, never renamed into place.
    (staging.run_dir(ws, "r") / ".batch-00000001.123-abcdef").mkdir()
    assert [p.name for p in staging.staged_batches(ws, "r")] == ["batch-00000000"]


def test_a_batch_that_cannot_be_staged_is_loaded_from_the_docstore(tmp_path: Path) -> None:
    """Staging is a shortcut: a worker that cannot write it (here data/staging is a file) still
    extracts its batch, and the writer loads those documents the ordinary way."""
    from flows.dask_stages import extract_stage_task, load_staged_task

    ws = stages.Workspace.at(tmp_path)
    items = [{"sha256": ws.raw.put(body), "url": f"http://127.0.0.1/p{n}.html",
              "content_type": "text/html", "source_id": "s"} for n, body in enumerate(PAGES)]
    stages.parse_batch(ws, items)
    shas = [i["sha256"] for i in items]
    (tmp_path / "data" / "staging").write_text("not a folder")
    results = extract_stage_task.fn(str(tmp_path), shas, "r", 0)
    assert [r["sha256"] for r in results if not r.get("error")] == shas
    stats = load_staged_task.fn(str(tmp_path), "r", [], [], shas, [], 0.0)
    assert stats["documents_loaded"] == len(shas)
