"""Readers never lock out the writer, with real processes on a real DuckDB file.

DuckDB lets one process hold a file read-write or many hold it read-only, never both: a notebook
kernel or a long query holding the warehouse used to make the nightly `inclusio load` wait and
exit 3. Here a real Jupyter kernel (and a plain process reading the way `inclusio query` does)
holds the warehouse while the real `inclusio load` runs as its own process.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from crawl.sources import load_sources
from flows import stages
from inclusio.sample_site import localised_sources, serve
from warehouse.db import connect

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "data" / "sample"


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A project folder whose pages are fetched, parsed and extracted but not loaded yet, and
    whose warehouse exists (schema only): what a nightly load finds."""
    root = tmp_path_factory.mktemp("staged") / "project"
    with serve(SAMPLE / "site") as base:
        sources_file = localised_sources(SAMPLE / "sources.toml", base, root / "sources.toml")
        ws = stages.Workspace.at(root)
        run_id = stages.new_run_id()
        sources = [s for s in load_sources(sources_file) if s.source_id == "comune-massa"]
        records = [r for s in sources for r in stages.fetch_source(ws, s, run_id)]
    items = stages.bodies(records)
    parsed = stages.parse_batch(ws, items)
    stages.extract_batch(ws, [p["sha256"] for p in parsed if not p.get("error")])
    with connect(ws.warehouse):
        pass
    yield root


@pytest.fixture
def project(staged: Path, tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(staged, root)
    return root


def _db(root: Path) -> Path:
    return root / "data" / "curated" / "inclusio.duckdb"


def _inclusio(root: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PREFECT_HOME": str(root / ".prefect")}
    env.pop("INCLUSIO_HOME", None)
    return subprocess.run(
        [sys.executable, "-m", "inclusio.cli", "--home", str(root), *args], cwd=REPO, env=env,
        capture_output=True, text=True, timeout=timeout)


def _count(db: Path, sql: str) -> int:
    with connect(db, read_only=True) as con:
        return int(con.execute(sql).fetchone()[0])


# ---- a notebook kernel ------------------------------------------------------------------------


class Kernel:
    """A real IPython kernel (the one Jupyter starts for a notebook), run cell by cell."""

    def __init__(self, env: dict[str, str]) -> None:
        from jupyter_client.manager import KernelManager

        self.km = KernelManager(kernel_name="python3")
        self.km.start_kernel(env=env, cwd=str(REPO / "notebooks"))
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=120)

    def run(self, code: str) -> str:
        """Execute ``code``; return what it printed and its value, fail on an error."""
        msg_id = self.kc.execute(code)
        out: list[str] = []
        while True:
            msg = self.kc.get_iopub_msg(timeout=120)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                out.append(content["text"])
            elif kind == "execute_result":
                out.append(content["data"].get("text/plain", ""))
            elif kind == "error":
                raise AssertionError("the kernel failed: " + "\n".join(content["traceback"]))
            elif kind == "status" and content["execution_state"] == "idle":
                return "".join(out)

    def stop(self) -> None:
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)


def _setup_cell(name: str) -> str:
    book = nbformat.read(REPO / "notebooks" / name, as_version=4)
    return next(c.source for c in book.cells if c.cell_type == "code")


@pytest.mark.slow
def test_a_notebook_kernel_holding_the_warehouse_does_not_stop_load(project: Path) -> None:
    db = _db(project)
    env = {**os.environ, "INCLUSIO_WAREHOUSE": str(db), "MPLBACKEND": "agg"}
    kernel = Kernel(env)
    try:
        kernel.run(_setup_cell("researchers.ipynb"))  # the notebook's own first cell
        assert kernel.run('print(q("SELECT count(*) AS n FROM documents")["n"][0])').strip() \
            == "0"
        # And the hard case: a connection the analyst opened by hand and left open.
        kernel.run("held = duckdb.connect(str(WAREHOUSE), read_only=True)\n"
                   "print(held.execute('SELECT count(*) FROM documents').fetchone()[0])")
        started = time.monotonic()
        done = _inclusio(project, "load")  # no --wait: it must not need one
        took = time.monotonic() - started
        assert done.returncode == 0, done.stdout + done.stderr
        assert "Traceback" not in done.stderr
        loaded = _count(db, "SELECT count(*) FROM documents")
        assert loaded >= 1
        # The hand-made connection keeps the version it opened, whole. (While it is open,
        # DuckDB gives every connection this kernel opens to that file the same database.)
        assert kernel.run("print(held.execute('SELECT count(*) FROM documents')"
                          ".fetchone()[0])").strip() == "0"
        assert kernel.run("print(held.execute('SELECT count(*) FROM claims')"
                          ".fetchone()[0])").strip() == "0"
        # Closed, the notebook's next cell sees the new rows.
        kernel.run("held.close()")
        assert kernel.run('print(q("SELECT count(*) AS n FROM documents")["n"][0])').strip() \
            == str(loaded)
    finally:
        kernel.stop()
    assert took < 120
    assert not db.with_name(db.name + ".next").exists()


READER = """
import sys
from warehouse.db import connect
with connect(sys.argv[1], read_only=True) as con:
    print(con.execute("SELECT count(*) FROM documents").fetchone()[0], flush=True)
    sys.stdin.readline()  # a long query: the warehouse stays open until the test says
    print(con.execute("SELECT count(*) FROM documents").fetchone()[0], flush=True)
"""


def test_a_long_reader_does_not_stop_load_and_keeps_its_snapshot(project: Path) -> None:
    db = _db(project)
    reader = subprocess.Popen([sys.executable, "-c", READER, str(db)], cwd=REPO, text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert reader.stdout is not None and reader.stdin is not None
        assert reader.stdout.readline().strip() == "0"
        done = _inclusio(project, "load")
        assert done.returncode == 0, done.stdout + done.stderr
        reader.stdin.write("\n")
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == "0"  # its snapshot, not half a load
    finally:
        reader.communicate(timeout=30)
    assert reader.returncode == 0
    assert _count(db, "SELECT count(*) FROM documents") >= 1
    # Readers of the new file and the writer's next load are as if nobody had been reading.
    again = _inclusio(project, "load")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "documents_loaded: 0" in again.stdout


def test_every_reading_command_reads_while_a_notebook_holds_the_warehouse(
        project: Path, tmp_path: Path) -> None:
    """Readers share the file: none of them waits for another reader."""
    db = _db(project)
    assert _inclusio(project, "load").returncode == 0
    holder = subprocess.Popen([sys.executable, "-c", READER, str(db)], cwd=REPO, text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() != ""
        for args in (["query", "SELECT count(*) FROM documents"], ["schema", "--warehouse",
                     str(db)], ["export", str(tmp_path / "export")],
                     ["report", str(tmp_path / "report")], ["changes"],
                     ["feed", str(tmp_path / "feed")], ["search", "inclusione"],
                     ["compare", "--entity", "Massa"]):
            done = _inclusio(project, *args)
            assert done.returncode == 0, (args, done.stdout, done.stderr)
    finally:
        holder.communicate("\n", timeout=30)


# ---- a writer outside inclusio's lock ---------------------------------------------------------

FOREIGN_WRITER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
print("holding", flush=True)
sys.stdin.read()
con.close()
"""


def test_a_waiting_writer_names_the_holder_pid_and_command_line(project: Path) -> None:
    db = _db(project)
    holder = subprocess.Popen([sys.executable, "-c", FOREIGN_WRITER, str(db)], text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        started = time.monotonic()
        done = _inclusio(project, "load", "--wait", "2.5")
        took = time.monotonic() - started
    finally:
        holder.communicate("", timeout=30)
    assert done.returncode == 3, done.stdout + done.stderr
    assert took >= 2.5
    lines = [ln for ln in done.stderr.splitlines() if not ln.startswith("inclusio load: home ")]
    assert len(lines) == 2, done.stderr  # "waiting up to ..." then the error, no traceback
    assert f"pid {holder.pid}: " in lines[0] and "waiting up to 2.5 s" in lines[0]
    assert lines[1].startswith("inclusio load: the warehouse ")
    assert f"(pid {holder.pid}: {sys.executable} -c import sys, duckdb" in lines[1]
    assert done.stdout == ""


# ---- two runs at once -------------------------------------------------------------------------


def _start_run(root: Path, sources: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "INCLUSIO_HOME": str(root), "PREFECT_HOME": str(root / ".prefect"),
           "PYTHONUNBUFFERED": "1"}
    env.pop("PREFECT_API_URL", None)
    return subprocess.Popen([sys.executable, "-m", "inclusio.cli", "run", str(sources)],
                            cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)


def _end(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)  # the run and the Prefect server it may start
    proc.communicate(timeout=60)


@pytest.mark.slow
def test_two_runs_started_at_once_the_second_exits_3_naming_the_first_ten_times(
        tmp_path: Path) -> None:
    """Ten times: two `inclusio run` in one folder started together; one takes the warehouse,
    the other exits 3 at once naming the first's PID and command line (the first is then
    stopped: whether it finishes is another test's business)."""
    root = tmp_path / "project"
    root.mkdir()
    with serve(SAMPLE / "site") as base:
        sources = localised_sources(SAMPLE / "sources.toml", base, root / "sources.toml")
        for attempt in range(10):
            runs = [_start_run(root, sources), _start_run(root, sources)]
            try:
                deadline = time.monotonic() + 120
                while all(p.poll() is None for p in runs) and time.monotonic() < deadline:
                    time.sleep(0.05)
                loser = next((p for p in runs if p.poll() is not None), None)
                assert loser is not None, f"attempt {attempt}: neither run ended"
                winner = next(p for p in runs if p is not loser)
                out, err = loser.communicate(timeout=30)
                assert loser.returncode == 3, f"attempt {attempt}: exit {loser.returncode}: " \
                    + out + err
                assert f"is in use by another process (pid {winner.pid}: " in err, err
                assert "inclusio.cli run" in err and "Traceback" not in err
                assert winner.poll() is None  # the first one is still running
            finally:
                for p in runs:
                    _end(p)
