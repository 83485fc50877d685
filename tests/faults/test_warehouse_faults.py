"""Warehouse faults: odd batches and damaged stage files at load, a damaged or truncated
warehouse file and the way back (`inclusio load --rebuild`), a reader during a write.

One small project is crawled from a local site once; each case works on a copy of its folder
with the real ``inclusio`` command line (in-process, or as a process where another process is
the point) and the real DuckDB file.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import bad_files as bf
import pytest
from conftest import query, run_stages
from local_site import LocalSite, Page
from pipeline_helpers import table_checksums

from inclusio.cli import main

SITE_PAGES = {
    "/": Page(bf.html("Ambito sociale", "".join(
        f'<a href="/progetti/p{i}.html">Progetto {i}</a>' for i in range(4))
        + '<a href="/atti/determina.pdf">Determina (PDF)</a>'
        + '<a href="/progetti/mancante.html">Progetto archiviato</a>')),
    **{f"/progetti/p{i}.html": Page(bf.html(f"Progetto {i}", (
        f"<p>Il Comune di Esempio ha ricevuto euro {i + 1}0.000,00 dal PON Inclusione per il "
        f"progetto {i} (CUP B1{i}H17000000006) avviato il 0{i + 1}/03/2023.</p>")))
       for i in range(4)},
    "/atti/determina.pdf": Page(bf.text_pdf(), content_type="application/pdf"),
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A project folder after one run over the small site (kept read-only: cases copy it)."""
    tmp = tmp_path_factory.mktemp("warehouse-faults")
    site = LocalSite(dict(SITE_PAGES))
    site.start()
    try:
        sources = tmp / "sources.toml"
        sources.write_text(
            '[[sources]]\nid = "ambito"\nentity = "Ambito sociale"\n'
            f'start_urls = ["{site.base_url}/"]\nallow_private = ["127.0.0.0/8"]\n'
            "retries = 0\ntimeout = 2\n", encoding="utf-8")
        root = tmp / "project"
        root.mkdir()
        run_stages(root, sources)
        yield root
    finally:
        site.stop()


@pytest.fixture
def project(built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "copy"
    shutil.copytree(built, root)
    monkeypatch.setenv("INCLUSIO_HOME", str(root))
    return root


def _db(root: Path) -> Path:
    return root / "data" / "curated" / "inclusio.duckdb"


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(args)
    out = capsys.readouterr()
    return code, out.out + out.err


# ---- odd batches and damaged stage files -----------------------------------------------------


def test_load_again_changes_nothing(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = table_checksums(_db(project))
    code, out = _cli(["load"], capsys)
    assert code == 0, out
    assert table_checksums(_db(project)) == before


def test_load_with_a_cut_parsed_file(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parsed = sorted((project / "data" / "parsed").glob("*.json"))
    victim = parsed[0]
    victim.write_bytes(victim.read_bytes()[:40])
    _db(project).unlink()
    code, out = _cli(["load"], capsys)
    assert code == 0, out
    docs = query(_db(project), "SELECT count(*) FROM documents")[0][0]
    assert docs >= len(parsed) - 3  # the others landed (some parsed files are failures)
    (reason,) = query(_db(project), "SELECT reason FROM problems WHERE stage = 'load' AND "
                      "sha256 = ?", [victim.stem])[0]
    assert f"parsed/{victim.name} cannot be read" in reason and "inclusio parse" in reason


def test_load_with_a_garbage_extracted_file(project: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    victim = sorted((project / "data" / "extracted").glob("*.json"))[0]
    victim.write_bytes(b"\x00\xff" * 100)
    code, out = _cli(["load"], capsys)
    assert code == 0, out
    reason = query(_db(project), "SELECT reason FROM problems WHERE stage = 'load' AND "
                   "sha256 = ?", [victim.stem])[0][0]
    assert "extracted/" in reason and "cannot be read" in reason


def test_a_run_rewrites_a_cut_parsed_file(project: Path) -> None:
    """parse and extract treat a damaged stage file as missing and write it again."""
    from flows import stages

    ws = stages.Workspace.at(project)
    victim = sorted(ws.docs.parsed.glob("*.json"))[0]
    good = json.loads(victim.read_text("utf-8"))
    victim.write_text("{\"meta\": ", encoding="utf-8")
    items = stages.bodies(stages.read_fetch_log(ws))
    results = stages.parse_batch(ws, [i for i in items if i["sha256"] == victim.stem])
    assert results and not results[0]["skipped"]
    assert json.loads(victim.read_text("utf-8")).keys() == good.keys()


def test_load_of_a_parsed_file_with_odd_values(project: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    victim = next(p for p in sorted((project / "data" / "parsed").glob("*.json"))
                  if "document" in json.loads(p.read_text("utf-8")))
    data = json.loads(victim.read_text("utf-8"))
    data["document"].update(pages=10**40, ocr_confidence="alta", title=["non", "testo"])
    data["document"]["metadata"] = {"nan": float("nan"), "nested": {"x": [1, {"y": None}]}}
    victim.write_text(json.dumps(data), encoding="utf-8")
    (project / "data" / "extracted" / victim.name).unlink(missing_ok=True)
    code, out = _cli(["load"], capsys)
    assert code == 0, out
    rows = query(_db(project), "SELECT pages, ocr_confidence FROM documents WHERE sha256 = ?",
                 [victim.stem])
    problems = query(_db(project), "SELECT reason FROM problems WHERE sha256 = ? AND stage = "
                     "'load'", [victim.stem])
    assert rows == [(None, None)] or (problems and "could not be stored" in problems[0][0])


def test_load_with_a_parsed_file_holding_an_impossible_date(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    victim = next(p for p in sorted((project / "data" / "parsed").glob("*.json"))
                  if "document" in json.loads(p.read_text("utf-8")))
    data = json.loads(victim.read_text("utf-8"))
    data["document"]["published"] = "2023-02-31"
    victim.write_text(json.dumps(data), encoding="utf-8")
    code, out = _cli(["load"], capsys)
    assert code == 0, out
    reason = query(_db(project), "SELECT reason FROM problems WHERE sha256 = ? AND stage = "
                   "'load'", [victim.stem])[0][0]
    assert "no readable document" in reason


def test_load_of_an_empty_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("INCLUSIO_HOME", str(tmp_path))
    code, out = _cli(["load"], capsys)
    assert code == 0, out
    assert query(_db(tmp_path), "SELECT count(*) FROM documents") == [(0,)]


def test_load_with_a_torn_fetch_log_line_and_leftover_temporary_files(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """What a kill leaves: half a fetch-log line, .tmp- files in the stage folders."""
    before = table_checksums(_db(project))
    with (project / "data" / "raw" / "fetch-log.jsonl").open("a", encoding="utf-8") as fh:
        fh.write('{"url": "http://127.0.0.1/mezza-riga", "outcome": "sto')
    (project / "data" / "parsed" / ".tmp-abc.json").write_text("{", encoding="utf-8")
    (project / "data" / "extracted" / ".tmp-def.json").write_text("", encoding="utf-8")
    code, out = _cli(["load"], capsys)
    assert code == 0, out
    assert table_checksums(_db(project)) == before


def test_stale_lock_file_of_a_dead_process(project: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    lock = _db(project).with_name("inclusio.duckdb.lock")
    lock.write_text("999999\n", encoding="utf-8")  # a PID no process has
    code, out = _cli(["load"], capsys)
    assert code == 0, out


# ---- a damaged warehouse file and the way back -----------------------------------------------


def _truncate_half(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _smash_header(data: bytes) -> bytes:
    return data[:4096] + b"\0" * 8192 + data[4096 + 8192:]


DAMAGE = {
    "zero-bytes": lambda d: b"",
    "truncated-half": _truncate_half,
    "truncated-4k": lambda d: d[:4096],
    "random-bytes": lambda d: os.urandom(len(d)),
    "smashed-header": _smash_header,
    "text-file": lambda d: b"inclusio warehouse backup\n" * 100,
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_warehouse_is_a_clear_error_and_rebuild_brings_it_back(
        project: Path, damage: str, capsys: pytest.CaptureFixture[str]) -> None:
    db = _db(project)
    before = table_checksums(db)
    db.write_bytes(DAMAGE[damage](db.read_bytes()))
    for args in (["load"], ["query", "SELECT count(*) FROM claims"], ["link"]):
        code, out = _cli(args, capsys)
        assert code in (1, 5), (args, out)
        assert "looks damaged or truncated" in out and "inclusio load --rebuild" in out, out
        assert "Traceback" not in out
    code, out = _cli(["load", "--rebuild"], capsys)
    assert code == 0, out
    assert table_checksums(db) == before
    assert list(db.parent.glob("inclusio.duckdb.damaged-*"))  # the old file is kept


def test_rebuild_with_no_warehouse_and_a_sources_file(
        project: Path, built: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = table_checksums(_db(project))
    _db(project).unlink()
    (project / "data" / "raw" / "sources.json").unlink()
    sources = built.parent / "sources.toml"
    code, out = _cli(["load", "--rebuild", "--sources", str(sources)], capsys)
    assert code == 0, out
    assert table_checksums(_db(project)) == before


# ---- a reader during a write -----------------------------------------------------------------


def _holder(db: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys; c = duckdb.connect(sys.argv[1]); "
         "c.execute('BEGIN'); c.execute(\"DELETE FROM claims\"); print('ok', flush=True); "
         "sys.stdin.read(); c.execute('ROLLBACK'); c.close()", str(db)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ok"
    return proc


def test_reader_during_a_write_gets_a_clear_answer(project: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    db = _db(project)
    claims = query(db, "SELECT count(*) FROM claims")[0][0]
    writer = _holder(db)
    try:
        code, out = _cli(["query", "SELECT count(*) FROM claims"], capsys)
        assert code == 3, out
        assert f"in use by another process (pid {writer.pid}: " in out
    finally:
        writer.communicate("", timeout=30)
    code, out = _cli(["query", "SELECT count(*) AS n FROM claims"], capsys)
    assert code == 0 and str(claims) in out  # the write never showed half-done


def test_reader_while_the_writer_is_killed(project: Path) -> None:
    """A writer killed in the middle of its transaction: the next reader sees the old rows."""
    db = _db(project)
    before = table_checksums(db)
    writer = _holder(db)
    writer.kill()
    writer.wait(timeout=30)
    assert table_checksums(db) == before


def test_new_warehouse_killed_before_its_first_checkpoint_opens_again(tmp_path: Path) -> None:
    """DuckDB 1.5 could not replay the schema from its write-ahead log: a first run killed
    before the warehouse was closed left a file that never opened again."""
    db = tmp_path / "inclusio.duckdb"
    child = (
        "import os, signal, sys\n"
        "from warehouse.db import connect\n"
        "with connect(sys.argv[1]) as con:\n"
        "    con.execute(\"INSERT INTO problems VALUES ('p', 'r', 'fetch', 'http://x/', NULL,"
        " 'HTTP 404', now())\")\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    done = subprocess.run([sys.executable, "-c", child, str(db)], cwd=Path(__file__).parents[2])
    assert done.returncode == -9
    assert query(db, "SELECT count(*) FROM problems") == [(1,)]
