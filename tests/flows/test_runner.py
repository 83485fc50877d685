"""``inclusio run`` without a Prefect server: Prefect and spaCy start only when there is work,
the run is judged and logged in the runs table all the same, and an unreachable Prefect API is
one clear line."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from flows import runner, stages
from inclusio.sample_site import localised_sources, serve

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "data" / "sample"
sys.path.insert(0, str(REPO / "tests" / "faults"))

from pipeline_helpers import run_stages, table_checksums  # noqa: E402


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    with serve(SAMPLE / "site") as base:
        yield base


@pytest.fixture()
def project(site: str, tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "project"
    root.mkdir()
    sources = localised_sources(SAMPLE / "sources.toml", site, root / "sources.toml")
    return root, sources


def _env(root: Path) -> dict[str, str]:
    env = {**os.environ, "INCLUSIO_HOME": str(root), "PREFECT_HOME": str(root / ".prefect")}
    env.pop("PREFECT_API_URL", None)
    return env


def _runs(db: Path) -> list[tuple]:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT run_id, state, exit_code, flow_run_id, documents, parsed "
                           "FROM runs ORDER BY started_at").fetchall()
    finally:
        con.close()


def test_an_unchanged_run_starts_neither_prefect_nor_spacy(project: tuple[Path, Path]) -> None:
    root, sources = project
    db = root / "data" / "curated" / "inclusio.duckdb"
    run_stages(root, sources)  # the first run, plain stages
    before = table_checksums(db)
    code = (
        "import sys; from flows.runner import run; "
        f"s = run({str(sources)!r}, root={str(root)!r}); "
        "print('modules', 'prefect' in sys.modules, 'spacy' in sys.modules); "
        "print('documents', s['documents_stored'], s['parsed'], s['failed_parse']); "
        "print('verdict', s['state'], s['exit_code'], s['run_id']); "
        "print('prefect', s.get('prefect'))"
    )
    done = subprocess.run([sys.executable, "-c", code], env=_env(root), capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "modules False False" in done.stdout
    assert "documents 8 8 2" in done.stdout  # the sample: 10 bodies, 2 unreadable
    assert "load: warehouse" in done.stderr and "parse: batch" in done.stderr
    assert "starting Prefect" not in done.stderr
    # The sample site holds a missing page and an unreadable file: partly done, exit 0.
    verdict = next(line for line in done.stdout.splitlines() if line.startswith("verdict"))
    _, state, exit_code, run_id = verdict.split()
    assert (state, exit_code) == ("COMPLETED", "0")
    assert "prefect no Prefect flow was needed" in done.stdout
    assert table_checksums(db) == before  # no row changed but the run's own
    assert [r for r in _runs(db) if r[0] == run_id] == [
        (run_id, "COMPLETED", 0, None, 10, 8)]


def test_a_run_that_fetched_nothing_fails_without_prefect(
        project: tuple[Path, Path], tmp_path: Path) -> None:
    """Every source down and no Prefect server: no flow runs, yet the run gets the same
    verdict as under a server (exit 6, a FAILED row of the runs table)."""
    root, sources = project
    with socket.socket() as s:  # a port nothing listens on once closed
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    down = localised_sources(SAMPLE / "sources.toml", f"http://127.0.0.1:{port}/",
                             tmp_path / "down.toml")
    done = subprocess.run([str(REPO / ".venv" / "bin" / "inclusio"), "run", str(down)],
                          cwd=root, env=_env(root), capture_output=True, text=True, timeout=300)
    assert done.returncode == 6, done.stdout + done.stderr[-3000:]
    assert "Prefect:           no Prefect flow was needed" in done.stdout
    assert "inclusio run: run FAILED: nothing fetched" in done.stderr
    assert "starting Prefect" not in done.stderr
    rows = _runs(root / "data" / "curated" / "inclusio.duckdb")
    assert [(r[1], r[2], r[3], r[4]) for r in rows] == [("FAILED", 6, None, 0)]


def test_pending_work_sees_a_missing_or_stale_stage_file(project: tuple[Path, Path]) -> None:
    root, sources = project
    out = run_stages(root, sources)
    ws = stages.Workspace.at(root)
    items = stages.bodies(out["records"])
    assert not runner.pending_work(ws, items, force=False)
    assert runner.pending_work(ws, items, force=True)
    ok = next(p["sha256"] for p in out["parsed"] if not p["error"])
    extracted = ws.docs.extracted_path(ok)
    text = extracted.read_text("utf-8")
    extracted.write_text(text.replace('"versions": {', '"versions": {"old": "0", ', 1), "utf-8")
    assert runner.pending_work(ws, items, force=False)  # made by other extractor versions
    extracted.unlink()
    assert runner.pending_work(ws, items, force=False)
    extracted.write_text(text, "utf-8")
    ws.docs.parsed_path(ok).unlink()
    assert runner.pending_work(ws, items, force=False)


def test_an_unreachable_prefect_api_is_one_clear_line(project: tuple[Path, Path]) -> None:
    root, sources = project
    env = {**_env(root), "PREFECT_API_URL": "http://127.0.0.1:9/api"}
    done = subprocess.run([str(REPO / ".venv" / "bin" / "inclusio"), "run", str(sources)],
                          cwd=root, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stdout + done.stderr[-3000:]
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("inclusio run: cannot reach the Prefect API (http://127.0.0.1:9/api)")
    assert "inclusio server" in last
    assert "Traceback" not in done.stdout + done.stderr


def test_without_a_server_the_process_flow_ends_in_the_runs_true_state(tmp_path: Path) -> None:
    """No PREFECT_API_URL, and the only page fetched cannot be read: the crawl runs without
    Prefect, the inclusio-process flow runs on the temporary server and ends FAILED with the
    summary artifact, the command exits 7 and the runs row names the flow run."""
    from test_run_states import READ_BACK

    site = tmp_path / "site"
    site.mkdir()
    (site / "delibera.pdf").write_bytes(b"%PDF-1.4\nthis file only pretends to be a PDF\n")
    root = tmp_path / "project"
    root.mkdir()
    with serve(site) as base:
        sources = tmp_path / "sources.toml"
        sources.write_text(f'[[sources]]\nid = "rivalta"\nentity = "Comune di Rivalta"\n'
                           f'start_urls = ["{base}delibera.pdf"]\nallow_private = true\n'
                           "max_depth = 0\n", encoding="utf-8")
        done = subprocess.run([str(REPO / ".venv" / "bin" / "inclusio"), "run", str(sources)],
                              cwd=root, env=_env(root), capture_output=True, text=True,
                              timeout=600)
    assert done.returncode == 7, done.stdout + done.stderr[-3000:]
    assert "inclusio run: run FAILED: nothing parsed" in done.stderr
    err = done.stderr.splitlines()
    started = next(n for n, line in enumerate(err) if line.startswith("starting Prefect"))
    assert any(line.startswith("parse: batch") for line in err[started:])
    found = re.search(r"Prefect flow run:\s+\S+ \(([0-9a-f-]{36})\)", done.stdout)
    assert found, done.stdout
    flow_run_id = found.group(1)

    # Read back through Prefect's client: a temporary server again, on the run's own state.
    env = {**_env(root), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "240"}
    back = subprocess.run([sys.executable, "-c", READ_BACK, flow_run_id], env=env,
                          capture_output=True, text=True, timeout=600)
    assert back.returncode == 0, back.stderr[-3000:]
    run = json.loads(back.stdout.strip().splitlines()[-1])
    assert run["state"] == "FAILED" and run["message"].startswith("nothing parsed")
    kind, markdown = run["artifacts"]["inclusio-run-summary"]
    assert kind == "markdown" and "nothing parsed" in markdown
    messages = [m for _, m in run["logs"]]
    assert any(m.startswith("crawl (done before this flow") for m in messages), messages
    assert any(m.startswith("parse: batch") for m in messages), messages
    rows = _runs(root / "data" / "curated" / "inclusio.duckdb")
    assert [(r[1], r[2], r[3]) for r in rows] == [("FAILED", 7, flow_run_id)]
