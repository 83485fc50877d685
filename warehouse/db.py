"""Opening the warehouse: one writer at a time, schema applied in order, nothing lost on failure.

DuckDB itself refuses a second writing process; we turn that into a clear message (or a wait)
so that two runs on the same warehouse never corrupt it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from models.schema import migrations


class WarehouseBusy(RuntimeError):
    """Another process holds the warehouse open for writing."""


def apply_schema(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply every schema file not applied yet; return the names applied now."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMP DEFAULT now())"
    )
    done = {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}
    applied = []
    for version, name, sql in migrations():
        if version in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(sql)
            con.execute(
                "INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [version, name]
            )
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        applied.append(name)
    return applied


def _open(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise WarehouseBusy(
                f"the warehouse {path} is in use by another inclusio process; "
                "wait for it to finish (or pass --wait SECONDS)"
            ) from exc
        raise


@contextmanager
def connect(
    path: Path | str, *, read_only: bool = False, wait: float = 0.0
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse (creating it and its schema when writing); wait ``wait`` s if busy."""
    path = Path(path)
    if read_only and not path.exists():
        raise FileNotFoundError(f"no warehouse at {path}: run `inclusio run` or `make demo` first")
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait
    while True:
        try:
            con = _open(path, read_only)
            break
        except WarehouseBusy:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.5)
    try:
        if not read_only:
            apply_schema(con)
        yield con
    finally:
        con.close()
