"""Stage functions: each persists its output, skips work already done, records bad input."""

from __future__ import annotations

from pathlib import Path

import duckdb

from crawl.rawstore import RawStore
from flows import stages

PAGE = (
    "<html><head><title>Progetto</title></head><body><main><h1>Progetto di inclusione</h1>"
    "<p>Il Comune di Massa ha ricevuto euro 496.931,00 per il progetto, codice CUP "
    "F74H24002780007, avviato il 04/07/2017 con il Centro per l'impiego.</p>"
    "<p>Data ultima modifica: Mercoledì, 19 Maggio, 2021</p></main></body></html>"
).encode()


def _items(ws: stages.Workspace, bodies: dict[str, tuple[bytes, str]]) -> list[dict]:
    store = RawStore(ws.paths.raw)
    return [
        {"sha256": store.put(data), "url": f"http://127.0.0.1/{name}", "content_type": ctype,
         "source_id": "s"}
        for name, (data, ctype) in bodies.items()
    ]


def test_parse_extract_load_and_skip_on_rerun(tmp_path: Path) -> None:
    ws = stages.Workspace.at(tmp_path)
    items = _items(ws, {
        "p.html": (PAGE, "text/html"),
        "fake.pdf": (b"<html>not a pdf</html>", "application/pdf"),
        "empty.txt": (b"", "text/plain"),
    })
    parsed = stages.parse_batch(ws, items)
    errors = {p["sha256"]: p["error"] for p in parsed}
    assert errors[items[0]["sha256"]] is None
    assert "not a PDF" in errors[items[1]["sha256"]]
    assert "empty" in errors[items[2]["sha256"]]

    ok = [items[0]["sha256"]]
    first = stages.extract_batch(ws, ok)
    assert first[0]["claims"] > 0 and not first[0]["skipped"]
    assert stages.extract_batch(ws, ok)[0]["skipped"]
    assert all(p["skipped"] for p in stages.parse_batch(ws, items))

    stats = stages.load_into_warehouse(ws, run_id="r1", shas=[i["sha256"] for i in items])
    assert stats["documents_loaded"] == 1
    again = stages.load_into_warehouse(ws, run_id="r2", shas=[i["sha256"] for i in items])
    assert again["documents_loaded"] == 0  # unchanged documents are not loaded again

    con = duckdb.connect(str(ws.warehouse), read_only=True)
    try:
        kinds = {k for (k,) in con.execute("SELECT DISTINCT kind FROM claims").fetchall()}
        assert {"amount", "cup", "date"} <= kinds
        problems = con.execute("SELECT stage, reason FROM problems ORDER BY reason").fetchall()
        assert len(problems) == 2 and all(s == "parse" for s, _ in problems)
    finally:
        con.close()


def test_fetch_log_survives_a_torn_line(tmp_path: Path) -> None:
    ws = stages.Workspace.at(tmp_path)
    ws.fetch_log.parent.mkdir(parents=True)
    ws.fetch_log.write_text(
        '{"fetch_id": "1", "run_id": "r", "source_id": "s", "url": "http://h/a", '
        '"fetched_at": "2026-01-01T00:00:00", "outcome": "stored", "sha256": "ab", '
        '"etag": "\\"e1\\""}\n{"fetch_id": "2", "url": "http://h/b", "fetch'
    )
    records = stages.read_fetch_log(ws)
    assert [r.url for r in records] == ["http://h/a"]
    assert stages.crawl_state(ws).known == {"http://h/a": ('"e1"', None, "ab")}
