"""The runs table and `inclusio runs`: each run's verdict and its own figures, newest first.

The stages run without Prefect over a page served on 127.0.0.1 into a real DuckDB file,
through flows/runner.process, which judges them (flows/runlog.py) and writes their rows as
every run does, with or without a Prefect flow.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from crawl.sources import load_sources
from flows import runlog, runner, stages
from inclusio.cli import main
from inclusio.sample_site import serve

PAGE = """<!doctype html><html lang="it"><head><meta charset="utf-8">
<title>Sportello sociale di Valfonda</title></head><body><main>
<h1>Sportello sociale</h1>
<p>Per lo sportello sociale di Valfonda il Comune ha stanziato euro 48.200,00 del Fondo
Povertà; il codice CUP del progetto è C31H20000450001.</p>
<p>Lo sportello apre il 02/11/2020.</p>
</main></body></html>
"""


def _run(root: Path, sources_file: Path) -> dict[str, Any]:
    """One run of the plain stages through the body both flows run (flows/runner.process),
    judged and recorded as every run is."""
    ws = stages.Workspace.at(root)
    run_id = stages.new_run_id()
    started = datetime.now()
    sources = load_sources(sources_file)
    records = [r for s in sources for r in stages.fetch_source(ws, s, run_id)]
    return runner.process(ws, run_id, sources, records, started)


@pytest.fixture()
def two_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The same page crawled twice: new the first time, unchanged the second."""
    monkeypatch.setenv("INCLUSIO_HOME", str(tmp_path))
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text(PAGE, encoding="utf-8")
    with serve(site) as base:
        sources = tmp_path / "sources.toml"
        sources.write_text(f'[[sources]]\nid = "valfonda"\nentity = "Comune di Valfonda"\n'
                           f'start_urls = ["{base}"]\nallow_private = true\n', encoding="utf-8")
        first = _run(tmp_path, sources)
        second = _run(tmp_path, sources)
    return {"first": first, "second": second,
            "db": tmp_path / "data" / "curated" / "inclusio.duckdb"}


def test_each_run_counts_its_own_work(two_runs: dict[str, Any]) -> None:
    first, second = two_runs["first"], two_runs["second"]
    assert (first["state"], first["exit_code"], first["message"]) == ("COMPLETED", 0, "done")
    assert first["fetched_new"] == 1 and first["documents_stored"] == 1
    assert first["claims_new"] >= 3 and first["claims_by_kind"].get("amount") == 1
    assert first["projects"] == 1
    # The second run found the page unchanged: nothing new, though the warehouse holds claims.
    assert second["state"] == "COMPLETED" and second["fetched_unchanged"] == 1
    assert (second["fetched_new"], second["claims_new"], second["claims_changed"]) == (0, 0, 0)
    assert second["documents_loaded"] == 0 and second["documents_stored"] == 1
    con = duckdb.connect(str(two_runs["db"]), read_only=True)
    try:
        rows = con.execute("SELECT run_id, state, exit_code, fetched_new, claims_new FROM runs "
                           "ORDER BY started_at, run_id").fetchall()
        comment = con.execute("SELECT comment FROM duckdb_columns() WHERE table_name = 'runs' "
                              "AND column_name = 'exit_code'").fetchone()[0]
    finally:
        con.close()
    assert rows == [(first["run_id"], "COMPLETED", 0, 1, first["claims_new"]),
                    (second["run_id"], "COMPLETED", 0, 0, 0)]
    assert "6 nothing fetched" in comment


def test_inclusio_runs_lists_newest_first(two_runs: dict[str, Any],
                                          capsys: pytest.CaptureFixture[str]) -> None:
    first, second = two_runs["first"], two_runs["second"]
    assert main(["runs"]) == 0
    out = capsys.readouterr().out
    assert out.index(second["run_id"]) < out.index(first["run_id"])
    assert "(2 rows)" in out and "1 new, 0 same, 0 failed" in out

    assert main(["runs", "--format", "json", "--limit", "1"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["run_id"] == second["run_id"] and row["fetched_unchanged"] == 1
    assert row["sources_failed"] == [] and "summary" not in row

    assert main(["runs", first["run_id"]]) == 0
    out = capsys.readouterr().out
    assert f"run {first['run_id']}: COMPLETED" in out and "claims:" in out

    assert main(["runs", "--format", "json", second["run_id"]]) == 0
    assert json.loads(capsys.readouterr().out)["claims_new"] == 0


def test_inclusio_runs_names_an_unknown_run_and_a_missing_warehouse(
        two_runs: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["runs", "20000101T000000-000000"]) == 2
    assert "no run '20000101T000000-000000'" in capsys.readouterr().err
    assert main(["runs", "--warehouse", str(tmp_path / "none.duckdb")]) == 1
    assert "no warehouse at" in capsys.readouterr().err


def test_a_warehouse_from_before_the_runs_table_lists_none(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "old.duckdb"
    duckdb.connect(str(db)).close()
    assert main(["runs", "--warehouse", str(db)]) == 0
    assert "no runs recorded yet" in capsys.readouterr().out


def _figures(**changes: Any) -> dict[str, Any]:
    run = {"sources": 2, "sources_failed": [], "documents": 4, "parsed": 4, "fetch_attempts": 5,
           "failed_fetch": 1, "failed_parse": 0, "failed_extract": 0, "documents_stored": 4}
    return {**run, **changes}


@pytest.mark.parametrize(("changes", "state", "code", "start"), [
    ({}, "COMPLETED", 0, "partly done: 1 of 5 fetches failed"),
    ({"failed_fetch": 0}, "COMPLETED", 0, "done"),
    ({"documents": 0, "parsed": 0, "failed_fetch": 5,
      "sources_failed": [{"source_id": "a", "reason": "HTTP 503"},
                         {"source_id": "b", "reason": "connection refused"}]},
     "FAILED", 6, "nothing fetched: every source failed (5 attempts, 5 failed): a: HTTP 503"),
    ({"documents": 0, "parsed": 0, "failed_fetch": 0, "stopped": 2},
     "FAILED", 6, "nothing fetched: the time budget (max_duration) ran out"),
    ({"parsed": 0, "failed_parse": 4}, "FAILED", 7, "nothing parsed"),
    ({"failed_extract": 4}, "FAILED", 8, "nothing extracted"),
    ({"documents_stored": 0}, "FAILED", 9, "nothing loaded"),
    ({"sources_failed": [{"source_id": "b", "reason": "HTTP 404"}], "failed_fetch": 2},
     "COMPLETED", 0, "partly done: 1 of 2 sources failed: b (HTTP 404)"),
])
def test_the_verdict_names_the_stage_where_everything_failed(
        changes: dict[str, Any], state: str, code: int, start: str) -> None:
    verdict = runlog.judge(_figures(**changes))
    assert (verdict.state, verdict.code) == (state, code)
    assert verdict.message.startswith(start), verdict.message
    assert bool(verdict.warnings) == verdict.message.startswith("partly done")


def test_run_help_and_readme_list_the_run_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    text = capsys.readouterr().out
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    for code, meaning in runlog.RUN_EXIT_CODES.items():
        assert f"  {code}  {meaning.split(':')[0]}:" in text
        assert f"| {code} | `run`/`demo`: {meaning.split(':')[0]}" in readme
