"""Parse many bodies in a pool of long-lived worker processes, each document under its own limits.

``parsers.guard`` forks a child per document: safe, but the fork, the pipe and the teardown
cost more than parsing an ordinary page. Here a few workers (forked from the same preloaded
forkserver) stay up and take documents one at a time, so the per-document cost is a pipe
round trip. The guarantees stay per document:

- a document that takes longer than ``timeout`` seconds has its worker killed and replaced:
  that document gets "parsing took longer than ... and was stopped", the others go on;
- each worker runs under an address-space limit of ``memory_mb``; a document that blows it
  gets a MemoryError reason (or, if the worker dies, "parser process died ...") and the worker
  is replaced. A worker whose memory has grown well past its size at start is retired after
  the document it finished, so every document starts near the same headroom.

The messages are those of ``parsers.guard``, so a run records the same problems as before.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import types
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from models.records import Document
from parsers.errors import ParseError
from parsers.guard import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT, _context

# A worker retires after this many documents, or once its peak memory grew by more than a
# quarter of the limit since it started (a heap that grew for a big document does not shrink).
MAX_DOCS_PER_WORKER = 500
GROWTH_SHARE = 0.25


@dataclass(frozen=True, slots=True)
class ParseJob:
    """One body to parse. ``data`` may be a callable, so bytes are read only when dispatched."""

    data: bytes | Callable[[], bytes]
    content_type: str | None = None
    url: str | None = None


def _peak_bytes() -> int:
    """The worker's peak resident memory so far (Linux reports kilobytes)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _serve(conn: Any, memory_mb: int, pdf_limits: Any, max_docs: int) -> None:
    """The worker's loop: one document in, one ("ok", Document) or ("error", reason) out."""
    import resource

    from parsers import parse_bytes

    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    start_peak = _peak_bytes()
    done = 0
    while done < max_docs:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        data, content_type, url = msg
        retire = False
        try:
            reply: tuple[str, Any] = ("ok", parse_bytes(
                data, content_type=content_type, url=url, pdf_limits=pdf_limits))
        except ParseError as exc:
            reply = ("error", str(exc))
        except MemoryError:
            reply = ("error", f"parsing needed more than the {memory_mb} MB memory limit")
            retire = True
        except Exception as exc:  # any other failure of a third-party parser is a readable reason
            reply = ("error", f"parser failed: {type(exc).__name__}: {exc}")
        del data, msg
        done += 1
        if _peak_bytes() - start_peak > GROWTH_SHARE * limit:
            retire = True
        try:
            conn.send((*reply, retire or done >= max_docs, _peak_bytes(), time.process_time()))
        except MemoryError:
            conn.send(("error", f"parsing needed more than the {memory_mb} MB memory limit",
                       True, _peak_bytes(), time.process_time()))
            return
        except Exception as exc:  # a Document that cannot be pickled: that document's reason
            conn.send(("error", f"parser failed: {type(exc).__name__}: {exc}", retire,
                       _peak_bytes(), time.process_time()))
        if retire:
            return


_start_lock = threading.Lock()


@contextmanager
def _without_main() -> Iterator[None]:
    """Start a worker without the parent's main module.

    A forkserver child runs the parent's ``__main__`` script again (as ``__mp_main__``) before
    it runs its target. The worker needs nothing from it, and a main that imports the pipeline
    (a benchmark, a test runner, a Prefect flow script) costs seconds per worker started. While
    a worker starts, ``__main__`` is a bare module, so the child is told of no main to run.
    """
    with _start_lock:
        main = sys.modules["__main__"]
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            yield
        finally:
            sys.modules["__main__"] = main


class _Worker:
    def __init__(self, ctx: Any, memory_mb: int, pdf_limits: Any, max_docs: int) -> None:
        self.conn, child = ctx.Pipe(duplex=True)
        self.proc = ctx.Process(target=_serve, args=(child, memory_mb, pdf_limits, max_docs),
                                daemon=True)
        with _without_main():
            self.proc.start()
        child.close()
        self.job: int | None = None
        self.deadline = 0.0
        self.cpu = 0.0  # the worker's CPU seconds at its last answer

    def stop(self, kill: bool = False) -> None:
        if not kill and self.proc.is_alive():
            try:
                self.conn.send(None)
            except OSError:
                kill = True
        if kill and self.proc.is_alive():
            self.proc.kill()
        self.proc.join(5)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(5)
        self.conn.close()


class ParsePool:
    """Long-lived parser processes; ``imap`` yields (index, Document or exception).

    Workers start on the first document, not before, and ``close`` stops them (a pool also
    ends with its process: workers are daemons and leave when their pipe closes).
    """

    def __init__(self, workers: int | None = None, *, timeout: float = DEFAULT_TIMEOUT,
                 memory_mb: int = DEFAULT_MEMORY_MB, pdf_limits: Any = None,
                 max_docs: int = MAX_DOCS_PER_WORKER) -> None:
        self.size = max(1, workers or default_workers())
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.pdf_limits = pdf_limits
        self.max_docs = max_docs
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()
        self.started = 0  # worker processes started so far (replacements included)
        self.peak_bytes = 0  # the largest peak resident memory a worker reported
        # CPU seconds the workers spent, as they reported with their answers (benchmarks
        # compare it with a bare library's CPU time; a killed worker's last document is lost).
        self.cpu_seconds = 0.0

    def _spawn(self) -> _Worker:
        self.started += 1
        return _Worker(_context(), self.memory_mb, self.pdf_limits, self.max_docs)

    def imap(self, jobs: Sequence[ParseJob]) -> Iterator[tuple[int, Document | Exception]]:
        """Parse ``jobs`` on the workers; results come as they finish, each with its index.

        A result is a Document, a ParseError (bad file, time or memory limit, dead worker) or
        the exception raised by a job's ``data`` callable."""
        with self._lock:
            yield from self._run(jobs)

    def map(self, jobs: Sequence[ParseJob]) -> list[Document | Exception]:
        out: list[Document | Exception | None] = [None] * len(jobs)
        for i, res in self.imap(jobs):
            out[i] = res
        return out  # type: ignore[return-value]

    def _run(self, jobs: Sequence[ParseJob]) -> Iterator[tuple[int, Document | Exception]]:
        queue = deque(range(len(jobs)))
        busy: dict[Connection, _Worker] = {}
        try:
            while queue or busy:
                while queue and len(busy) < self.size:
                    i = queue.popleft()
                    job = jobs[i]
                    try:
                        data = job.data() if callable(job.data) else job.data
                    except Exception as exc:  # the body cannot be read: the caller words it
                        yield i, exc
                        continue
                    worker = self._idle.pop() if self._idle else self._spawn()
                    try:
                        worker.conn.send((data, job.content_type, job.url))
                    except (OSError, EOFError):  # the idle worker had gone: a fresh one
                        worker.stop(kill=True)
                        worker = self._spawn()
                        worker.conn.send((data, job.content_type, job.url))
                    del data
                    worker.job, worker.deadline = i, time.monotonic() + self.timeout
                    busy[worker.conn] = worker
                now = time.monotonic()
                soonest = min(w.deadline for w in busy.values())
                ready = wait(list(busy), timeout=max(0.0, soonest - now))
                for conn in ready:
                    worker = busy.pop(conn)  # type: ignore[arg-type]
                    yield worker.job, self._answer(worker)  # type: ignore[misc]
                now = time.monotonic()
                for conn, worker in list(busy.items()):
                    if worker.deadline <= now:
                        del busy[conn]
                        worker.stop(kill=True)
                        yield worker.job, ParseError(  # type: ignore[misc]
                            f"parsing took longer than {self.timeout:g} s and was stopped")
        finally:
            for worker in busy.values():  # the caller stopped early: those answers are lost
                worker.stop(kill=True)

    def _answer(self, worker: _Worker) -> Document | ParseError:
        try:
            kind, payload, retire, peak, cpu = worker.conn.recv()
        except Exception:  # EOF, or a message cut short by the worker's death
            worker.proc.join(5)
            code = worker.proc.exitcode
            worker.stop(kill=True)
            return ParseError(
                f"parser process died (exit code {code}); memory limit {self.memory_mb} MB")
        self.peak_bytes = max(self.peak_bytes, peak)
        self.cpu_seconds += cpu - worker.cpu
        worker.cpu = cpu
        if retire:
            worker.stop()
        else:
            self._idle.append(worker)
        return payload if kind == "ok" else ParseError(payload)

    def close(self) -> None:
        with self._lock:
            while self._idle:
                self._idle.pop().stop()

    def __enter__(self) -> ParsePool:
        return self

    def __exit__(self, *_: Any) -> None:
        self.close()


def default_workers() -> int:
    """Worker processes: ``INCLUSIO_PARSE_WORKERS``, else one per CPU (at most 8)."""
    try:
        return max(1, int(os.environ.get("INCLUSIO_PARSE_WORKERS", "")))
    except ValueError:
        return max(1, min(8, os.cpu_count() or 1))


_shared: ParsePool | None = None
_shared_lock = threading.Lock()


def shared_pool() -> ParsePool:
    """The process's pool, made on first use (its workers start with the first document)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            import atexit

            _shared = ParsePool()
            atexit.register(_shared.close)
        return _shared
