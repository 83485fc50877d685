"""The raw store, docstore and staged batches under an fsspec URL (docstore/objects.py).

``file://`` and ``local://`` are fsspec's local filesystem in a temporary folder (written
beside the name, then renamed); ``memory://`` has no rename, so it takes the object-store path
(one whole put per object) that ``s3://`` and ``gs://`` take.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import uuid
from datetime import date
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "faults"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "flows"))

from pipeline_helpers import table_checksums  # noqa: E402
from test_staging import PAGES  # noqa: E402

from crawl.rawstore import ObjectRawStore, RawStore, open_raw_store  # noqa: E402
from docstore.files import ObjectDocStore, StoredFileDamaged, open_docstore  # noqa: E402
from docstore.objects import ObjectFolder, StoreUnavailable, is_url  # noqa: E402
from flows import stages, staging  # noqa: E402
from models.records import Claim, Document  # noqa: E402

BIN = Path(sys.executable).parent


@pytest.fixture(params=["file", "local", "memory"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "memory":
        return f"memory://inclusio-test-{uuid.uuid4().hex}"
    return f"{request.param}://{tmp_path / 'store'}"


def _files(tmp_path: Path) -> list[Path]:
    return sorted(p for p in (tmp_path / "store").rglob("*") if p.is_file())


def test_urls_and_paths() -> None:
    assert is_url("s3://bucket/x") and is_url("file:///tmp/x") and is_url("gs://b")
    assert not is_url("/srv/inclusio") and not is_url("data/store") and not is_url(None)
    assert isinstance(open_raw_store("/tmp/raw"), RawStore)
    assert isinstance(open_raw_store("memory://x/raw"), ObjectRawStore)


def test_raw_store_round_trip(url: str, tmp_path: Path) -> None:
    store = open_raw_store(f"{url}/raw")
    assert isinstance(store, ObjectRawStore)
    body = b"%PDF-1.4 determina"
    sha = store.put(body)
    assert sha == hashlib.sha256(body).hexdigest()
    assert store.has(sha) and sha in store and store.get(sha) == body
    assert store.put(body) == sha  # content-addressed: the same body is one object
    assert not store.has("0" * 64) and not store.has("../../etc/passwd")
    with pytest.raises(KeyError, match="no body"):
        store.get("0" * 64)
    with pytest.raises(ValueError, match="not a sha256"):
        store.get("../../etc/passwd")
    assert store.read_listing("x.json") is None
    store.write_listing("x.json", b'{"url": "u"}')
    assert store.read_listing("x.json") == b'{"url": "u"}'
    if not url.startswith("memory"):
        assert _files(tmp_path) == [tmp_path / "store" / "raw" / "_listings" / "x.json",
                                    tmp_path / "store" / "raw" / sha[:2] / sha[2:4] / sha]
        # no temporary object left behind


def test_a_body_is_written_once(tmp_path: Path) -> None:
    store = ObjectRawStore(f"file://{tmp_path / 'store'}")
    sha = store.put(b"x" * 1000)
    path = tmp_path / "store" / sha[:2] / sha[2:4] / sha
    before = path.stat().st_mtime_ns
    assert store.put(b"x" * 1000) == sha
    assert path.stat().st_mtime_ns == before  # not sent again
    path.write_bytes(b"x" * 10)  # cut short by an older writer: written again
    store.put(b"x" * 1000)
    assert store.get(sha) == b"x" * 1000


def test_docstore_round_trip(url: str, tmp_path: Path) -> None:
    docs = open_docstore(url)
    assert isinstance(docs, ObjectDocStore)
    a, b = "a" * 64, "b" * 64
    doc = Document(text="Il Comune di Massa", title="t", published=date(2024, 3, 1))
    docs.put_document(a, doc, {"url": "http://127.0.0.1/a"})
    docs.put_parse_error(b, "encrypted PDF", {"url": "http://127.0.0.1/b"})
    assert docs.get_document(a) == doc
    assert docs.get_parsed(b)["error"] == "encrypted PDF"
    assert docs.get_parsed("c" * 64) is None and docs.get_extracted(a) is None
    claim = Claim(kind="cup", value="F74H24002780001", start=0, end=15, text="F74H24002780001",
                  extractor="cup@1")
    docs.put_claims(a, [claim], {"extracted_at": "2026-01-01T00:00:00"})
    assert docs.get_extracted(a)["claims"][0]["value"] == "F74H24002780001"
    assert docs.parsed_shas() == [a, b]
    with pytest.raises(ValueError, match="not a sha256"):
        docs.put_parse_error("../x", "no", {})
    docs.objects.write(f"extracted/{b}.json", b'{"meta": ')  # damaged
    with pytest.raises(StoredFileDamaged, match=f"extracted/{b}.json"):
        docs.get_extracted(b)


def _project(root: Path, store: str) -> tuple[stages.Workspace, list[str]]:
    ws = stages.Workspace.at(root, store=store)
    items = [{"sha256": ws.raw.put(body), "url": f"http://127.0.0.1/p{n}.html",
              "content_type": "text/html", "source_id": "s"} for n, body in enumerate(PAGES)]
    parsed = stages.parse_batch(ws, items)
    stages.extract_batch(ws, [p["sha256"] for p in parsed if not p["error"]])
    return ws, [i["sha256"] for i in items]


def test_staged_batches_under_a_url_load_the_rows_of_a_local_project(tmp_path: Path) -> None:
    plain = stages.Workspace.at(tmp_path / "plain", store="")
    assert plain.store is None
    items = [{"sha256": plain.raw.put(body), "url": f"http://127.0.0.1/p{n}.html",
              "content_type": "text/html", "source_id": "s"} for n, body in enumerate(PAGES)]
    stages.parse_batch(plain, items)
    stages.extract_batch(plain, [i["sha256"] for i in items])
    stages.load_into_warehouse(plain, run_id="r", shas=[i["sha256"] for i in items])

    url = f"file://{tmp_path / 'store'}"
    ws, shas = _project(tmp_path / "home", url)
    assert ws.remote and not (tmp_path / "home" / "data").exists()  # all in the store
    assert staging.write_batch(ws, "r", 0, shas[:2]) == 2
    assert staging.write_batch(ws, "r", 1, shas[2:]) == len(shas) - 2
    assert staging.write_batch(ws, "r", 1, shas[2:]) == len(shas) - 2  # a retried batch
    # A batch whose writer died before its marker: not read.
    ObjectFolder(f"{url}/staging/r").write("batch-00000002/doc_df.parquet", b"PAR1 cut")
    assert staging.staged_batches(ws, "r") == ["batch-00000000", "batch-00000001"]
    landed = staging.load_run(ws, "r")
    assert landed == set(shas)
    assert staging.load_run(ws, "r") == landed  # twice: rows replaced, not added
    assert stages.load_into_warehouse(
        ws, run_id="r", shas=[s for s in shas if s not in landed])["documents_loaded"] == 0
    staging.clear_run(ws, "r")
    assert not (tmp_path / "store" / "staging").exists()
    assert sorted(p.name for p in (tmp_path / "store").iterdir()) == [
        "extracted", "parsed", "raw"]
    want, got = table_checksums(plain.warehouse), table_checksums(ws.warehouse)
    for table in ("documents", "document_tables", "claims", "projects", "document_projects"):
        assert got[table] == want[table], table


def test_the_store_comes_from_the_environment(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INCLUSIO_STORE", f"file://{tmp_path}/s/")
    assert stages.Workspace.at(tmp_path).store == f"file://{tmp_path}/s"
    monkeypatch.setenv("INCLUSIO_STORE", "~/shared")
    assert stages.Workspace.at(tmp_path).store == str(Path("~/shared").expanduser())
    monkeypatch.delenv("INCLUSIO_STORE")
    assert stages.Workspace.at(tmp_path).store is None


def test_unusable_store_urls_say_why() -> None:
    with pytest.raises(StoreUnavailable, match="unknown storage protocol 'nosuch'"):
        ObjectFolder("nosuch://bucket/x")
    with pytest.raises(StoreUnavailable, match="cannot write to the store file:///proc"):
        ObjectFolder("file:///proc/inclusio-store").check()


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "inclusio"), "--home", str(tmp_path), *args],
                          capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})


@pytest.mark.parametrize(("store", "code", "says"), [
    ("nosuch://bucket/inclusio", 2, "unknown storage protocol 'nosuch'"),
    ("file:///proc/inclusio-store", 1, "cannot write to the store file:///proc/inclusio-store"),
])
def test_a_bad_store_stops_the_run_in_one_line(tmp_path: Path, store: str, code: int,
                                               says: str) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text('[[sources]]\nid = "s"\nentity = "E"\n'
                       'start_urls = ["http://127.0.0.1:9/"]\n')
    proc = _cli(tmp_path, "--store", store, "run", str(sources))
    assert proc.returncode == code, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("inclusio run: --store: ") and says in lines[0]
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "data" / "raw").exists()  # nothing fetched


def test_a_store_protocol_whose_package_is_missing_is_named(tmp_path: Path) -> None:
    """An fsspec protocol known but not installed (gcsfs is no dependency)."""
    pytest.importorskip("fsspec")
    try:
        import gcsfs  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("gcsfs is installed here: no missing package to name")
    proc = _cli(tmp_path, "--store", "gs://bucket/inclusio", "runs")
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("inclusio runs: --store: the store gs://bucket/inclusio "
                                  "needs a package that is not installed"), proc.stderr
    assert "gcsfs" in proc.stderr


def test_a_worker_crawl_into_a_store_url_touches_no_home_folder(tmp_path: Path) -> None:
    """What a Dask worker does for ``--store URL`` (flows/dask_stages.crawl_group): bodies go
    to the store, no fetch log is written, and the crawl state comes from the caller, so a
    second crawl with the first's records as its state finds every page unchanged."""
    from crawl.crawler import CrawlState
    from crawl.sources import load_sources
    from flows.dask_stages import crawl_group
    from inclusio.sample_site import localised_sources, serve

    sample = Path(__file__).resolve().parents[2] / "data" / "sample"
    home = tmp_path / "no-such-home"  # a worker on another machine: no home folder there
    ws = stages.Workspace(home, f"file://{tmp_path / 'store'}")
    with serve(sample / "site") as base:
        sources = load_sources(localised_sources(sample / "sources.toml", base,
                                                 tmp_path / "sources.toml"))
        first = crawl_group(ws, sources, "r1", CrawlState())
        second = crawl_group(ws, sources, "r2", CrawlState.from_records(first))
    stored = [r for r in first if r.outcome == "stored"]
    assert len(stored) >= 5 and all(ws.raw.has(r.sha256) for r in stored)
    assert not home.exists()
    assert [r.outcome for r in second if r.outcome in ("stored", "unchanged")] == [
        "unchanged"] * len([r for r in first if r.outcome in ("stored", "unchanged")])


@pytest.mark.parametrize(("store", "status"), [
    ("file://{tmp}/store", "ok"), ("{tmp}/folder", "ok"), ("", "ok"),
    ("file:///proc/inclusio-store", "fail")])
def test_doctor_checks_the_store(store: str, status: str, tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from inclusio.cli import main

    monkeypatch.setenv("INCLUSIO_HOME", str(tmp_path))
    monkeypatch.setenv("INCLUSIO_STORE", store.format(tmp=tmp_path))
    main(["doctor", "--format", "json"])
    check = {c["name"]: c for c in json.loads(capsys.readouterr().out)}["store"]
    assert check["status"] == status, check
    if status == "fail":
        assert "cannot write to the store file:///proc/inclusio-store" in check["detail"]
    assert not list(tmp_path.rglob(".probe-*"))  # the probe object is removed
