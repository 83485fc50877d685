"""`inclusio query`: several statements print each result; `--format json` for programs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inclusio.cli import main
from models.records import Source
from warehouse.db import connect
from warehouse.load import load_sources


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "inclusio.duckdb"
    with connect(path) as con:
        load_sources(con, [
            Source(source_id="massa", entity="Comune di Massa",
                   start_urls=["https://www.comune.massa.ms.it/"],
                   allowed_hosts=["www.comune.massa.ms.it"]),
            Source(source_id="livorno", entity="Comune di Livorno; Ufficio \"Sociale\"",
                   start_urls=["https://www.comune.livorno.it/"],
                   allowed_hosts=["www.comune.livorno.it"]),
        ])
    return path


def query(warehouse: Path, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(["query", *argv, "--warehouse", str(warehouse)])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out


def test_several_statements_print_each_result(warehouse: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    code, out = query(warehouse, capsys,
                      "SELECT count(*) AS n FROM sources; SELECT source_id FROM sources "
                      "ORDER BY 1;\n SELECT 'a;b' AS semicolon_in_a_string;")
    assert code == 0
    blocks = out.strip().split("\n\n")
    assert len(blocks) == 3, out
    assert blocks[0].startswith("-- SELECT count(*) AS n FROM sources") and "(1 row)" in blocks[0]
    assert "livorno" in blocks[1] and "massa" in blocks[1] and "(2 rows)" in blocks[1]
    assert "a;b" in blocks[2]


def test_one_statement_prints_no_heading(warehouse: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    code, out = query(warehouse, capsys, "SELECT 1 AS one;")
    assert code == 0 and out.startswith("one\n")


def test_json_one_array_of_row_objects_per_statement(warehouse: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    code, out = query(warehouse, capsys, "--format", "json",
                      "SELECT source_id, entity FROM sources ORDER BY 1; "
                      "SELECT 1.50::DECIMAL(10,2) AS amount, DATE '2024-04-01' AS day, "
                      "NULL AS nothing, [1, 2] AS list, {'k': 'v'} AS struct, 7 AS n")
    assert code == 0
    first, second = (json.loads(line) for line in out.splitlines())
    assert first == [{"source_id": "livorno", "entity": "Comune di Livorno; Ufficio \"Sociale\""},
                     {"source_id": "massa", "entity": "Comune di Massa"}]
    assert second == [{"amount": 1.5, "day": "2024-04-01", "nothing": None, "list": [1, 2],
                       "struct": {"k": "v"}, "n": 7}]


def test_csv_results_are_separated_by_a_blank_line(warehouse: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    code, out = query(warehouse, capsys, "--format", "csv", "SELECT 1 AS a; SELECT 2 AS b")
    assert code == 0 and out.replace("\r\n", "\n") == "a\n1\n\nb\n2\n"


def test_a_syntax_error_in_a_later_statement_runs_none(
        warehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["query", "SELECT 'prima' AS x; SELEC 2", "--warehouse", str(warehouse)])
    captured = capsys.readouterr()
    assert code == 1
    assert captured.out == ""
    assert captured.err.startswith("inclusio query: Parser Error: syntax error")
    assert len(captured.err.strip().splitlines()) == 1


@pytest.mark.parametrize("sql", [";", " ; ;", "-- only a comment"])
def test_no_statement_at_all(sql: str, warehouse: Path,
                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", sql, "--warehouse", str(warehouse)]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("inclusio query: no SQL statement given")


def test_write_statements_in_a_list_are_refused_and_change_nothing(
        warehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", "SELECT 1 AS x; DELETE FROM sources; SELECT 2 AS y",
                 "--warehouse", str(warehouse)]) == 1
    captured = capsys.readouterr()
    assert "DELETE refused" in captured.err and "y" not in captured.out.split()
    with connect(warehouse, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM sources").fetchone() == (2,)


def test_write_flag_runs_a_list_of_changes(warehouse: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    code, out = query(warehouse, capsys, "--write",
                      "CREATE TABLE notes (t VARCHAR); INSERT INTO notes VALUES ('x'), ('y'); "
                      "SELECT count(*) AS n FROM notes")
    assert code == 0 and "2" in out.split()
