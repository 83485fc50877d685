"""Stage functions: each persists its output, skips work already done, records bad input."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from crawl.rawstore import RawStore
from flows import stages

SAMPLE_SITE = Path(__file__).resolve().parents[2] / "data" / "sample" / "site"

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


def test_a_batch_of_pages_parsed_but_not_extracted_loads(tmp_path: Path) -> None:
    """Pages whose extraction gave nothing to store (odd charset, a 100,000-deep <div> nest)
    once made a batch with no claims rows and stopped the whole load."""
    ws = stages.Workspace.at(tmp_path)
    deep = b"<html><body>" + b"<div>" * 100_000 + b"Progetto PON" + b"</div>" * 100_000
    items = _items(ws, {
        "nest.html": (deep + b"</body></html>", "text/html"),
        "latin.html": ("<html><body><p>Povertà è inclusione</p></body></html>".encode("cp1252"),
                       "text/html; charset=x-unknown"),
        "p.html": (PAGE, "text/html"),
    })
    parsed = stages.parse_batch(ws, items)
    ok = [p["sha256"] for p in parsed if p["error"] is None]
    assert items[2]["sha256"] in ok
    stats = stages.load_into_warehouse(ws, run_id="r1", shas=ok)  # nothing extracted yet
    assert stats["documents_loaded"] == len(ok)
    stages.extract_batch(ws, ok)
    stats = stages.load_into_warehouse(ws, run_id="r2", shas=ok)
    con = duckdb.connect(str(ws.warehouse), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM documents").fetchone()[0] == len(ok)
        assert con.execute("SELECT count(*) FROM claims WHERE sha256 = ?",
                           [items[2]["sha256"]]).fetchone()[0] > 0
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


def _signed(data: bytes, signer: str) -> bytes:
    """``data`` in a DER CAdES envelope signed with a throwaway self-signed certificate."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import pkcs7
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, signer)])
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(start + dt.timedelta(days=30))
            .sign(key, hashes.SHA256()))
    return (pkcs7.PKCS7SignatureBuilder().set_data(data).add_signer(cert, key, hashes.SHA256())
            .sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary]))


def _scanned(lines: list[str]) -> bytes:
    """A one-page PDF holding only a picture of ``lines`` (no text layer)."""
    import io

    import pypdfium2 as pdfium
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.set_font("helvetica", "", 16)
    pdf.set_xy(20, 30)
    for line in lines:
        pdf.cell(0, 12, line, new_x="LMARGIN", new_y="NEXT")
    picture = pdfium.PdfDocument(bytes(pdf.output()))[0].render(scale=200 / 72, grayscale=True)
    png = io.BytesIO()
    picture.to_pil().save(png, format="PNG")
    scan = FPDF(format="A4")
    scan.add_page()
    scan.image(io.BytesIO(png.getvalue()), x=0, y=0, w=210, h=297)
    return bytes(scan.output())


def test_signed_act_and_scan_linked_from_a_page_reach_the_warehouse(tmp_path: Path) -> None:
    """Crawled over HTTP, parsed in the guarded child process, loaded: the signer, OCR use and
    confidence, and the tables with their pages are in the warehouse, not only in the parser."""
    import shutil

    from crawl.sources import load_sources
    from inclusio.sample_site import serve

    if shutil.which("tesseract") is None:
        pytest.fail("Tesseract is not installed: apt-get install tesseract-ocr tesseract-ocr-ita")
    site = tmp_path / "site"
    site.mkdir()
    cremona = SAMPLE_SITE / "cremona-obiettivo-2017_3504.pdf"
    (site / "delibera-firmata.pdf.p7m").write_bytes(_signed(cremona.read_bytes(), "VERDI LUCIA"))
    (site / "determina-scansione.pdf").write_bytes(_scanned([
        "DETERMINAZIONE DIRIGENZIALE", "Progetto di inclusione sociale",
        "Importo complessivo euro 45.000,00"]))
    (site / "index.html").write_text(
        "<html><body><h1>Atti del progetto di inclusione</h1>"
        '<a href="delibera-firmata.pdf.p7m">Delibera firmata</a> '
        '<a href="determina-scansione.pdf">Determina</a></body></html>', encoding="utf-8")
    ws = stages.Workspace.at(tmp_path / "project")
    with serve(site) as base:
        sources = tmp_path / "sources.toml"
        sources.write_text(f'[[sources]]\nid = "atti"\nentity = "Comune di Esempio"\n'
                           f'start_urls = ["{base}"]\nallow_private = true\n', encoding="utf-8")
        (source,) = load_sources(sources)
        records = stages.fetch_source(ws, source, "r1")
    items = stages.bodies(records)
    assert len(items) == 3
    assert [p["error"] for p in stages.parse_batch(ws, items)] == [None, None, None]
    shas = [i["sha256"] for i in items]
    stages.extract_batch(ws, shas)
    stages.load_into_warehouse(ws, run_id="r1", sources=[source], records=records, shas=shas)

    con = duckdb.connect(str(ws.warehouse), read_only=True)
    try:
        docs = {url.removeprefix(base): row for url, *row in con.execute(
            "SELECT url, signer, ocr, ocr_confidence, sha256 FROM documents").fetchall()}
        signer, ocr, _, signed_sha = docs["delibera-firmata.pdf.p7m"]
        assert signer == "VERDI LUCIA" and ocr is False
        tables = con.execute("SELECT table_no, page, header[1] FROM document_tables "
                             "WHERE sha256 = ? ORDER BY table_no", [signed_sha]).fetchall()
        assert tables == [(0, 1, "Descrizione"), (1, 2, "descrizione")]
        # The signature check made in the parsing child reaches the warehouse: this certificate
        # expired in 2024, before the signing time the builder stamped (today).
        intact = con.execute("SELECT signature_intact FROM documents WHERE sha256 = ?",
                             [signed_sha]).fetchone()
        checks = con.execute("SELECT signer, intact, reason FROM document_signatures "
                             "WHERE sha256 = ?", [signed_sha]).fetchall()
        assert intact == (False,)
        assert [(s, ok) for s, ok, _ in checks] == [("VERDI LUCIA", False)]
        assert "outside the certificate's validity" in checks[0][2]
        signer, ocr, confidence, scan_sha = docs["determina-scansione.pdf"]
        assert signer is None and ocr is True and 0.6 < confidence <= 1.0
        amounts = con.execute("SELECT value_num FROM claims WHERE sha256 = ? AND kind = 'amount'",
                              [scan_sha]).fetchall()
        assert amounts == [(45000.0,)]
    finally:
        con.close()


def test_a_crawl_cut_short_or_a_capped_delay_is_a_fetch_problem() -> None:
    from datetime import datetime

    from models.records import FetchRecord

    when = datetime(2026, 1, 1)
    records = [
        FetchRecord("1", "r", "s", "http://h/", when, "stored", sha256="ab" * 32),
        FetchRecord("2", "r", "s", "http://h/robots.txt", when, "capped",
                    error="Crawl-delay 3600s asked by http://h/robots.txt capped at 30s"),
        FetchRecord("3", "r", "s", "http://h/", when, "stopped",
                    error="crawl stopped when its time budget of 1800s (max_duration) ran out"),
    ]
    problems = stages.fetch_problems(records)
    assert [(p["url"], p["reason"].split(" ")[0]) for p in problems] == [
        ("http://h/robots.txt", "Crawl-delay"), ("http://h/", "crawl")]
    assert stages.bodies(records) == [
        {"sha256": "ab" * 32, "url": "http://h/", "content_type": None, "source_id": "s"}]


def test_fetch_rows_cut_between_chunks_are_completed_once_by_the_next_load(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fetch rows go in a chunk per transaction: a load that dies after the first chunk
    leaves whole rows, and the next run's load adds the missing ones from the fetch log,
    counting no attempt twice."""
    from datetime import datetime

    from models.records import FetchRecord
    from warehouse import load as wload

    ws = stages.Workspace.at(tmp_path)
    records = [FetchRecord(fetch_id="", run_id="r1", source_id="s", url=f"http://127.0.0.1/{n}",
                           fetched_at=datetime(2026, 1, 1, 0, n % 3), outcome="failed",
                           status=500, error="HTTP 500") for n in range(7)]
    records += records[:3]  # three pages tried twice in the run
    for r in records:
        stages.append_fetch_log(ws, r)
    monkeypatch.setattr(wload, "FETCH_CHUNK", 2)
    real, calls = wload._upsert_fetches, []

    def dies_after_one(con: duckdb.DuckDBPyConnection, frame: object) -> None:
        calls.append(1)
        if len(calls) > 1:
            raise KeyboardInterrupt  # the run stopped there
        real(con, frame)

    monkeypatch.setattr(wload, "_upsert_fetches", dies_after_one)
    with pytest.raises(KeyboardInterrupt):
        stages.load_into_warehouse(ws, run_id="r1", records=records, shas=[])
    with duckdb.connect(str(ws.warehouse)) as con:
        assert con.execute("SELECT count(*), sum(attempts) FROM fetches").fetchone() == (2, 4)
    monkeypatch.setattr(wload, "_upsert_fetches", real)
    later = FetchRecord(fetch_id="", run_id="r2", source_id="s", url="http://127.0.0.1/7",
                        fetched_at=datetime(2026, 1, 2), outcome="failed", status=500,
                        error="HTTP 500")
    stages.append_fetch_log(ws, later)
    stages.load_into_warehouse(ws, run_id="r2", records=[later], shas=[])
    with duckdb.connect(str(ws.warehouse)) as con:
        rows = con.execute("SELECT url, attempts FROM fetches ORDER BY url").fetchall()
    assert rows == [(f"http://127.0.0.1/{n}", 2 if n < 3 else 1) for n in range(8)]
