"""Give freed memory back to the system between the load's steps.

A large run frees hundreds of megabytes between its steps (a load batch's frames, the fetch
rows, linking's tables), but the allocators keep what they freed for later: glibc's heap, the
Arrow memory pool and DuckDB's own allocator. The process's peak then grows with every step
instead of staying at the largest one; handing it back at the step boundaries keeps it there.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache
from typing import Any

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
