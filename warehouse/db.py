"""Opening the warehouse: one writer at a time, schema applied in order, nothing lost on failure.

DuckDB itself refuses a second writing process; we turn that into a clear message (or a wait)
so that two runs on the same warehouse never corrupt it.
"""

from __future__ import annotations

import fcntl
import os
import re
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
    if applied:
        # Schema changes go into the file now, not the write-ahead log: DuckDB 1.5 cannot
        # replay a logged COMMENT ON COLUMN of a table with a DEFAULT now() column, so a run
        # killed before its first checkpoint left a warehouse that no longer opened.
        con.execute("CHECKPOINT")
    return applied


class WarehouseDamaged(RuntimeError):
    """The warehouse file cannot be opened: truncated, overwritten or not a DuckDB file."""


def busy_message(path: Path, pid: int | str | None) -> str:
    holder = f" (pid {pid})" if pid else ""
    return (
        f"the warehouse {path} is in use by another inclusio process{holder}; "
        "wait for it to finish (or pass --wait SECONDS)"
    )


def damaged_message(path: Path, exc: BaseException) -> str:
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return (
        f"the warehouse {path} cannot be opened, it looks damaged or truncated ({first}); "
        "rebuild it from data/parsed and data/extracted with `inclusio load --rebuild` "
        "(the damaged file is kept beside it as .damaged-<time>)"
    )


# DuckDB's own error names the process holding its lock: "... (PID 1234) ...".
_PID = re.compile(r"PID (\d+)")
# What DuckDB says of a truncated, overwritten or bit-flipped file.
_DAMAGED = re.compile(
    r"not a valid DuckDB database|Could not read enough bytes|Corrupt database file|checksum",
    re.IGNORECASE,
)


def _open(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        text = str(exc)
        # Damage first: "checksum ... in block at ..." holds the letters "lock" too.
        if path.exists() and _DAMAGED.search(text):
            raise WarehouseDamaged(damaged_message(path, exc)) from exc
        if re.search(r"\block\b", text, re.IGNORECASE):
            pid = _PID.search(text)
            raise WarehouseBusy(busy_message(path, pid.group(1) if pid else None)) from exc
        raise
    except (duckdb.SerializationException, duckdb.InternalException) as exc:
        raise WarehouseDamaged(damaged_message(path, exc)) from exc


_PID_WIDTH = 24


def _holder(fd: int) -> str | None:
    """The PID the lock holder wrote (it writes it right after taking the lock)."""
    for _ in range(50):
        text = os.pread(fd, _PID_WIDTH, 0).decode("ascii", "replace").strip()
        if text.isdigit():
            return text
        time.sleep(0.02)
    return None


def lock_path(warehouse: Path | str) -> Path:
    return Path(str(warehouse) + ".lock")


@contextmanager
def writer_lock(warehouse: Path | str, *, wait: float = 0.0) -> Iterator[None]:
    """Hold the project's one-writer lock (an flock beside the warehouse) for a whole run.

    Taken before Prefect starts: two runs in one folder would otherwise race to start two
    temporary Prefect servers on one state database and crash there. The file holds the
    holder's PID for the message; the kernel drops the lock when the holder dies (kill -9
    included), so a stale file never blocks a run.
    """
    path = lock_path(warehouse)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + wait
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise WarehouseBusy(busy_message(Path(warehouse), _holder(fd))) from None
                time.sleep(0.2)
        # One fixed-width write: a reader never sees the file empty or half-written.
        os.pwrite(fd, f"{os.getpid()}\n".ljust(_PID_WIDTH).encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the flock


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
            new = not path.exists()
            con = _open(path, read_only)
            break
        except WarehouseBusy:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.5)
    try:
        if not read_only:
            try:
                apply_schema(con)
            except BaseException:
                if new:  # a warehouse this call began (a full disk): leave no half of it
                    con.close()
                    for leftover in (path, Path(str(path) + ".wal")):
                        leftover.unlink(missing_ok=True)
                raise
        yield con
    finally:
        con.close()
