"""Exports of the curated tables for researchers: Parquet or CSV files written by DuckDB's COPY,
with a manifest naming each file, its rows and what its columns mean."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb

from warehouse import csvsafe

# Views worth a file of their own: official figures set beside the claims.
EXPORTED_VIEWS = ("official_figures", "reconciliation")
SKIPPED_TABLES = {"schema_migrations", "search_index_state", "search_stopwords"}


def curated_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Base tables of the main schema (not bookkeeping, not the search index), then the views."""
    tables = [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'"
            " AND database_name = current_database() AND NOT temporary ORDER BY table_name"
        ).fetchall()
        if r[0] not in SKIPPED_TABLES
    ]
    views = {
        r[0]
        for r in con.execute(
            "SELECT view_name FROM duckdb_views() WHERE schema_name = 'main' AND NOT internal"
            " AND database_name = current_database()"
        ).fetchall()
    }
    return tables + [v for v in EXPORTED_VIEWS if v in views]


def describe(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Tables and views with their comments and columns (name, type, comment)."""
    out = []
    rels = con.execute(
        "SELECT table_name, 'table', comment FROM duckdb_tables()"
        " WHERE schema_name = 'main' AND database_name = current_database() AND NOT temporary"
        " UNION ALL SELECT view_name, 'view', comment FROM duckdb_views()"
        " WHERE schema_name = 'main' AND NOT internal AND database_name = current_database()"
        " ORDER BY 2, 1"
    ).fetchall()
    for name, kind, comment in rels:
        if name in SKIPPED_TABLES:
            continue
        cols = con.execute(
            "SELECT column_name, data_type, comment FROM duckdb_columns()"
            " WHERE schema_name = 'main' AND table_name = ? AND database_name = current_database()"
            " ORDER BY column_index",
            [name],
        ).fetchall()
        out.append({
            "name": name, "kind": kind, "comment": comment,
            "columns": [{"name": c, "type": t, "comment": cm} for c, t, cm in cols],
        })
    return out


def export(con: duckdb.DuckDBPyConnection, out_dir: Path, fmt: str = "parquet") -> dict[str, Any]:
    """Write one file per curated table (``<table>.parquet`` or ``.csv``) and ``manifest.json``."""
    if fmt not in ("parquet", "csv"):
        raise ValueError(f"unknown export format {fmt!r}: use parquet or csv")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    options = "FORMAT parquet, COMPRESSION zstd" if fmt == "parquet" else "FORMAT csv, HEADER true"
    docs = {d["name"]: d for d in describe(con)}
    files = []
    for table in curated_tables(con):
        target = out_dir / f"{table}.{fmt}"
        select = _csv_select(con, table) if fmt == "csv" else "*"
        con.execute(f'COPY (SELECT {select} FROM "{table}") TO \'{_sql_str(target)}\' ({options})')
        rows = con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
        files.append({"table": table, "file": target.name, "rows": rows,
                      "comment": docs.get(table, {}).get("comment"),
                      "columns": docs.get(table, {}).get("columns", [])})
    manifest = {"format": fmt, "tables": files}
    (out_dir / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    return manifest


def _csv_select(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """The select list of a CSV export: text columns neutralised against formula injection
    (see ``warehouse.csvsafe``), every other column as it is, so numbers stay numbers."""
    cols = con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = 'main'"
        " AND table_name = ? AND database_name = current_database() ORDER BY column_index",
        [table],
    ).fetchall()
    parts = []
    for name, data_type in cols:
        quoted = '"' + name.replace('"', '""') + '"'
        if data_type in ("VARCHAR", "JSON"):
            parts.append(f"{csvsafe.sql_cell(quoted + '::VARCHAR')} AS {quoted}")
        else:
            parts.append(quoted)
    return ", ".join(parts) or "*"


def _sql_str(path: Path) -> str:
    return str(path).replace("'", "''")
