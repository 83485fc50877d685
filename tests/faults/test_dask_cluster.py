"""``inclusio run --executor dask`` on a real cluster: a ``dask scheduler`` and two
``dask worker`` processes on 127.0.0.1, the sample site served over HTTP.

The warehouse a Dask run builds has the same rows as a local run's (timestamps and run ids
aside), and a worker killed with SIGKILL while it holds a batch costs the run nothing: the
scheduler hands the batch to the other worker and the run completes with the same rows.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pipeline_helpers import table_checksums

from inclusio.sample_site import localised_sources, serve

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "data" / "sample"
BIN = Path(sys.executable).parent
# The tables that say what was found; fetches, runs and the search index's bookkeeping
# describe the requests and the run, not the documents.
COMPARED = ("documents", "document_tables", "claims", "projects", "document_projects",
            "problems")

pytestmark = pytest.mark.e2e


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(root: Path) -> dict[str, str]:
    env = {**os.environ, "INCLUSIO_HOME": str(root), "PREFECT_HOME": str(root / ".prefect"),
           "PYTHONUNBUFFERED": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "DO_NOT_TRACK": "1"}
    env.pop("PREFECT_API_URL", None)
    return env


class Cluster:
    """A dask scheduler and ``n`` workers (no nanny: a killed worker stays dead)."""

    def __init__(self, home: Path, n: int = 2) -> None:
        self.home = home
        self.port = _free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        env = _env(home)
        self.scheduler = subprocess.Popen(
            [str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(self.port),
             "--no-dashboard"], cwd=home, env=env, stdout=subprocess.DEVNULL,
            stderr=open(home / "scheduler.log", "w"), start_new_session=True)  # noqa: SIM115
        self.workers = [
            subprocess.Popen(
                [str(BIN / "dask"), "worker", self.address, "--nthreads", "1", "--no-nanny",
                 "--no-dashboard", "--name", f"w{i}", "--host", "127.0.0.1"],
                cwd=home, env=env, stdout=subprocess.DEVNULL,
                stderr=open(home / f"worker{i}.log", "w"),  # noqa: SIM115
                start_new_session=True)
            for i in range(n)
        ]
        from distributed import Client

        with Client(self.address, timeout=120) as client:
            client.wait_for_workers(n, timeout=180)

    def close(self) -> None:
        for proc in [*self.workers, self.scheduler]:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    out = tmp_path_factory.mktemp("site") / "sources.toml"
    with serve(SAMPLE / "site") as base:
        yield localised_sources(SAMPLE / "sources.toml", base, out)


def _run(root: Path, sources: Path, *options: str, api: str | None = None
         ) -> tuple[int, str, str]:
    root.mkdir(parents=True, exist_ok=True)
    env = _env(root)
    if api:
        env["PREFECT_API_URL"] = api
    proc = subprocess.run(
        [str(BIN / "inclusio"), "run", str(sources), *options], cwd=root, env=env,
        capture_output=True, text=True, timeout=500)
    return proc.returncode, proc.stdout, proc.stderr


@pytest.fixture(scope="module")
def local_rows(site: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("local")
    code, out, err = _run(root, site)
    assert code == 0, err[-3000:]
    return _rows(root)


def _rows(root: Path) -> dict[str, Any]:
    sums = table_checksums(root / "data" / "curated" / "inclusio.duckdb")
    return {t: sums[t] for t in COMPARED}


def test_dask_run_has_the_rows_of_a_local_run(site: Path, local_rows: dict[str, Any],
                                              tmp_path: Path) -> None:
    cluster = Cluster(tmp_path)
    try:
        root = tmp_path / "project"
        code, out, err = _run(root, site, "--executor", "dask", "--dask-address",
                              cluster.address)
    finally:
        cluster.close()
    assert code == 0, err[-3000:]
    assert f"executor: dask cluster at {cluster.address}" in err
    assert "parse and extract on Dask (2 workers)" in err
    assert _rows(root) == local_rows
    assert local_rows["documents"][0] >= 5 and local_rows["claims"][0] >= 50
    assert not (root / "data" / "staging").exists()  # every staged batch was loaded


def test_dask_run_with_a_store_url_has_the_rows_of_a_local_run(
        site: Path, local_rows: dict[str, Any], tmp_path: Path) -> None:
    """``--store file://...``: the workers crawl into, parse from and stage to the store
    through fsspec; the fetch log and the warehouse stay in the run's home folder."""
    cluster = Cluster(tmp_path)
    store = tmp_path / "shared-store"
    try:
        root = tmp_path / "project"
        code, out, err = _run(root, site, "--executor", "dask", "--dask-address",
                              cluster.address, "--store", f"file://{store}")
        # Again: the workers get the crawl state from the command, so nothing is new.
        again = _run(root, site, "--executor", "dask", "--dask-address", cluster.address,
                     "--store", f"file://{store}")
    finally:
        cluster.close()
    assert code == 0, err[-3000:]
    assert again[0] == 0, again[2][-3000:]
    assert f"inclusio run: store file://{store} (raw bodies" in err
    assert "parse and extract on Dask (2 workers)" in err
    assert _rows(root) == local_rows
    # Bodies, parsed and extracted files only in the store; every staged batch loaded.
    assert sorted(p.name for p in store.iterdir()) == ["extracted", "parsed", "raw"]
    assert len(list((store / "parsed").glob("*.json"))) >= local_rows["documents"][0]
    assert sorted(p.name for p in (root / "data").iterdir()) == ["curated", "raw"]
    assert sorted(p.name for p in (root / "data" / "raw").iterdir()) == [
        "fetch-log.jsonl", "sources.json"]
    logged = (root / "data" / "raw" / "fetch-log.jsonl").read_text().splitlines()
    assert len(logged) >= local_rows["documents"][0]  # the run's own process logged them
    import duckdb

    with duckdb.connect(str(root / "data" / "curated" / "inclusio.duckdb"),
                        read_only=True) as con:
        runs = con.execute("SELECT fetched_new, fetched_unchanged FROM runs "
                           "ORDER BY started_at").fetchall()
    assert len(runs) == 2 and runs[0][0] >= local_rows["documents"][0]
    assert runs[1] == (0, runs[0][0] + runs[0][1]), runs  # every page unchanged


def _kill_first_busy_worker(address: str, stop: threading.Event, killed: list[str],
                            seen: set[str]) -> None:
    """Watch the scheduler; SIGKILL the first worker seen running a parse or extract task."""
    from distributed import Client

    with Client(address, timeout=60) as client:
        pids = client.run(os.getpid)  # worker address -> its process id
        while not stop.is_set():
            for worker, keys in client.processing().items():
                names = sorted(map(str, keys))
                seen.update(names)
                if any(k.startswith(("parse_task", "extract_stage_task")) for k in names):
                    os.kill(pids[worker], signal.SIGKILL)
                    killed.append(f"{worker} holding {names}")
                    return
            time.sleep(0.02)


@pytest.mark.slow  # about 65 s: a cluster, the temporary Prefect server, a worker's death
@pytest.mark.parametrize("store", [False, True], ids=["home", "store-url"])
def test_a_killed_worker_costs_the_run_nothing(site: Path, local_rows: dict[str, Any],
                                               tmp_path: Path, store: bool) -> None:
    """With the stores in the home folder or under a file:// URL (a worker killed while it
    writes there leaves a temporary object, or a staged batch without its _COMPLETE)."""
    cluster = Cluster(tmp_path)
    stop = threading.Event()
    killed: list[str] = []
    seen: set[str] = set()
    watcher = threading.Thread(target=_kill_first_busy_worker,
                               args=(cluster.address, stop, killed, seen), daemon=True)
    watcher.start()
    try:
        root = tmp_path / "project"
        code, out, err = _run(root, site, "--executor", "dask", "--dask-address",
                              cluster.address, *(("--store", f"file://{tmp_path / 'shared'}")
                                                 if store else ()))
    finally:
        stop.set()
        watcher.join(30)
        alive = [p.poll() is None for p in cluster.workers]
        cluster.close()
    assert killed, f"no worker was seen running a batch; tasks seen: {sorted(seen)}"
    assert alive.count(True) == 1, killed
    assert code == 0, err[-3000:]
    assert _rows(root) == local_rows


@pytest.mark.slow  # a Prefect server besides the cluster
@pytest.mark.parametrize("store", [False, True], ids=["home", "store-url"])
def test_with_a_prefect_server_the_whole_flow_runs_on_the_cluster(
        site: Path, local_rows: dict[str, Any], tmp_path: Path, prefect_api: str,
        store: bool) -> None:
    """With PREFECT_API_URL set the run is the inclusio-pipeline flow, fetch tasks included,
    on the cluster, the crawl grouped by host as without a server; the rows are a local
    run's, with the stores in the home folder or under a file:// URL."""
    cluster = Cluster(tmp_path)
    shared = tmp_path / "shared-store"
    try:
        root = tmp_path / "project"
        code, out, err = _run(root, site, "--executor", "dask", "--dask-address",
                              cluster.address, *(("--store", f"file://{shared}") if store
                                                 else ()), api=prefect_api)
    finally:
        cluster.close()
    assert code == 0, err[-3000:]
    assert "parse and extract on Dask (2 workers)" in err
    assert "groups by host" in err and "tasks on 2 workers" in err
    assert _rows(root) == local_rows
    if store:
        assert sorted(p.name for p in shared.iterdir()) == ["extracted", "parsed", "raw"]
        assert sorted(p.name for p in (root / "data" / "raw").iterdir()) == [
            "fetch-log.jsonl", "sources.json"]
