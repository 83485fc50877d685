"""Fault: a command given something it cannot do answers in one line with a documented exit code.

Exit codes (README, "Exit codes"): 1 the command failed (SQL refused, no warehouse), 2 the
command line asks for something impossible (missing input file, output path that is a file or
in a missing folder, empty SQL), 3 another process holds the warehouse for writing.
Never a traceback, and never a side effect such as an empty warehouse left behind.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from inclusio.cli import main
from models.records import Source
from warehouse.db import connect
from warehouse.load import load_sources


def one_line_error(capsys: pytest.CaptureFixture[str], command: str) -> str:
    """The command's stderr, asserted to be one ``inclusio COMMAND: ...`` line."""
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith(f"inclusio {command}: "), err
    return lines[0]


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    """A warehouse with its schema and one source, written by the real loader."""
    path = tmp_path / "curated" / "inclusio.duckdb"
    with connect(path) as con:
        load_sources(con, [Source(source_id="massa", entity="Comune di Massa",
                                  start_urls=["https://www.comune.massa.ms.it/"],
                                  allowed_hosts=["www.comune.massa.ms.it"])])
    return path


HOLDER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
print("holding", flush=True)
sys.stdin.read()  # hold the write lock until the test closes our stdin
con.close()
"""


@pytest.fixture
def held(warehouse: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process with the warehouse open for writing, as a running load would have it."""
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(warehouse)], text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "holding"
        yield proc
    finally:
        release(proc)


def release(proc: subprocess.Popen[str]) -> None:
    """Let the holder close the warehouse and exit (killed if it does not within 10 s)."""
    if proc.stdin and not proc.stdin.closed:
        proc.stdin.close()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if proc.stdout and not proc.stdout.closed:
        proc.stdout.close()


# ---------------------------------------------------------------- reference import


@pytest.mark.parametrize("dataset", ["opencoesione", "opencup"])
@pytest.mark.parametrize("what", ["missing file", "folder"])
def test_reference_import_of_a_missing_file_creates_no_warehouse(
    dataset: str, what: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "curated" / "inclusio.duckdb"
    given = tmp_path / "MISSING_FILE.csv"
    if what == "folder":
        given.mkdir()
    code = main(["reference", "import", dataset, str(given), "--warehouse", str(target)])
    assert code == 2
    line = one_line_error(capsys, "reference import")
    assert str(given) in line
    assert not target.exists() and not target.parent.exists()


# ---------------------------------------------------------------- query


@pytest.mark.parametrize("sql", ["", "   \n\t"], ids=["empty", "blank"])
def test_query_with_no_sql_says_so(sql: str, warehouse: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", sql, "--warehouse", str(warehouse)]) == 2
    assert "no SQL given" in one_line_error(capsys, "query")


@pytest.mark.parametrize("sql", [
    "DROP TABLE sources", "DELETE FROM sources", "SELECT 1; DROP TABLE sources",
    "UPDATE sources SET entity = 'x'",
])
def test_query_pasted_write_statement_is_refused_and_table_survives(
    sql: str, warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["query", sql, "--warehouse", str(warehouse)]) == 1
    line = one_line_error(capsys, "query")
    assert "read-only" in line and "--write" in line
    with connect(warehouse, read_only=True) as con:
        assert con.execute("SELECT entity FROM sources").fetchall() == [("Comune di Massa",)]


@pytest.mark.parametrize("sql", [
    "COPY (SELECT 'x') TO '{out}'", "SELECT * FROM read_text('/etc/hostname')",
    "ATTACH '{out}.duckdb' AS other", "SET enable_external_access = true",
], ids=["COPY TO a file", "read a local file", "ATTACH another database",
        "turn file access back on"])
def test_query_without_write_touches_no_other_file(
    sql: str, warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "leak.csv"
    assert main(["query", sql.format(out=out), "--warehouse", str(warehouse)]) == 1
    one_line_error(capsys, "query")
    assert not out.exists() and not Path(f"{out}.duckdb").exists()


def test_query_write_flag_allows_changes(warehouse: Path) -> None:
    assert main(["query", "CREATE TABLE notes (t VARCHAR)", "--write",
                 "--warehouse", str(warehouse)]) == 0
    with connect(warehouse, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM notes").fetchone() == (0,)


def test_query_syntax_error_is_one_line(warehouse: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", "SELEC 1", "--warehouse", str(warehouse)]) == 1
    assert "syntax error" in one_line_error(capsys, "query")


@pytest.mark.parametrize("write", [False, True], ids=["read-only", "--write"])
def test_query_on_a_missing_warehouse_creates_none(write: bool, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "nowhere" / "inclusio.duckdb"
    argv = ["query", "SELECT 1", "--warehouse", str(target)] + (["--write"] if write else [])
    assert main(argv) == 1
    assert "no warehouse" in one_line_error(capsys, "query")
    assert not target.parent.exists()


# ---------------------------------------------------------------- outputs into bad places


@pytest.mark.parametrize("fmt", ["html", "csv", "json", "table"])
def test_compare_output_into_a_missing_folder(fmt: str, warehouse: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "no-such-folder" / "compare.out"
    code = main(["compare", "--cup", "J51H17000110006", "--format", fmt, "-o", str(out),
                 "--warehouse", str(warehouse)])
    assert code == 2
    assert "does not exist" in one_line_error(capsys, "compare")
    assert not out.parent.exists()


def test_compare_output_onto_a_folder(warehouse: Path, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", "--cup", "J51H17000110006", "-o", str(tmp_path),
                 "--warehouse", str(warehouse)]) == 2
    assert "is a folder" in one_line_error(capsys, "compare")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
def test_compare_output_onto_a_full_disk(warehouse: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", "--entity", "Comune di Massa", "-o", "/dev/full",
                 "--warehouse", str(warehouse)]) == 1
    assert "No space left on device" in one_line_error(capsys, "compare")


@pytest.mark.parametrize("argv", [["report"], ["export", "--format", "csv"],
                                  ["export", "--format", "parquet"]],
                         ids=["report", "export csv", "export parquet"])
def test_report_or_export_onto_an_existing_regular_file(
    argv: list[str], warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "already-a-file"
    target.write_text("keep me", encoding="utf-8")
    assert main([*argv, str(target), "--warehouse", str(warehouse)]) == 2
    assert "is not a folder" in one_line_error(capsys, argv[0])
    assert target.read_text(encoding="utf-8") == "keep me"


# ---------------------------------------------------------------- warehouse held by a writer

READERS = {
    "query": ["query", "SELECT count(*) FROM sources"],
    "compare": ["compare", "--entity", "Comune di Massa"],
    "report": ["report", "{tmp}/report"],
    "export": ["export", "{tmp}/export"],
    "schema": ["schema"],
}


@pytest.mark.parametrize("command", sorted(READERS))
def test_reader_while_another_process_writes_says_busy(
    command: str, warehouse: Path, held: subprocess.Popen[str], tmp_path: Path,
    capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [a.format(tmp=tmp_path) for a in READERS[command]]
    started = time.monotonic()
    assert main([*argv, "--warehouse", str(warehouse), "--wait", "0.6"]) == 3
    assert time.monotonic() - started >= 0.5  # it did wait before giving up
    line = one_line_error(capsys, command)
    assert "in use by another process" in line and "--wait" in line


def test_query_wait_outlasts_a_writer_that_finishes(
    warehouse: Path, held: subprocess.Popen[str], capsys: pytest.CaptureFixture[str]
) -> None:
    timer = threading.Timer(1.0, release, args=(held,))
    timer.start()
    try:
        assert main(["query", "SELECT entity FROM sources", "--format", "csv",
                     "--warehouse", str(warehouse), "--wait", "30"]) == 0
    finally:
        timer.cancel()
        timer.join()
    assert "Comune di Massa" in capsys.readouterr().out


def test_busy_warehouse_is_left_intact(warehouse: Path, held: subprocess.Popen[str],
                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", "DROP TABLE sources", "--write", "--warehouse", str(warehouse)]) == 3
    one_line_error(capsys, "query")
    release(held)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM sources").fetchone() == (1,)
    finally:
        con.close()
