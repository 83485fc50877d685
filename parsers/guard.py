"""Parse one body in a child process with a wall-clock limit and an address-space limit.

The parsers bound their own work (pages, pixels, inflated bytes, seconds between pages), but a
C library can still spin or allocate inside one call. Here the call runs in a forked child of a
forkserver (preloaded with the parsers, so a child starts in milliseconds): a hang is killed at
``timeout`` seconds and a blow-up stops at ``memory_mb``; both come back as ParseError, so a run
records the reason and goes on.
"""

from __future__ import annotations

import multiprocessing as mp
from functools import cache
from typing import Any

from models.records import Document
from parsers.errors import ParseError

DEFAULT_TIMEOUT = 120.0
DEFAULT_MEMORY_MB = 2048


@cache
def _context() -> Any:
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["parsers", "parsers.pdf", "parsers.html", "parsers.office",
                                "parsers.p7m", "parsers.ocr"])
    return ctx


def _child(conn: Any, data: bytes, content_type: str | None, url: str | None,
           memory_mb: int, pdf_limits: Any) -> None:
    import resource

    from parsers import parse_bytes

    limit = memory_mb * 1024 * 1024
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        doc = parse_bytes(data, content_type=content_type, url=url, pdf_limits=pdf_limits)
        conn.send(("ok", doc))
    except ParseError as exc:
        conn.send(("error", str(exc)))
    except MemoryError:
        conn.send(("error", f"parsing needed more than the {memory_mb} MB memory limit"))
    except Exception as exc:  # any other failure of a third-party parser is a readable reason
        conn.send(("error", f"parser failed: {type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def parse_guarded(
    data: bytes,
    *,
    content_type: str | None = None,
    url: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    memory_mb: int = DEFAULT_MEMORY_MB,
    pdf_limits: Any = None,
) -> Document:
    """``parsers.parse_bytes`` in a child process; ParseError on timeout, memory or crash."""
    ctx = _context()
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(send, data, content_type, url, memory_mb, pdf_limits),
                       daemon=True)
    proc.start()
    send.close()
    try:
        if not recv.poll(timeout):
            proc.kill()
            raise ParseError(f"parsing took longer than {timeout:g} s and was stopped")
        try:
            kind, payload = recv.recv()
        except EOFError:
            proc.join(5)
            raise ParseError(
                f"parser process died (exit code {proc.exitcode}); memory limit {memory_mb} MB"
            ) from None
    finally:
        recv.close()
        proc.join(5)
        if proc.is_alive():
            proc.kill()
            proc.join(5)
    if kind == "ok":
        return payload
    raise ParseError(payload)
