"""Crash safety with numbers: the real ``inclusio run`` killed with SIGKILL at each stage, on a
full disk, and started twice at once in one folder.

Every run here is the real command, a real Prefect flow and the real DuckDB file, over the
bundled sample site served on 127.0.0.1. A killed run followed by a rerun must leave every
table with the same row count and checksum as one uninterrupted run (columns that only say
when or in which run something happened are left out: see pipeline_helpers.VOLATILE).
"""

from __future__ import annotations

import os
import queue
import re
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

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "data" / "sample"

# The line each stage prints on stderr as it starts (flows/pipeline.py, flows/stages.py); the
# run is killed the moment it appears, so it dies inside that stage or just after it began.
STAGES = {
    "fetch": (r"^\s+\+ ", 3),  # after the third stored body
    "parse": (r"^parse: batch", 1),
    "extract": (r"^extract: batch", 1),
    "load": (r"^load: warehouse", 1),
    "link": (r"^link: ", 1),
    "index": (r"^index: ", 1),
}


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The sample site on one port for the whole module (URLs are part of the rows)."""
    folder = tmp_path_factory.mktemp("sample-sources")
    with serve(SAMPLE / "site") as base:
        path = localised_sources(SAMPLE / "sources.toml", base, folder / "sources.toml")
        # A small politeness delay so that the fetch stage lasts long enough to be killed in.
        path.write_text("[crawler]\ndelay = 0.1\n\n" + path.read_text("utf-8"), "utf-8")
        yield path


def _env(root: Path, api: str | None) -> dict[str, str]:
    env = {**os.environ, "INCLUSIO_HOME": str(root), "PREFECT_HOME": str(root / ".prefect"),
           "PYTHONUNBUFFERED": "1"}
    env.pop("PREFECT_API_URL", None)
    if api:
        env["PREFECT_API_URL"] = api
    return env


def _start(root: Path, sources: Path, api: str | None) -> subprocess.Popen[str]:
    root.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [sys.executable, "-m", "inclusio.cli", "run", str(sources)], cwd=root,
        env=_env(root, api), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True)


def _finish(proc: subprocess.Popen[str], timeout: float = 400) -> tuple[int, str, str]:
    try:
        out, err = proc.communicate(timeout=timeout)
    finally:
        _reap(proc)
    return proc.returncode, out, err


def _reap(proc: subprocess.Popen[str]) -> None:
    """Whatever the run left behind (parser forkserver, Prefect helpers) goes too."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _run(root: Path, sources: Path, api: str | None) -> tuple[int, str, str]:
    return _finish(_start(root, sources, api))


def _kill_at(proc: subprocess.Popen[str], pattern: str, count: int) -> list[str]:
    """Read stderr until ``pattern`` has appeared ``count`` times, then SIGKILL the run."""
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    seen: list[str] = []
    hits = 0
    deadline = time.monotonic() + 400
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            continue
        if line is None:
            break
        seen.append(line)
        if re.search(pattern, line):
            hits += 1
            if hits >= count:
                os.kill(proc.pid, signal.SIGKILL)  # the fault: the run itself, at once
                break
    proc.wait(timeout=60)
    _reap(proc)
    return seen


def _stage_files(root: Path) -> dict[str, set[str]]:
    data = root / "data"
    return {
        "raw": {p.name for p in (data / "raw").rglob("*") if p.is_file()
                and re.fullmatch(r"[0-9a-f]{64}", p.name)},
        "parsed": {p.name for p in (data / "parsed").glob("*.json")},
        "extracted": {p.name for p in (data / "extracted").glob("*.json")},
    }


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory, sources: Path,
              prefect_api: str) -> dict[str, Any]:
    """One uninterrupted run: the numbers every interrupted one must end with."""
    root = tmp_path_factory.mktemp("reference") / "project"
    code, out, err = _run(root, sources, prefect_api)
    assert code == 0, out + err[-3000:]
    db = root / "data" / "curated" / "inclusio.duckdb"
    sums = table_checksums(db)
    assert sums["documents"][0] >= 5 and sums["claims"][0] > 0 and sums["problems"][0] >= 3
    return {"root": root, "checksums": sums, "files": _stage_files(root)}


@pytest.mark.parametrize("stage", list(STAGES))
def test_killed_at_each_stage_then_rerun_equals_one_uninterrupted_run(
        stage: str, tmp_path: Path, sources: Path, prefect_api: str,
        reference: dict[str, Any]) -> None:
    root = tmp_path / "project"
    proc = _start(root, sources, prefect_api)
    pattern, count = STAGES[stage]
    seen = _kill_at(proc, pattern, count)
    assert proc.returncode == -signal.SIGKILL, (
        f"the run ended ({proc.returncode}) before it reached {stage}: " + "".join(seen[-20:]))

    code, out, err = _run(root, sources, prefect_api)
    assert code == 0, out + err[-3000:]
    got = table_checksums(root / "data" / "curated" / "inclusio.duckdb")
    want = reference["checksums"]
    diff = {t: (got.get(t), want.get(t)) for t in set(got) | set(want) if got.get(t) != want.get(t)}
    assert not diff, f"killed at {stage}: tables differ from an uninterrupted run: {diff}"
    assert _stage_files(root) == reference["files"]  # nothing lost, nothing stored twice


# ---- a full disk -------------------------------------------------------------------------------


def _mount_tmpfs(where: Path, size_kb: int) -> bool:
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs",
                           str(where)], capture_output=True, text=True)
    return done.returncode == 0


def _du_kb(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) // 1024 + 1


def test_full_disk_stops_with_a_clear_message_and_no_half_written_rows(
        tmp_path: Path, sources: Path, prefect_api: str, reference: dict[str, Any]) -> None:
    """The project folder on a tmpfs that holds the crawl and the stage files but not the
    warehouse: the run stops with exit 4 and a clear message; after space is freed the same
    command ends where an uninterrupted run does."""
    data = reference["root"] / "data"
    stage_kb = sum(_du_kb(data / d) for d in ("raw", "parsed", "extracted"))
    disk = tmp_path / "disk"
    if not _mount_tmpfs(disk, stage_kb + 1024):
        pytest.skip("mounting a tmpfs is not permitted here (needs root or CAP_SYS_ADMIN)")
    try:
        root = disk / "project"
        code, out, err = _run(root, sources, prefect_api)
        assert code == 4, out + err[-3000:]
        # The reason is the last line on stderr, where every command's errors go (Prefect's
        # own log of the failed task comes before it).
        last = err.strip().splitlines()[-1]
        assert last.startswith("inclusio run: the disk is full"), err[-3000:]
        assert "run the same command again" in last
        assert "Traceback" not in out
        # Nothing half-written: every stage file reads back, no temporary file is left.
        import json

        for folder in ("parsed", "extracted"):
            for p in (root / "data" / folder).glob("*"):
                assert not p.name.startswith(".tmp-"), p
                json.loads(p.read_text("utf-8"))
        db = root / "data" / "curated" / "inclusio.duckdb"
        if db.exists() and db.stat().st_size:
            got = table_checksums(db)
            for table, (count, _) in got.items():
                assert count in (0, reference["checksums"][table][0]) or table in (
                    "schema_migrations", "search_stopwords", "fetches", "sources"), table
        subprocess.run(["mount", "-o", "remount,size=262144k", str(disk)], check=True)
        code, out, err = _run(root, sources, prefect_api)
        assert code == 0, out + err[-3000:]
        got = table_checksums(db)
        assert got == reference["checksums"]
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)


def _limit_file_size(limit: int) -> None:
    """In the child: no file may grow past ``limit`` bytes (writes fail with EFBIG)."""
    import resource

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # else the kernel kills the writer
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def test_file_size_limit_stops_the_run_like_a_full_disk(
        tmp_path: Path, sources: Path, prefect_api: str, reference: dict[str, Any]) -> None:
    """The same fault where no tmpfs can be mounted: RLIMIT_FSIZE lets every fetched body and
    stage file (a few KB each) be written but not the warehouse (MBs), so its writes fail
    with EFBIG ("File too large") as they would on a full disk. Exit 4, nothing
    half-written, and without the limit the same command ends as an uninterrupted run."""
    root = tmp_path / "project"
    root.mkdir()
    proc = subprocess.run(
        [sys.executable, "-m", "inclusio.cli", "run", str(sources)], cwd=root,
        env=_env(root, prefect_api), capture_output=True, text=True, timeout=400,
        preexec_fn=lambda: _limit_file_size(1024 * 1024))
    assert proc.returncode == 4, proc.stdout + proc.stderr[-3000:]
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("inclusio run: a file size limit was reached"), proc.stderr[-3000:]
    assert "File too large" in last and "run the same command again" in last
    assert "Traceback" not in proc.stdout
    db = root / "data" / "curated" / "inclusio.duckdb"
    assert not db.exists() or table_checksums(db)  # absent, or it opens
    code, out, err = _run(root, sources, prefect_api)
    assert code == 0, out + err[-3000:]
    assert table_checksums(db) == reference["checksums"]


def test_disk_filling_up_under_an_existing_warehouse(
        tmp_path: Path, sources: Path, prefect_api: str, reference: dict[str, Any]) -> None:
    """The nightly case: the warehouse is there, then the disk fills up (another program's
    file) and a run that parses and loads again (--force) stops with exit 4; the warehouse
    still opens with the rows it had, and once space is back the run ends as before."""
    disk = tmp_path / "disk"
    if not _mount_tmpfs(disk, 64 * 1024):
        pytest.skip("mounting a tmpfs is not permitted here (needs root or CAP_SYS_ADMIN)")
    try:
        root = disk / "project"
        code, out, err = _run(root, sources, prefect_api)
        assert code == 0, out + err[-3000:]
        db = root / "data" / "curated" / "inclusio.duckdb"
        before = table_checksums(db)
        filler = disk / "filler.bin"
        with filler.open("wb") as fh:  # whatever room is left, taken by another program
            try:
                while True:
                    fh.write(b"\0" * (1 << 20))
                    fh.flush()
            except OSError:
                pass
        proc = subprocess.run(
            [sys.executable, "-m", "inclusio.cli", "run", "--force", str(sources)], cwd=root,
            env=_env(root, prefect_api), capture_output=True, text=True, timeout=400)
        assert proc.returncode == 4, proc.stdout + proc.stderr[-3000:]
        last = proc.stderr.strip().splitlines()[-1]  # errors go to stderr, one line
        assert last.startswith("inclusio run: the disk is full"), proc.stderr[-3000:]
        assert "Traceback" not in proc.stdout + proc.stderr
        filler.unlink()
        assert table_checksums(db) == before  # nothing half-written
        code, out, err = _run(root, sources, prefect_api)
        assert code == 0, out + err[-3000:]
        assert table_checksums(db) == reference["checksums"]
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)


# ---- two runs at once ------------------------------------------------------------------------


def test_two_runs_at_once_the_second_exits_3_naming_the_first(
        tmp_path: Path, sources: Path) -> None:
    """No Prefect server configured (each run would start its own temporary one, which is
    where two runs crashed): started together, one runs and the other exits 3 with its PID,
    every time."""
    root = tmp_path / "project"
    for attempt in range(4):
        a = _start(root, sources, None)
        b = _start(root, sources, None)
        runs = {a.pid: a, b.pid: b}
        try:
            loser = None
            deadline = time.monotonic() + 300
            while loser is None and time.monotonic() < deadline:
                loser = next((p for p in runs.values() if p.poll() is not None), None)
                time.sleep(0.05)
            assert loser is not None, "neither run ended"
            winner = next(p for p in runs.values() if p is not loser)
            code, out, err = _finish(loser, timeout=30)
            assert code == 3, f"attempt {attempt}: exit {code}: {out}{err[-3000:]}"
            assert f"in use by another process (pid {winner.pid}: " in err, err
            assert "Traceback" not in out + err
            if attempt == 0:  # the first time, the other run must go through
                code, out, err = _finish(winner)
                assert code == 0, out + err[-3000:]
        finally:
            for p in runs.values():
                if p.poll() is None:
                    p.kill()
                p.wait(timeout=60)
                _reap(p)
