"""A run's true state, read back through Prefect's API: a run against a stopped site is FAILED
(exit 6), its logs and its summary artifact are in Prefect, and the runs table says the same;
a run where one source of two is down is COMPLETED with a warning.

Real components only: `inclusio run` in a subprocess, a local site on 127.0.0.1 that is then
stopped, a real `prefect server start`, and the warehouse file the run wrote.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from inclusio.sample_site import serve

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# A page written for this test: an amount, a CUP and a start date to extract.
PAGE = """<!doctype html><html lang="it"><head><meta charset="utf-8">
<title>Laboratori di comunità a Borgo Chiaro</title></head><body><main>
<h1>Laboratori di comunità</h1>
<p>Il Comune di Borgo Chiaro ha ottenuto euro 120.500,00 dal PON Inclusione per aprire
laboratori di comunità nei quartieri, progetto con codice CUP B21H19000120006.</p>
<p>Le attività sono partite il 15/03/2020 e accompagnano quaranta famiglie.</p>
</main></body></html>
"""


def _site(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "index.html").write_text(PAGE, encoding="utf-8")
    return folder


def _source(source_id: str, url: str) -> str:
    return (f'[[sources]]\nid = "{source_id}"\nentity = "Comune di {source_id.title()}"\n'
            f'start_urls = ["{url}"]\nallow_private = true\nmax_pages = 5\n\n')


def _quiet_port(skip: int = 0) -> int:
    """A free 127.0.0.1 port below the kernel's range of outgoing ports: the servers other
    programs start on "any free port" come from that range, so a site stopped here (or a port
    left closed) is not answered by someone else's server a moment later."""
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    for port in range(low - 1 - skip, 1024, -1):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise AssertionError("no free port below the ephemeral range")


def _closed_port_url() -> str:
    """A 127.0.0.1 URL nothing listens on."""
    return f"http://127.0.0.1:{_quiet_port(skip=50)}/"


def _run(project: Path, sources: Path, api: str, *extra: str) -> subprocess.CompletedProcess:
    project.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "INCLUSIO_HOME": str(project), "PREFECT_HOME": str(project / ".prefect"),
           "PREFECT_API_URL": api, "PYTHONUNBUFFERED": "1"}
    return subprocess.run([sys.executable, "-m", "inclusio.cli", *extra, str(sources)],
                          cwd=project, env=env, capture_output=True, text=True, timeout=500)


def _inclusio(project: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "INCLUSIO_HOME": str(project)}
    return subprocess.run([sys.executable, "-m", "inclusio.cli", *args], cwd=project, env=env,
                          capture_output=True, text=True, timeout=120)


def _flow_run_id(stdout: str) -> str:
    found = re.search(r"Prefect flow run:\s+\S+ \(([0-9a-f-]{36})\)", stdout)
    assert found, stdout
    return found.group(1)


# Run in a child process: importing Prefect here would fix its settings (home, timeouts) for
# every later test of the session, such as the end-to-end one that starts its own server.
READ_BACK = """
import asyncio, json, sys
from uuid import UUID
from prefect import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter, ArtifactFilterFlowRunId, LogFilter, LogFilterFlowRunId)

async def read(flow_run_id):
    async with get_client() as client:
        run = await client.read_flow_run(flow_run_id)
        logs = await client.read_logs(log_filter=LogFilter(
            flow_run_id=LogFilterFlowRunId(any_=[flow_run_id])))
        artifacts = await client.read_artifacts(artifact_filter=ArtifactFilter(
            flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id])))
    return {"state": run.state.type.value, "message": run.state.message,
            "logs": [(log.level, log.message) for log in logs],
            "artifacts": {a.key: (a.type, a.data) for a in artifacts}}

print(json.dumps(asyncio.run(read(UUID(sys.argv[1])))))
"""


def _read_back(api: str, flow_run_id: str) -> dict[str, Any]:
    """The flow run's state, log lines and artifacts, as Prefect's client gives them."""
    env = {**os.environ, "PREFECT_API_URL": api, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    done = subprocess.run([sys.executable, "-c", READ_BACK, flow_run_id], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    back = json.loads(done.stdout.strip().splitlines()[-1])
    back["artifacts"] = {k: tuple(v) for k, v in back["artifacts"].items()}
    return back


def _runs(project: Path) -> list[dict[str, Any]]:
    done = _inclusio(project, "runs", "--format", "json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_run_against_a_stopped_site_is_failed_in_prefect(tmp_path: Path,
                                                           prefect_api: str) -> None:
    project = tmp_path / "project"
    sources = tmp_path / "sources.toml"
    with serve(_site(tmp_path / "site"), _quiet_port()) as base:
        sources.write_text(_source("borgo", base), encoding="utf-8")
        first = _run(project, sources, prefect_api, "run")
    assert first.returncode == 0, first.stdout + first.stderr[-3000:]
    assert "COMPLETED" in first.stdout

    # The site is stopped now: nothing listens on its port.
    second = _run(project, sources, prefect_api, "run")
    assert second.returncode == 6, second.stdout + second.stderr[-3000:]
    assert "inclusio run: run FAILED: nothing fetched: every source failed" in second.stderr, (
        second.stdout + second.stderr[-3000:])
    assert "Traceback" not in second.stderr
    # The printed summary is this run's work: nothing new, not the first run's claims.
    assert "claims:            0 new, 0 changed, 0 gone" in second.stdout
    assert "(1 failed: borgo)" in second.stdout

    failed = _read_back(prefect_api, _flow_run_id(second.stdout))
    assert failed["state"] == "FAILED"
    assert failed["message"].startswith("nothing fetched: every source failed")
    messages = [m for _, m in failed["logs"]]
    assert any("fetch borgo:" in m and "at most 5 pages" in m for m in messages), messages
    assert any("Connection refused" in m for m in messages), messages  # the fetch task's line
    assert any(level >= 40 and "FAILED: nothing fetched" in m
               for level, m in failed["logs"]), failed["logs"]
    kind, markdown = failed["artifacts"]["inclusio-run-summary"]
    assert kind == "markdown"
    assert "FAILED" in markdown and "nothing fetched" in markdown
    assert "| fetches failed | 1 |" in markdown and "`borgo`" in markdown

    done = _read_back(prefect_api, _flow_run_id(first.stdout))
    assert done["state"] == "COMPLETED"
    assert any(m.startswith("parse: ") for _, m in done["logs"])  # the batch tasks log too
    assert "**done**" in done["artifacts"]["inclusio-run-summary"][1]

    newest, oldest = _runs(project)
    assert (newest["state"], newest["exit_code"], newest["sources_failed"]) == (
        "FAILED", 6, ["borgo"])
    assert newest["fetched_new"] == 0 and newest["claims_new"] == 0
    assert newest["flow_run_id"] == _flow_run_id(second.stdout)
    assert (oldest["state"], oldest["exit_code"]) == ("COMPLETED", 0)
    assert oldest["fetched_new"] == 1 and oldest["documents_stored"] == 1
    assert oldest["claims_new"] >= 3  # the amount, the CUP, the date at least

    table = _inclusio(project, "runs")
    assert table.returncode == 0
    assert "FAILED" in table.stdout and "COMPLETED" in table.stdout


def test_one_source_down_of_two_is_completed_with_a_warning(tmp_path: Path,
                                                            prefect_api: str) -> None:
    project = tmp_path / "project"
    sources = tmp_path / "sources.toml"
    with serve(_site(tmp_path / "site")) as base:
        sources.write_text(_source("borgo", base) + _source("giu", _closed_port_url()),
                           encoding="utf-8")
        result = _run(project, sources, prefect_api, "run")
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert "inclusio run: warning: partly done: 1 of 2 sources failed: giu" in result.stderr, (
        result.stdout + result.stderr[-3000:])
    back = _read_back(prefect_api, _flow_run_id(result.stdout))
    assert back["state"] == "COMPLETED"
    assert any(level == 30 and "partly done" in m for level, m in back["logs"])
    assert "1 of 2 sources failed" in back["artifacts"]["inclusio-run-summary"][1]
    (row,) = _runs(project)
    assert (row["state"], row["exit_code"], row["sources_failed"]) == ("COMPLETED", 0, ["giu"])
