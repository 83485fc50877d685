"""Exports of the curated tables and the schema with its comments."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pytest

from inclusio.cli import main
from warehouse.db import connect
from warehouse.linking import link_all


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_export_writes_every_curated_table(warehouse_path: Path, tmp_path: Path, fmt: str) -> None:
    with connect(warehouse_path) as con:
        link_all(con)
        n_claims = con.execute("SELECT count(*) FROM claims").fetchone()[0]
    out = tmp_path / "export"
    assert main(["export", str(out), "--format", fmt, "--warehouse", str(warehouse_path)]) == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    names = {t["table"] for t in manifest["tables"]}
    assert {"documents", "claims", "projects", "document_projects", "claim_projects", "fetches",
            "sources", "ref_opencoesione_projects", "reconciliation"} <= names
    assert "schema_migrations" not in names
    claims = next(t for t in manifest["tables"] if t["table"] == "claims")
    assert claims["rows"] == n_claims and "quote" in claims["comment"] + json.dumps(claims)
    if fmt == "parquet":
        back = duckdb.sql(f"SELECT count(*), count(DISTINCT kind) FROM '{out}/claims.parquet'")
        assert back.fetchone() == (n_claims, 6)
    else:
        with (out / "claims.csv").open(encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        assert len(rows) == n_claims
        assert {"€ 496.931,00", "€ 1.149.465,93"} <= {r["quote"] for r in rows}


def test_schema_prints_comments(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    out = capsys.readouterr().out
    assert "claims (table) — Every fact read from a document" in out
    assert "financed is not paid" in out
    assert "reconciliation (view)" in out
    assert main(["schema", "projects", "--format", "markdown"]) == 0
    md = capsys.readouterr().out
    assert md.startswith("### projects (table)") and "| cup | VARCHAR |" in md
    assert main(["schema", "nothing_here"]) == 1


def test_every_table_column_and_view_says_what_it_holds(tmp_path: Path) -> None:
    """`inclusio schema` and the export manifest describe the whole warehouse, not a part."""
    with connect(tmp_path / "w.duckdb") as con:
        tables = con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND comment IS NULL"
        ).fetchall()
        columns = con.execute(
            "SELECT c.table_name || '.' || c.column_name FROM duckdb_columns() c "
            "JOIN duckdb_tables() t USING (database_name, schema_name, table_name) "
            "WHERE c.schema_name = 'main' AND c.comment IS NULL ORDER BY 1"
        ).fetchall()
        views = con.execute(
            "SELECT view_name FROM duckdb_views() "
            "WHERE schema_name = 'main' AND NOT internal AND comment IS NULL"
        ).fetchall()
    assert (tables, columns, views) == ([], [], [])
