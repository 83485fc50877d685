"""Give freed memory back to the system between the load's steps.

A large run frees hundreds of megabytes between its steps (a load batch's frames, the fetch
rows, linking's tables), but the allocators keep what they freed for later: glibc's heap, the
Arrow memory pool and DuckDB's own allocator. The process's peak then grows with every step
instead of staying at the largest one; handing it back at the step boundaries keeps it there.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import re
import sys
from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

import duckdb

T = TypeVar("T")

# DuckDB hands freed memory back once this much is held unused (its default is far larger).
DUCKDB_FLUSH = "16MB"


@cache
def _trim() -> Any:
    """glibc's ``malloc_trim``, or None where the C library has none (musl, macOS)."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        trim = libc.malloc_trim
    except (OSError, AttributeError, TypeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def duckdb_settings(con: Any) -> None:
    """Make a loading connection's allocator hand back what it frees early."""
    con.execute(f"SET allocator_flush_threshold = '{DUCKDB_FLUSH}'")
    con.execute(f"SET allocator_bulk_deallocation_flush_threshold = '{DUCKDB_FLUSH}'")


def give_back() -> None:
    """Return what the Arrow pool and the C heap hold unused to the system (a few ms)."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    trim = _trim()
    if trim is not None:
        trim(0)


# A step DuckDB cannot fit in its bound runs again under a bound this many times larger, then
# without one: a larger warehouse costs memory, never the run.
BOUND_GROWTH = 4
# As DuckDB reads them: KB, MB, GB in powers of ten, KiB, MiB, GiB in powers of two.
_UNITS = {"KB": 10**3, "MB": 10**6, "GB": 10**9, "KIB": 2**10, "MIB": 2**20, "GIB": 2**30}


def size_bytes(limit: str) -> int:
    """A memory size as DuckDB reads and shows it (``128MB``, ``61.0 MiB``), in bytes."""
    m = re.fullmatch(r"\s*([\d.]+)\s*([KMG]i?B)\s*", limit, re.IGNORECASE)
    if m is None:
        raise ValueError(f"not a memory size: {limit!r}")
    return int(float(m[1]) * _UNITS[m[2].upper()])


def grown(limit: str) -> str:
    """``limit`` (e.g. ``128MB``) times BOUND_GROWTH, in KiB."""
    return f"{size_bytes(limit) * BOUND_GROWTH // 2**10}KiB"


def in_force(con: duckdb.DuckDBPyConnection) -> str:
    """DuckDB's memory bound now (e.g. ``61.0 MiB``): a step inside another runs under it."""
    return str(con.execute("SELECT current_setting('memory_limit')").fetchone()[0])


def bounded(con: duckdb.DuckDBPyConnection, step: Callable[[], T], limit: str) -> T:
    """``step()`` with DuckDB held to ``limit``; if DuckDB cannot fit it there, once more
    under a bound BOUND_GROWTH times larger, then under the bound in force before (none,
    unless an enclosing step set one) if that is larger still; else the failure goes to the
    enclosing step. ``step`` must leave nothing behind when it fails (one transaction, or
    work it redoes from the start)."""
    # Set back by value: DuckDB 1.5's RESET memory_limit reports the default but leaves the
    # buffer pool at the limit.
    before = in_force(con)
    bounds = [limit, grown(limit)]
    # The bound in force last, unless it is no larger than one that failed (an enclosing
    # step's: the failure is then that step's to take to its own larger bound).
    last = not _at_most(before, bounds[-1])
    try:
        for n, bound in enumerate(bounds):
            try:
                # Setting a bound below what DuckDB holds and cannot evict fails the same way.
                con.execute(f"SET memory_limit = '{bound}'")
                return step()
            except duckdb.OutOfMemoryException as exc:
                if n + 1 == len(bounds) and not last:
                    raise
                then = f"under {bounds[n + 1]}" if n + 1 < len(bounds) else f"under {before}"
                sys.stderr.write(f"DuckDB needs more than {bound} here "
                                 f"({str(exc).splitlines()[0]}): run again {then}\n")
        con.execute(f"SET memory_limit = '{before}'")
        return step()
    finally:
        con.execute(f"SET memory_limit = '{before}'")


def _at_most(size: str, than: str) -> bool:
    """Whether memory size ``size`` is no larger than ``than`` (one DuckDB names otherwise,
    e.g. no bound at all, is larger)."""
    try:
        return size_bytes(size) <= size_bytes(than)
    except ValueError:
        return False
