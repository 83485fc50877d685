"""Two processes on one warehouse: the second gets a clear message, the warehouse stays whole."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb

from warehouse.db import connect

REPO = Path(__file__).resolve().parents[2]


def _hold(db: Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb,time; c=duckdb.connect({str(db)!r}); print('ok', flush=True); "
            "time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "ok"
    return proc


def _inclusio(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "INCLUSIO_HOME": str(cwd), "PREFECT_HOME": str(cwd / ".prefect")}
    return subprocess.run(
        [sys.executable, "-m", "inclusio.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_second_writer_exits_with_a_clear_message(tmp_path: Path) -> None:
    db = tmp_path / "data" / "curated" / "inclusio.duckdb"
    with connect(db) as con:
        con.execute(
            "INSERT INTO problems VALUES ('p1', 'r', 'fetch', 'http://x/', NULL, 'HTTP 404', now())"
        )
    holder = _hold(db)
    try:
        result = _inclusio(["load", "--wait", "1"], tmp_path)
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 3, result.stdout + result.stderr
    assert "inclusio load: the warehouse" in result.stderr
    assert f"in use by another process (pid {holder.pid}: " in result.stderr
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM problems").fetchone()[0] == 1
    finally:
        con.close()


def test_a_waiting_writer_goes_on_when_the_first_finishes(tmp_path: Path) -> None:
    db = tmp_path / "data" / "curated" / "inclusio.duckdb"
    with connect(db):
        pass
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb,time; c=duckdb.connect({str(db)!r}); print('ok', flush=True); "
            "time.sleep(2); c.close()",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "ok"
    result = _inclusio(["load", "--wait", "30"], tmp_path)
    holder.wait()
    assert result.returncode == 0, result.stdout + result.stderr
