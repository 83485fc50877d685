"""Opening the warehouse: one writer at a time, schema applied in order, nothing lost on failure.

DuckDB lets one process hold a file read-write *or* many hold it read-only, never both. Two
rules keep readers (commands, notebooks, a long query) from ever locking out the writer:

- writers take the project's one-writer lock (an flock on ``inclusio.duckdb.lock``) first, so
  two writers never meet inside DuckDB, and a waiting one can name the holder;
- a writer that finds the file held read-only by readers does not wait for them: it writes a
  copy (``inclusio.duckdb.next``) and renames it into place when done. Readers that had the
  file open go on reading the version they opened (a snapshot); the next open sees the new one.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterator
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


def holder_of(pid: int | str | None) -> str:
    """``pid 1234: python -m inclusio.cli run sources.toml`` (the command line from /proc), so
    the message names the real holder: a notebook kernel, a query, another run."""
    if not pid:
        return "pid unknown"
    try:
        raw = Path(f"/proc/{int(pid)}/cmdline").read_bytes()
    except (OSError, ValueError):
        return f"pid {pid}"
    cmd = " ".join(" ".join(part.decode("utf-8", "replace").split())
                   for part in raw.split(b"\0") if part.strip())
    if len(cmd) > 160:
        cmd = cmd[:157] + "..."
    return f"pid {pid}: {cmd}" if cmd else f"pid {pid}"


def busy_message(path: Path, pid: int | str | None) -> str:
    return (
        f"the warehouse {path} is in use by another process ({holder_of(pid)}); "
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


# DuckDB's file starts with three 4 KiB headers, then its blocks.
_HEADERS = 3 * 4096


def _short_file(path: Path, con: duckdb.DuckDBPyConnection) -> str | None:
    """Why ``path`` is shorter than the blocks it holds in use (a file cut after the blocks
    DuckDB reads on opening: it opens, and fails later on a read), or None.

    A checkpoint cuts free blocks off the end of the file while the header still counts them,
    so a file shorter than ``total_blocks`` is sound when every block in use is still in it."""
    row = con.execute(
        "SELECT block_size, total_blocks, free_blocks FROM pragma_database_size()"
        " WHERE database_name = current_database()"
    ).fetchone()
    if not row or not path.exists():
        return None
    size, total, free = (int(v) for v in row)
    have = path.stat().st_size
    if have >= _HEADERS + size * total:
        return None
    try:
        last = _last_block(con)
    except duckdb.IOException as exc:  # the segments' list names a block the file lacks
        if not _DAMAGED.search(str(exc)):
            raise
        return f"the file holds {have} bytes: {str(exc).splitlines()[0]}"
    need = _HEADERS + size * max(total - free, last + 1)
    return None if have >= need else f"the file holds {have} bytes of the {need} it needs"


def _last_block(con: duckdb.DuckDBPyConnection) -> int:
    """The highest block id the catalog and the tables' stored segments use (-1 for none)."""
    last = con.execute("SELECT coalesce(max(block_id), -1) FROM pragma_metadata_info()"
                       ).fetchone()
    best = int(last[0]) if last else -1
    for schema, table in con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables()"
            " WHERE database_name = current_database()").fetchall():
        name = ".".join('"' + part.replace('"', '""') + '"' for part in (schema, table))
        name = name.replace("'", "''")
        got = con.execute(f"SELECT coalesce(max(block_id), -1) FROM pragma_storage_info('{name}')"
                          " WHERE persistent").fetchone()
        best = max(best, int(got[0]) if got else -1)
    return best


def _open(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    try:
        con = duckdb.connect(str(path), read_only=read_only)
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
    short = _short_file(path, con)
    if short:
        con.close()
        raise WarehouseDamaged(damaged_message(path, RuntimeError(short)))
    return con


_PID_WIDTH = 24


def _holder(fd: int) -> str | None:
    """The PID the lock holder wrote (it writes it right after taking the lock).

    The file keeps the previous holder's PID until the new one overwrites it (a holder killed
    with -9 cannot clear it), so a PID whose process is gone is read again until the new
    holder's appears; after a second the last one read is named anyway."""
    seen = None
    for _ in range(50):
        text = os.pread(fd, _PID_WIDTH, 0).decode("ascii", "replace").strip()
        if text.isdigit():
            seen = text
            if _alive(int(text)):
                return text
        time.sleep(0.02)
    return seen


def _alive(pid: int) -> bool:
    """Whether a process ``pid`` exists (one we may not signal counts as existing)."""
    if pid <= 0 or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def lock_path(warehouse: Path | str) -> Path:
    return Path(str(warehouse) + ".lock")


# Waits shorter than this pass without a word; longer ones say whom they wait for, once.
NOTICE_AFTER = 2.0


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# The one-writer locks this process holds (lock file -> depth). An flock belongs to an open
# file, so a second flock by the same process on a new descriptor would refuse it: the run
# takes the lock before Prefect starts, and its load task, in the same process, re-enters.
_HELD: dict[str, int] = {}
_HELD_GUARD = threading.Lock()


def _reenter(key: str) -> bool:
    with _HELD_GUARD:
        if _HELD.get(key):
            _HELD[key] += 1
            return True
        return False


def _leave(key: str) -> None:
    with _HELD_GUARD:
        _HELD[key] -= 1
        if not _HELD[key]:
            del _HELD[key]


@contextmanager
def writer_lock(
    warehouse: Path | str, *, wait: float = 0.0, notice: Callable[[str], None] | None = _say
) -> Iterator[None]:
    """Hold the project's one-writer lock (an flock beside the warehouse) for a whole run.

    Taken before Prefect starts: two runs in one folder would otherwise race to start two
    temporary Prefect servers on one state database and crash there. The file holds the
    holder's PID for the message; the kernel drops the lock when the holder dies (kill -9
    included), so a stale file never blocks a run. Re-entrant within one process. While it
    waits (up to ``wait`` seconds) it says once, through ``notice``, whom it waits for.
    """
    path = lock_path(warehouse)
    key = str(path.resolve())
    if _reenter(key):
        try:
            yield
        finally:
            _leave(key)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + wait
    told = False
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise WarehouseBusy(busy_message(Path(warehouse), _holder(fd))) from None
                if not told and notice is not None and wait >= NOTICE_AFTER:
                    notice(f"the warehouse {warehouse} is held by {holder_of(_holder(fd))}; "
                           f"waiting up to {round(wait, 1):g} s for it")
                    told = True
                time.sleep(0.2)
        # One fixed-width write: a reader never sees the file empty or half-written.
        os.pwrite(fd, f"{os.getpid()}\n".ljust(_PID_WIDTH).encode(), 0)
        with _HELD_GUARD:
            _HELD[key] = 1
        try:
            yield
        finally:
            _leave(key)
    finally:
        os.close(fd)  # releases the flock


def _wal(path: Path) -> Path:
    return Path(str(path) + ".wal")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _held_by_readers(path: Path) -> duckdb.DuckDBPyConnection | None:
    """A read-only connection to ``path`` when only readers hold it (else None: a writer
    outside inclusio's lock has it, or nobody). Held, it keeps such writers out."""
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        return None


def _pid_in(exc: BaseException) -> str | None:
    cur: BaseException | None = exc
    while cur is not None:
        if found := _PID.search(str(cur)):
            return found.group(1)
        cur = cur.__cause__
    return None


@contextmanager
def _copy_session(
    path: Path, hold: duckdb.DuckDBPyConnection
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Write a copy of ``path`` and rename it into place when the caller is done.

    ``hold`` (read-only, shared with the readers) is kept open until the rename, so no writer
    outside inclusio's lock can change the file between the copy and the rename. A failure or a
    kill leaves the warehouse as it was, and the copy is thrown away.
    """
    nxt = path.with_name(path.name + ".next")
    for leftover in (nxt, _wal(nxt)):
        leftover.unlink(missing_ok=True)
    try:
        shutil.copyfile(path, nxt)
        if _wal(path).exists():  # a writer outside inclusio died: its log goes with the copy
            shutil.copyfile(_wal(path), _wal(nxt))
        con = _open(nxt, read_only=False)
        try:
            apply_schema(con)
            yield con
            con.execute("CHECKPOINT")
        finally:
            con.close()
        if _wal(nxt).exists():
            raise RuntimeError(f"{nxt}: DuckDB left a write-ahead log after CHECKPOINT")
        _fsync(nxt)
        _wal(path).unlink(missing_ok=True)  # checkpointed into the copy
        os.replace(nxt, path)
        _fsync(path.parent)
    except BaseException:
        for leftover in (nxt, _wal(nxt)):
            leftover.unlink(missing_ok=True)
        raise
    finally:
        hold.close()


@contextmanager
def _write_session(path: Path, wait: float) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection: in place when nobody holds the file, on a copy when only
    readers do, after waiting up to ``wait`` s when a writer outside inclusio's lock has it."""
    deadline = time.monotonic() + wait
    told = False
    con = hold = None
    while con is None and hold is None:
        try:
            new = not path.exists()
            con = _open(path, read_only=False)
        except (WarehouseBusy, duckdb.ConnectionException) as exc:
            # ConnectionException: this very process has the file open read-only.
            hold = _held_by_readers(path)
            if hold is not None:
                break
            if time.monotonic() >= deadline:
                if isinstance(exc, WarehouseBusy):
                    raise
                raise WarehouseBusy(busy_message(path, os.getpid())) from exc
            if not told and wait >= NOTICE_AFTER and isinstance(exc, WarehouseBusy):
                _say(f"the warehouse {path} is held for writing by {holder_of(_pid_in(exc))}; "
                     f"waiting up to {round(wait, 1):g} s for it")
                told = True
            time.sleep(0.5)
    if hold is not None:
        with _copy_session(path, hold) as copy:
            yield copy
        return
    assert con is not None
    try:
        try:
            apply_schema(con)
        except BaseException:
            if new:  # a warehouse this call began (a full disk): leave no half of it
                con.close()
                for leftover in (path, _wal(path)):
                    leftover.unlink(missing_ok=True)
            raise
        yield con
    finally:
        con.close()


_SESSIONS: dict[str, threading.RLock] = {}


def _session_guard(path: Path) -> threading.RLock:
    """One write session per warehouse at a time among this process's threads (the one-writer
    lock is the process's, shared by its threads): two copies renamed in turn would lose the
    first one's rows."""
    key = str(path.resolve())
    with _HELD_GUARD:
        return _SESSIONS.setdefault(key, threading.RLock())


@contextmanager
def connect(
    path: Path | str, *, read_only: bool = False, wait: float = 0.0,
    discard_new_on_error: bool = False,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse (creating it and its schema when writing); wait ``wait`` s if busy.

    Read-only: a shared hold, refused only while a writer has the file in place. Writing: the
    one-writer lock first, then the file in place, or a copy renamed into place when readers
    hold it (see the module's docstring), so a reader never makes a writer fail.
    ``discard_new_on_error``: a warehouse this call creates is removed again if the caller
    fails (an import of a malformed file leaves no schema-only warehouse behind).
    """
    path = Path(path)
    if read_only:
        if not path.exists():
            raise FileNotFoundError(
                f"no warehouse at {path}: run `inclusio run` or `make demo` first")
        deadline = time.monotonic() + wait
        told = False
        while True:
            try:
                con = _open(path, read_only=True)
                break
            except WarehouseBusy as exc:
                if time.monotonic() >= deadline:
                    raise
                if not told and wait >= NOTICE_AFTER:
                    _say(f"the warehouse {path} is being written by {holder_of(_pid_in(exc))}; "
                         f"waiting up to {round(wait, 1):g} s for it")
                    told = True
                time.sleep(0.5)
        try:
            yield con
        finally:
            con.close()
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    created = not path.exists()
    started = time.monotonic()
    with writer_lock(path, wait=wait), _session_guard(path):
        left = max(0.0, wait - (time.monotonic() - started))
        try:
            with _write_session(path, left) as con:
                yield con
        except BaseException:
            if created and discard_new_on_error:
                for leftover in (path, _wal(path)):
                    leftover.unlink(missing_ok=True)
            raise
