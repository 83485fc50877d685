"""Ordinary mistakes give one line on stderr (``inclusio COMMAND: what is wrong and what to do``),
a documented exit code and no traceback, for `run`, `load`, `crawl` and `reference import` as
for the other commands (tests/faults/test_cli_errors.py has the reading commands' cases)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from inclusio.cli import main
from warehouse.db import connect

REPO = Path(__file__).resolve().parents[2]


def the_line(capsys: pytest.CaptureFixture[str], command: str) -> str:
    """stderr holds exactly one line, ``inclusio COMMAND: ...``; stdout holds nothing."""
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    assert captured.out == "", captured.out
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert len(lines) == 1, captured.err
    assert lines[0].startswith(f"inclusio {command}: "), lines[0]
    return lines[0]


@pytest.mark.parametrize("command", ["run", "crawl", "schedule"])
def test_a_missing_sources_file(command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("INCLUSIO_HOME", str(tmp_path))
    extra = ["--interval", "60"] if command == "schedule" else []
    assert main([command, str(tmp_path / "nessuno.toml"), *extra]) == 2
    line = the_line(capsys, command)
    assert "no sources file at" in line and "nessuno.toml" in line
    assert not (tmp_path / "data").exists() and not (tmp_path / ".prefect").exists()


def test_load_with_a_missing_sources_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("INCLUSIO_HOME", str(tmp_path))
    assert main(["load", "--rebuild", "--sources", str(tmp_path / "nessuno.toml")]) == 2
    assert "nessuno.toml" in the_line(capsys, "load")
    assert not (tmp_path / "data" / "curated").exists()


def test_run_and_load_say_busy_on_stderr_like_every_command(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The one-writer lock held by another process: `load` names it on stderr, exit 3."""
    monkeypatch.setenv("INCLUSIO_HOME", str(tmp_path))
    lock = tmp_path / "data" / "curated" / "inclusio.duckdb.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys\nfrom warehouse.db import writer_lock\n"
         "with writer_lock(sys.argv[1].removesuffix('.lock')):\n"
         "    print('ok', flush=True)\n    sys.stdin.read()\n", str(lock)],
        cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ok"
        assert main(["load"]) == 3
    finally:
        holder.communicate("", timeout=30)
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert lines[0].startswith(f"inclusio load: home {tmp_path}")  # said before any work
    assert len(lines) == 2 and lines[1].startswith("inclusio load: the warehouse ")
    assert f"in use by another process (pid {holder.pid}: {sys.executable} -c import sys" \
        in lines[1]


def test_busy_names_the_new_holder_not_the_pid_a_killed_one_left_in_the_lock_file(
        tmp_path: Path) -> None:
    """A holder killed with -9 leaves its PID in the lock file; the next holder takes the
    lock a moment before it writes its own. A writer refused in that moment must name the
    live holder, not the dead one."""
    from warehouse.db import WarehouseBusy, writer_lock

    db = tmp_path / "inclusio.duckdb"
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    lock = Path(str(db) + ".lock")
    lock.write_text(gone.stdout.strip().ljust(23) + "\n")
    # Takes the flock, says so, and only then (0.3 s later) writes its PID, as a holder
    # caught between its flock and its write would.
    holder = subprocess.Popen(
        [sys.executable, "-c", "import fcntl, os, sys, time\n"
         "fd = os.open(sys.argv[1], os.O_RDWR)\n"
         "fcntl.flock(fd, fcntl.LOCK_EX)\n"
         "print('locked', flush=True)\ntime.sleep(0.3)\n"
         "os.pwrite(fd, f'{os.getpid()}'.ljust(23).encode() + b'\\n', 0)\n"
         "sys.stdin.read()\n", str(lock)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(WarehouseBusy) as busy, writer_lock(db):
            pass
    finally:
        holder.communicate("", timeout=30)
    assert f"in use by another process (pid {holder.pid}: {sys.executable} -c" \
        in str(busy.value)


# ---- reference import leaves no warehouse it did not need --------------------------------------

MALFORMED = {
    "no header": "just some words\nand more words\n",
    "wrong columns": "NOME;COGNOME\nMario;Rossi\n",
    "binary": "\x00\x01\x02\xff\xfe\x00PK\x03\x04",
    "empty": "",
}


@pytest.mark.parametrize("dataset", ["opencoesione", "opencup"])
@pytest.mark.parametrize("content", list(MALFORMED), ids=list(MALFORMED))
def test_reference_import_of_a_malformed_file_leaves_no_warehouse(
        dataset: str, content: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "curated" / "inclusio.duckdb"
    bad = tmp_path / "bad.csv"
    bad.write_bytes(MALFORMED[content].encode("latin-1"))
    assert main(["reference", "import", dataset, str(bad), "--warehouse", str(target)]) == 1
    assert str(bad) in the_line(capsys, "reference import")
    assert not target.exists() and not Path(f"{target}.wal").exists()
    assert not target.with_name(target.name + ".next").exists()


def test_reference_import_of_a_malformed_file_keeps_an_existing_warehouse(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "inclusio.duckdb"
    with connect(target) as con:
        con.execute("INSERT INTO problems VALUES ('p', 'r', 'fetch', 'http://x/', NULL, "
                    "'HTTP 404', now())")
    bad = tmp_path / "bad.csv"
    bad.write_text(MALFORMED["wrong columns"], encoding="utf-8")
    assert main(["reference", "import", "opencup", str(bad), "--warehouse", str(target)]) == 1
    the_line(capsys, "reference import")
    with connect(target, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM problems").fetchone() == (1,)


# ---- --home ------------------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["before", "after"])
def test_home_that_does_not_exist_for_a_reading_command(
        where: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "nowhere"
    argv = (["--home", str(home), "query", "SELECT 1"] if where == "before"
            else ["query", "SELECT 1", "--home", str(home)])
    assert main(argv) == 2
    line = the_line(capsys, "query")
    assert f"--home {home} does not exist" in line
    assert not home.exists()


def test_home_that_is_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    afile = tmp_path / "file"
    afile.write_text("x", encoding="utf-8")
    assert main(["--home", str(afile), "load"]) == 2
    assert "is a file" in the_line(capsys, "load")


def test_an_unknown_option_is_a_usage_error(
        capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["query", "SELECT 1", "--no-such-option"])
    assert exc.value.code == 2
    assert "unrecognized arguments: --no-such-option" in capsys.readouterr().err


def test_errors_of_a_real_process_are_one_line(tmp_path: Path) -> None:
    """The same through the console script's module, as a user meets it."""
    env = {**os.environ, "INCLUSIO_HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "inclusio.cli", "query", ""], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        "inclusio query: no SQL given: pass a statement, or - to read it from standard input"]
