"""Scheduled crawls against a real Prefect server: a short interval schedule fires, the pipeline
runs over the sample site on 127.0.0.1 and writes the warehouse. Every process started here is
stopped here."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import httpx
import pytest

from flows.schedule import ScheduleError, plan

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "data" / "sample"


def test_plan_takes_the_schedule_from_flags_or_the_file(tmp_path: Path) -> None:
    src = tmp_path / "Comuni Toscana.toml"
    p = plan(src, tmp_path, interval=10)
    assert p.name == "crawl-comuni-toscana" and p.interval == 10 and p.cron is None
    assert p.parameters == {"sources_file": str(src.resolve()), "root": str(tmp_path.resolve()),
                            "wait": 600.0}
    assert plan(src, tmp_path, file_schedules=["0 2 * * *", "0 2 * * *"]).cron == "0 2 * * *"
    with pytest.raises(ScheduleError, match="different schedules"):
        plan(src, tmp_path, file_schedules=["0 2 * * *", "0 3 * * *"])
    with pytest.raises(ScheduleError, match="no schedule"):
        plan(src, tmp_path, file_schedules=[None])
    with pytest.raises(ScheduleError, match="not a cron expression"):
        plan(src, tmp_path, cron="ogni notte")


def test_schedule_without_server_says_how_to_start_one(tmp_path: Path) -> None:
    sources = tmp_path / "s.toml"
    sources.write_text('[[sources]]\nid="a"\nentity="E"\nstart_urls=["http://127.0.0.1:9/"]\n')
    port = _free_port()  # nothing listens there
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "ph"),
           "PREFECT_API_URL": f"http://127.0.0.1:{port}/api"}
    out = subprocess.run(
        [sys.executable, "-m", "inclusio.cli", "schedule", str(sources), "--interval", "5",
         "--root", str(tmp_path)], env=env, capture_output=True, text=True, timeout=120,
    )
    assert out.returncode == 2
    assert out.stdout == ""
    last = out.stderr.strip().splitlines()[-1]
    assert last.startswith("inclusio schedule: no Prefect server answers") and \
        "inclusio server" in last


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(proc: subprocess.Popen, grace: float = 20.0) -> None:
    """Stop a process started with its own session, and everything it started."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    except ProcessLookupError:
        pass


def _base_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update({
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_LOGGING_LEVEL": "WARNING",
    })
    return env


@pytest.fixture
def prefect_server(tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    env = _base_env(tmp_path / "server-home")
    env["PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS"] = "2"
    log = (tmp_path / "server.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "inclusio.cli", "server", "--port", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                pytest.fail("prefect server exited:\n" + (tmp_path / "server.log").read_text())
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                log_text = (tmp_path / "server.log").read_text()
                pytest.fail("prefect server did not start:\n" + log_text)
            time.sleep(0.5)
        yield url
        # A plain SIGTERM to the process `inclusio server` started as (what a supervisor or
        # `kill PID` sends) must stop the server, not orphan it on the port.
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pytest.fail("inclusio server did not stop on SIGTERM")
        try:
            httpx.get(f"{url}/health", timeout=2)
            pytest.fail("the Prefect server still answers after SIGTERM to inclusio server")
        except httpx.HTTPError:
            pass
    finally:
        _stop(proc)
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # anything the server left in its session
        except ProcessLookupError:
            pass
        log.close()


@pytest.mark.slow
def test_scheduled_run_fires_and_fills_the_warehouse(prefect_server: str, tmp_path: Path) -> None:
    from inclusio.sample_site import localised_sources, serve

    root = tmp_path / "project"
    root.mkdir()
    env = _base_env(tmp_path / "client-home")
    env.update({"PREFECT_API_URL": prefect_server, "PREFECT_RUNNER_POLL_FREQUENCY": "2",
                "INCLUSIO_HOME": str(root)})
    with serve(SAMPLE / "site") as base:
        sources = localised_sources(SAMPLE / "sources.toml", base, root / "sources.toml")
        log = (tmp_path / "schedule.log").open("w")
        proc = subprocess.Popen(
            [sys.executable, "-m", "inclusio.cli", "schedule", str(sources), "--interval", "5",
             "--root", str(root), "--name", "prova"],
            env=env, cwd=root, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        try:
            run = _wait_for_scheduled_run(prefect_server, proc, tmp_path / "schedule.log")
        finally:
            _stop(proc)
            log.close()
    assert run["auto_scheduled"] is True  # created by the server's scheduler, not by us
    assert run["parameters"]["sources_file"] == str(sources.resolve())

    con = duckdb.connect(str(root / "data" / "curated" / "inclusio.duckdb"), read_only=True)
    try:
        fetches = con.execute("SELECT count(*) FROM fetches").fetchone()[0]
        stored = con.execute(
            "SELECT count(*) FROM fetches WHERE outcome = 'stored' AND sha256 IS NOT NULL"
        ).fetchone()[0]
        documents = con.execute("SELECT count(*) FROM documents").fetchone()[0]
    finally:
        con.close()
    assert fetches >= 5 and stored >= 5 and documents >= 5


def _wait_for_scheduled_run(api: str, proc: subprocess.Popen, log: Path) -> dict:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"inclusio schedule exited ({proc.returncode}):\n{log.read_text()}")
        deps = httpx.post(f"{api}/deployments/filter", json={}, timeout=10).json()
        ids = [d["id"] for d in deps if d["name"] == "prova"]
        if ids:
            runs = httpx.post(f"{api}/flow_runs/filter", json={
                "deployments": {"id": {"any_": ids}}}, timeout=10).json()
            for run in runs:
                kind = run["state"]["type"]
                if kind == "COMPLETED":
                    return run
                if kind in ("FAILED", "CRASHED"):
                    pytest.fail(f"scheduled run {kind}: {run['state'].get('message')}\n"
                                f"{log.read_text()}")
        time.sleep(2)
    pytest.fail("no scheduled run completed in time:\n" + log.read_text())


@pytest.mark.slow
def test_sigterm_stops_schedule_cleanly_and_pauses_the_schedule(
        prefect_server: str, tmp_path: Path) -> None:
    """What `systemctl stop` or `kill PID` sends: exit 0, a line saying so, no traceback, and
    the deployment's schedule paused on the server."""
    root = tmp_path / "project"
    sources = tmp_path / "sources.toml"
    sources.write_text('[[sources]]\nid = "a"\nentity = "E"\nstart_urls = ["http://127.0.0.1:9/"]'
                       '\nallow_private = ["127.0.0.0/8"]\n', encoding="utf-8")
    env = _base_env(tmp_path / "client-home")
    env["PREFECT_API_URL"] = prefect_server
    proc = subprocess.Popen(
        [sys.executable, "-m", "inclusio.cli", "schedule", str(sources), "--interval", "3600",
         "--name", "stop-me", "--home", str(root)],
        env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        deployment = None
        while deployment is None or deployment["paused"]:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the deployment was never served"
            time.sleep(1)
            found = httpx.post(f"{prefect_server}/deployments/filter", json={}, timeout=10).json()
            deployment = next((d for d in found if d["name"] == "stop-me"), None)
        time.sleep(2)  # the runner is polling for work
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    finally:
        _stop(proc)
    assert proc.returncode == 0, out + err
    assert "Traceback" not in err and "Warning" not in err, err
    lines = err.strip().splitlines()
    assert lines[0] == (f"inclusio schedule: home {root} (data in {root / 'data'}; --home DIR "
                        "or INCLUSIO_HOME to change)")
    assert lines[-1].startswith("inclusio schedule: stopped; the schedule is paused")
    assert out.startswith("serving deployment 'stop-me'")
    found = httpx.post(f"{prefect_server}/deployments/filter", json={}, timeout=10).json()
    assert next(d for d in found if d["name"] == "stop-me")["paused"] is True


def test_server_serves_the_ui_so_run_links_open(prefect_server: str) -> None:
    """`inclusio server` serves Prefect's UI by default: the page a run link names (what a
    browser asks for) answers, where the API alone answered 404."""
    base = prefect_server.removesuffix("/api")
    page = httpx.get(f"{base}/runs/flow-run/00000000-0000-4000-8000-000000000000",
                     headers={"Accept": "text/html"}, timeout=30)
    assert page.status_code == 200 and "<html" in page.text.lower()
