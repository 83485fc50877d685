"""The loader: content keys make re-loads replace rows, and a failed load changes nothing."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from models.records import Claim, Document, FetchRecord, Source, Table
from warehouse import load, memory
from warehouse.db import WarehouseBusy, apply_schema, connect


def _claims() -> list[Claim]:
    text = "Finanziati euro 496.931,00 il 04/07/2017."
    return [
        Claim("amount", 496931.0, text[11:26], 11, 26, "amounts@1", role="allocated",
              currency="EUR"),
        Claim("date", "2017-07-04", text[30:40], 30, 40, "dates@1", precision="day"),
    ]


def _item(sha: str = "a" * 64) -> dict:
    doc = Document(
        text="Finanziati euro 496.931,00 il 04/07/2017.",
        title="Progetto",
        published=date(2021, 5, 19),
        tables=[Table(header=["descrizione", "valore"], rows=[["utenti", "53"]], page=1)],
    )
    return {"sha256": sha, "url": "http://127.0.0.1/p", "source_id": "s", "document": doc,
            "nlp_model": "blank:it", "claims": _claims(), "parsed_at": datetime(2026, 1, 1),
            "extracted_at": datetime(2026, 1, 1)}


def _counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    tables = ("sources", "fetches", "documents", "document_tables", "claims", "problems")
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}


def _fetch(url: str, sha: str | None, outcome: str = "stored", when: int = 1) -> FetchRecord:
    return FetchRecord(fetch_id="x", run_id=f"r{when}", source_id="s", url=url,
                       fetched_at=datetime(2026, 1, when), outcome=outcome, sha256=sha,
                       status=200 if sha else 404, error=None if sha else "HTTP 404")


def test_loading_twice_keeps_the_same_rows(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    src = Source("s", "Comune di Massa", ["http://127.0.0.1/"], ["127.0.0.1"])
    for _ in range(2):
        with connect(db) as con:
            load.load_sources(con, [src])
            load.load_fetches(con, [_fetch("http://127.0.0.1/p", "a" * 64),
                                    _fetch("http://127.0.0.1/x", None, "failed")])
            load.load_documents(con, [_item()])
            load.load_problems(con, [{"stage": "fetch", "url": "http://127.0.0.1/x",
                                      "reason": "HTTP 404"}])
            counts = _counts(con)
    assert counts == {"sources": 1, "fetches": 2, "documents": 1, "document_tables": 1,
                      "claims": 2, "problems": 1}


def test_unchanged_refetch_bumps_attempts_and_a_change_adds_a_row(tmp_path: Path) -> None:
    with connect(tmp_path / "w.duckdb") as con:
        load.load_fetches(con, [_fetch("http://h/p", "a" * 64, when=1)])
        load.load_fetches(con, [_fetch("http://h/p", "a" * 64, "unchanged", when=2)])
        rows = con.execute("SELECT attempts, last_seen_at, outcome FROM fetches").fetchall()
        assert rows == [(2, datetime(2026, 1, 2), "stored")]
        load.load_fetches(con, [_fetch("http://h/p", "b" * 64, when=3)])
        assert con.execute("SELECT count(*) FROM fetches").fetchone()[0] == 2
        # Each body keeps the run that first saw it and the run that saw it last.
        runs = con.execute("SELECT sha256, run_id, last_run_id FROM fetches ORDER BY 1").fetchall()
        assert runs == [("a" * 64, "r1", "r2"), ("b" * 64, "r3", "r3")]


def _merged(records: list[FetchRecord]) -> dict[str, tuple]:
    """The fetches rows a run's records make, by the rules load_fetches documents."""
    out: dict[str, tuple] = {}
    for key in dict.fromkeys(load.fetch_key(r) for r in records):
        mine = [(r.fetched_at, i, r) for i, r in enumerate(records) if load.fetch_key(r) == key]
        latest = max(mine, key=lambda m: m[:2])[2]
        first = next((r.source_id for _, _, r in mine if r.source_id is not None), None)
        stored = any(r.outcome == "stored" for _, _, r in mine)
        out[key] = (first, latest.status, latest.etag, "stored" if stored else latest.outcome,
                    min(m[0] for m in mine), max(m[0] for m in mine), len(mine))
    return out


@pytest.mark.parametrize("chunk", [3, 5_000])
def test_a_runs_fetches_merge_into_one_row_a_pair_whatever_the_chunks(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    """Records go to DuckDB a chunk at a time; repeats of a pair in different chunks merge as
    if read at once: first source listed, values of the latest attempt, stored if any was."""
    import random

    monkeypatch.setattr(load, "FETCH_CHUNK", chunk)
    rng = random.Random(5)
    records = [
        FetchRecord(fetch_id="", run_id="r1", source_id=rng.choice(["a", "b", None]),
                    url=f"http://h/p{rng.randint(0, 6)}", outcome=rng.choice(["stored",
                    "unchanged", "failed"]), fetched_at=datetime(2026, 1, 1, 0, 0,
                    rng.randint(0, 5)), sha256="c" * 64, status=rng.choice([200, 304, None]),
                    etag=rng.choice([None, "e1", "e2"]))
        for _ in range(60)
    ]
    with connect(tmp_path / "w.duckdb") as con:
        assert load.load_fetches(con, records) == len(_merged(records))
        got = {row[0]: row[1:] for row in con.execute(
            "SELECT fetch_id, source_id, status, etag, outcome, fetched_at, last_seen_at,"
            " attempts FROM fetches").fetchall()}
        assert load.load_fetches(con, []) == 0
    assert got == _merged(records)


def test_a_batch_duckdb_cannot_fit_in_the_limit_lands_whole_under_a_larger_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Running out of DuckDB's memory bound is no document's fault: the batch is written
    again under a larger bound (then without one), never split into problems."""
    monkeypatch.setattr(load, "LOAD_MEMORY_LIMIT", "1MB")
    real = load._write_documents
    calls = []

    def write(con: duckdb.DuckDBPyConnection, *args: object) -> None:
        calls.append(con.execute("SELECT current_setting('memory_limit')").fetchone()[0])
        if len(calls) == 1:
            con.execute("SELECT len(list(i)) FROM range(2000000) t(i)").fetchone()
        real(con, *args)

    monkeypatch.setattr(load, "_write_documents", write)
    with connect(tmp_path / "w.duckdb") as con:
        assert load.load_batches(con, [[_item("a" * 64), _item("b" * 64)]]) == 2
        assert _counts(con)["problems"] == 0 and _counts(con)["documents"] == 2
    assert calls == ["976.5 KiB", "3.8 MiB"]


def test_a_step_duckdb_cannot_fit_in_the_limit_runs_again_without_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Linking and indexing run with DuckDB's memory bounded; a step needing more than DuckDB
    can spill runs again under a larger bound, then without one (never a failed load), and
    the bound goes after."""
    monkeypatch.setattr(load, "LOAD_MEMORY_LIMIT", "1MB")
    limits = []
    with connect(tmp_path / "w.duckdb") as con:
        def step() -> int:  # a list aggregate of 16 MB: state DuckDB cannot spill
            limits.append(con.execute("SELECT current_setting('memory_limit')").fetchone()[0])
            return con.execute("SELECT len(list(i)) FROM range(2000000) t(i)").fetchone()[0]

        assert load.within_memory(con, step) == 2_000_000
        assert load.within_memory(con, lambda: 7) == 7
        # The bound is gone (DuckDB shows the size rounded: 18.8 GiB set again reads 18.7).
        assert con.execute("SELECT len(list(i)) FROM range(2000000) t(i)").fetchone()[0]
    assert limits[:2] == ["976.5 KiB", "3.8 MiB"] and len(limits) == 3


def test_a_step_that_fits_the_larger_bound_stops_there(tmp_path: Path) -> None:
    """The step's own bound first, then BOUND_GROWTH times it: a step needing a little more
    than its bound does not run unbounded."""
    limits = []
    with connect(tmp_path / "w.duckdb") as con:
        def step() -> int:  # about 8 MB of list state: over 8 MB with the rest, under 32 MB
            limits.append(con.execute("SELECT current_setting('memory_limit')").fetchone()[0])
            return con.execute("SELECT len(list(i)) FROM range(1000000) t(i)").fetchone()[0]

        assert load.within_memory(con, step, "8MB") == 1_000_000
    assert limits == ["7.6 MiB", "30.5 MiB"]


def test_a_step_inside_a_smaller_bound_leaves_its_failure_to_the_enclosing_step(
        tmp_path: Path) -> None:
    """Past its own two bounds, a step does not run a third time under an enclosing bound no
    larger than those: the enclosing step, under its own larger bound, runs it again."""
    limits = []
    with connect(tmp_path / "w.duckdb") as con:
        def step() -> int:  # about 8 MB of list state
            limits.append(con.execute("SELECT current_setting('memory_limit')").fetchone()[0])
            return con.execute("SELECT len(list(i)) FROM range(1000000) t(i)").fetchone()[0]

        def outer() -> int:
            return memory.bounded(con, step, "1MB")

        assert load.within_memory(con, outer, "2MB") == 1_000_000
    # Under the outer 2 MB: the inner 1 MB and 4 MB, no third run under 2 MB. Under the
    # outer's 8 MB: the inner's two, then the 8 MB itself (larger). Then with no outer bound.
    assert limits[:5] == ["976.5 KiB", "3.8 MiB"] * 2 + [limits[4]]
    assert limits[4].startswith("7.") and len(limits) == 8


def test_a_memory_size_grows_by_the_factor() -> None:
    assert memory.grown("128MB") == f"{128 * 10**6 * memory.BOUND_GROWTH // 1024}KiB"
    assert memory.grown("1 GiB") == f"{1024 * 1024 * memory.BOUND_GROWTH}KiB"
    with pytest.raises(ValueError):
        memory.grown("lots")


def test_claims_keep_spans_quotes_and_extractor(tmp_path: Path) -> None:
    with connect(tmp_path / "w.duckdb") as con:
        load.load_documents(con, [_item()])
        row = con.execute(
            "SELECT value_num, role, quote, start_char, end_char, extractor FROM claims"
            " WHERE kind = 'amount'"
        ).fetchone()
        assert row == (496931.0, "allocated", "euro 496.931,00", 11, 26, "amounts@1")
        bad = con.execute(
            "SELECT count(*) FROM claims c JOIN documents d USING (sha256)"
            " WHERE substring(d.text, c.start_char + 1, c.end_char - c.start_char) <> c.quote"
        ).fetchone()[0]
        assert bad == 0


def test_reextraction_replaces_a_documents_claims(tmp_path: Path) -> None:
    with connect(tmp_path / "w.duckdb") as con:
        load.load_documents(con, [_item()])
        item = _item()
        item["claims"] = item["claims"][:1]
        load.load_documents(con, [item])
        assert con.execute("SELECT count(*) FROM claims").fetchone()[0] == 1


def test_a_document_that_cannot_be_stored_is_a_problem_and_leaves_earlier_rows(
    tmp_path: Path,
) -> None:
    with connect(tmp_path / "w.duckdb") as con:
        load.load_documents(con, [_item()])
        broken = _item()
        broken["document"].title = "changed"
        broken["claims"] = [Claim("amount", 1.0, None, 0, 1, "amounts@1")]  # quote NOT NULL
        other = _item("b" * 64)
        assert load.load_documents(con, [broken, other], run_id="r9") == 1
        assert con.execute("SELECT count(*) FROM claims WHERE sha256 = ?",
                           ["a" * 64]).fetchone()[0] == 2
        assert con.execute("SELECT title FROM documents WHERE sha256 = ?",
                           ["a" * 64]).fetchone()[0] == "Progetto"
        assert con.execute("SELECT count(*) FROM documents").fetchone()[0] == 2
        stage, sha, run, reason = con.execute(
            "SELECT stage, sha256, run_id, reason FROM problems").fetchone()
        assert (stage, sha, run) == ("load", "a" * 64, "r9")
        assert "could not be stored" in reason and "NOT NULL" in reason
        # Mended and loaded again: the document lands and its load problem is forgotten.
        assert load.load_documents(con, [_item()]) == 1
        assert con.execute("SELECT count(*) FROM problems").fetchone()[0] == 0


@pytest.mark.parametrize(
    "batch",
    [
        "not extracted",  # a page whose extraction failed: claims None, no claims frame rows
        "no claims",  # extracted, nothing found (an empty body, a 100,000-deep <div> nest)
        "mixed",
        "empty",
    ],
)
def test_batches_without_claims_load(tmp_path: Path, batch: str) -> None:
    """The batches that stopped the whole load with "Cannot compare values of type VARCHAR and
    DOUBLE": DuckDB guessed the type of an empty or all-null column."""
    items = [_item(), _item("b" * 64)]
    if batch == "not extracted":
        for it in items:
            it["claims"] = None
    elif batch == "no claims":
        for it in items:
            it["claims"] = []
            it["document"] = Document(text="", tables=[])
    elif batch == "mixed":
        items[0]["claims"] = None
        items[1]["claims"] = []
    else:
        items = []
    with connect(tmp_path / "w.duckdb") as con:
        assert load.load_documents(con, items) == len(items)
        assert con.execute("SELECT count(*) FROM documents").fetchone()[0] == len(items)
        assert con.execute("SELECT count(*) FROM problems").fetchone()[0] == 0


def test_all_null_and_odd_values_load(tmp_path: Path) -> None:
    doc = Document(text="ab\ud800cd\x00", title=None, published=None, tables=[
        Table(header=[], rows=[], page=None, row_pages=None)], pages=10**30,
        ocr_confidence=float("nan"), metadata={"x": float("inf"), "y": {1: b"bytes"}})
    claims = [Claim("amount", 10**400, "ab", 0, 2, "amounts@1", attrs={"n": float("nan")}),
              Claim("date", None, "cd", 3, 5, "dates@1", confidence=None)]
    item = {"sha256": "c" * 64, "url": None, "source_id": None, "document": doc,
            "nlp_model": None, "claims": claims, "parsed_at": "2026-01-01T10:00:00",
            "extracted_at": None}
    with connect(tmp_path / "w.duckdb") as con:
        assert load.load_documents(con, [item]) == 1
        text, pages = con.execute("SELECT text, pages FROM documents").fetchone()
        assert len(text) == len(doc.text) and pages is None
        quotes = con.execute("SELECT quote, start_char, end_char FROM claims ORDER BY start_char")
        for quote, start, end in quotes.fetchall():
            assert text[start:end] == quote


def test_schema_is_applied_once(tmp_path: Path) -> None:
    with connect(tmp_path / "w.duckdb") as con:
        assert apply_schema(con) == []


def test_a_second_writer_gets_a_clear_message(tmp_path: Path) -> None:
    import subprocess
    import sys

    db = tmp_path / "w.duckdb"
    with connect(db):
        pass
    holder = subprocess.Popen(
        [sys.executable, "-c",
         f"import duckdb,time; c=duckdb.connect({str(db)!r}); print('ok', flush=True); "
         "time.sleep(30)"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ok"
        with pytest.raises(WarehouseBusy, match="in use by another process"):
            with connect(db, wait=0.5):
                pass
    finally:
        holder.kill()
        holder.wait()


def test_download_names_and_the_pages_of_a_continued_table_are_kept(tmp_path: Path) -> None:
    item = _item()
    item["document"].tables.append(
        Table(header=["anno", "importo"], rows=[["2024", "10"], ["2025", "12"], ["2026", "9"]],
              page=3, row_pages=[3, 3, 4])
    )
    record = _fetch("http://127.0.0.1/scarica?id=12", "a" * 64)
    record.filename = "determina_412.pdf"
    with connect(tmp_path / "w.duckdb") as con:
        load.load_fetches(con, [record])
        load.load_documents(con, [item])
        load.load_fetches(con, [_fetch("http://127.0.0.1/scarica?id=12", "a" * 64, when=2)])
        names = con.execute("SELECT filename FROM fetches").fetchall()
        pages = con.execute("SELECT row_pages FROM document_tables ORDER BY table_no").fetchall()
    assert names == [("determina_412.pdf",)]
    assert pages == [(None,), ([3, 3, 4],)]


def _signed_now(text: bytes) -> bytes:
    """``text`` in a .p7m signed now (the builder stamps the clock) by a certificate valid now."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import pkcs7
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "GIALLI SARA")])
    now, day = dt.datetime.now(dt.UTC), dt.timedelta(days=1)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - day).not_valid_after(now + day)
            .sign(key, hashes.SHA256()))
    return (pkcs7.PKCS7SignatureBuilder().set_data(text).add_signer(cert, key, hashes.SHA256())
            .sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary]))


def test_signature_checks_reach_the_documents_and_a_view_per_signer(tmp_path: Path) -> None:
    from parsers import parse_bytes

    signed = _signed_now(b"Decreto: contributo concesso all'associazione per il doposcuola.")
    altered = signed.replace(b"concesso", b"negato!!")
    items = []
    for sha, body in (("b" * 64, signed), ("c" * 64, altered)):
        item = _item(sha)
        item["document"] = parse_bytes(body, url="http://127.0.0.1/decreto.txt.p7m")
        item["claims"] = []
        items.append(item)
    items.append(_item("d" * 64))  # not a signed file
    with connect(tmp_path / "w.duckdb") as con:
        load.load_documents(con, items)
        intact = dict(con.execute("SELECT sha256, signature_intact FROM documents").fetchall())
        rows = con.execute(
            "SELECT sha256, layer, signer, intact, reason, chain FROM document_signatures"
            " ORDER BY sha256").fetchall()
    assert intact == {"b" * 64: True, "c" * 64: False, "d" * 64: None}
    assert rows[0] == ("b" * 64, 1, "GIALLI SARA", True, "ok", "not checked")
    sha, layer, signer, ok, reason, chain = rows[1]
    assert (sha, ok, chain) == ("c" * 64, False, "not checked")
    assert "content was altered" in reason
    assert len(rows) == 2


def test_batches_stop_at_the_claim_and_document_bounds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(load, "LOAD_BATCH", 3)
    monkeypatch.setattr(load, "LOAD_BATCH_CLAIMS", 5)  # each item holds 2 claims
    items = [_item(f"{n:064x}") for n in range(7)]
    assert [len(b) for b in load.batches(iter(items))] == [3, 3, 1]
    monkeypatch.setattr(load, "LOAD_BATCH", 100)
    assert [len(b) for b in load.batches(iter(items))] == [3, 3, 1]  # 6 claims >= 5
    monkeypatch.setattr(load, "LOAD_BATCH_CLAIMS", 100)
    assert [len(b) for b in load.batches(iter(items))] == [7]


def test_load_batches_lands_every_batch_and_keeps_a_bad_document_alone(tmp_path: Path) -> None:
    """Batches built ahead in a thread: a bad document in the second batch is a problem, the
    rest of every batch lands, and loading the same batches again adds no row."""
    items = [_item(f"{n:064x}") for n in range(6)]
    items[4] = {**items[4], "document": Document(text="x", metadata={(1, 2): "chiave"})}
    batches = [items[:3], items[3:]]
    with connect(tmp_path / "w.duckdb") as con:
        assert load.load_batches(con, iter(batches), run_id="r") == 5
        first = _counts(con)
        assert load.load_batches(con, iter(batches), run_id="r") == 5
        assert _counts(con) == first
        ids = con.execute("SELECT count(*), count(DISTINCT claim_id) FROM claims").fetchone()
        bad = con.execute("SELECT sha256 FROM problems WHERE stage = 'load'").fetchall()
    assert first["documents"] == 5 and ids == (10, 10)
    assert bad == [(f"{4:064x}",)]


def test_frames_staged_as_parquet_load_as_the_documents_do(tmp_path: Path) -> None:
    """The seam for workers elsewhere: bulk frames written to Parquet and read back land the
    same rows as loading the documents."""
    import pyarrow.parquet as pq

    from warehouse.bulk import bulk_frames

    items = [_item(f"{n:064x}") for n in range(4)]
    for name, frame in bulk_frames(items).items():
        pq.write_table(frame, tmp_path / f"{name}.parquet")
    staged = {p.stem: pq.read_table(p) for p in tmp_path.glob("*.parquet")}

    def rows(con: duckdb.DuckDBPyConnection) -> dict[str, list]:
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
                for t in ("documents", "document_tables", "claims")}

    with connect(tmp_path / "a.duckdb") as con:
        load.load_documents(con, items)
        expected = rows(con)
    with connect(tmp_path / "b.duckdb") as con:
        assert load.write_frames(con, staged) == 4
        assert load.write_frames(con, staged) == 4  # again: replaced, not added
        got = rows(con)
    assert got == expected and len(got["claims"]) == 8
