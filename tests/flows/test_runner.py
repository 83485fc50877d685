"""``inclusio run`` without a Prefect server: Prefect and spaCy start only when there is work,
and an unreachable Prefect API is one clear line."""

from __future__ import annotations

import os
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


def test_an_unchanged_run_starts_neither_prefect_nor_spacy(project: tuple[Path, Path]) -> None:
    root, sources = project
    run_stages(root, sources)  # the first run, plain stages
    before = table_checksums(root / "data" / "curated" / "inclusio.duckdb")
    code = (
        "import sys; from flows.runner import run; "
        f"s = run({str(sources)!r}, root={str(root)!r}); "
        "print('modules', 'prefect' in sys.modules, 'spacy' in sys.modules); "
        "print('documents', s['documents_in_warehouse'], s['parsed'], s['failed_parse'])"
    )
    done = subprocess.run([sys.executable, "-c", code], env=_env(root), capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "modules False False" in done.stdout
    assert "documents 7 7 2" in done.stdout
    assert "load: warehouse" in done.stderr and "parse: batch" in done.stderr
    assert table_checksums(root / "data" / "curated" / "inclusio.duckdb") == before


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
    assert "error: cannot reach the Prefect API (http://127.0.0.1:9/api)" in done.stdout
    assert "inclusio server" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr
