"""Sources crawled many at once (greenlets of one thread), here or in a child process.

A polite crawl of thousands of small sites is bound by the crawler's CPU per request, and one
Python process uses one core. ``flows.runner.crawl_all`` therefore splits a large crawl into
shards of whole host groups (``flows.executors.host_groups``: no host is ever asked from two
processes, so its politeness gate stays one) and crawls each extra shard in a child process
started here. The child crawls and stores bodies (the raw store is safe to share: a body is
written under a temporary name and renamed once durable) and sends every record to the parent
as it happens, with the starts and ends of its sources; the parent writes the fetch log (one
writer), shows the progress and hears every record, as for the sources it crawls itself. A
record is sent only after the body it names is durable (``RawStore.put`` returns then), so the
fetch log's order guarantee holds across the processes.

This module imports only the crawler, so a child starts in a fraction of a second.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from typing import Any

from crawl import green
from flows.progress import say
from models.records import FetchRecord, Source

FETCH_RETRIES = 2  # as the flow's fetch task: a crawl that crashed is tried again
FETCH_RETRY_DELAY = 5.0


def crawl_each(sources: Sequence[Source], crawl_one: Callable[[Source], list[FetchRecord]],
               started: Callable[[Source], None], finished: Callable[[str], None],
               workers: int, *, threads: bool = False) -> list[list[FetchRecord]]:
    """Each source crawled in a greenlet of this thread (crawl/green.py), ``workers`` at once,
    tried again after a crash (FETCH_RETRIES); the records of each source's last attempt, in
    the sources' order. With ``threads``, each source in a thread of its own instead: for a
    store whose writes block in Python (an fsspec URL) rather than in the crawl's waits."""

    def one(source: Source) -> list[FetchRecord]:
        for attempt in range(FETCH_RETRIES + 1):
            started(source)
            try:
                records = crawl_one(source)
            except Exception as exc:
                if attempt == FETCH_RETRIES:
                    raise
                say(f"fetch {source.source_id}: crashed ({type(exc).__name__}: {exc}); "
                    f"trying again in {FETCH_RETRY_DELAY:.0f} s")
                green.sleep(FETCH_RETRY_DELAY)
                continue
            finished(source.source_id)
            return records
        raise AssertionError("unreachable")

    if not threads:
        return green.map_bounded(one, sources, workers)
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="fetch") as pool:
        futures = [pool.submit(one, s) for s in sources]
        return [f.result() for f in futures]


def shard_main(conn: Connection, raw_root: str, sources: list[Source], run_id: str,
               state: Any, workers: int) -> None:
    """A child process's crawl of its shard: messages ``("started", source_id)``,
    ``("record", FetchRecord)``, ``("finished", source_id)``, then ``("done", None)`` or
    ``("error", reason)``."""
    from crawl.crawler import crawl_source
    from crawl.rawstore import RawStore, open_raw_store

    logging.basicConfig(level=logging.WARNING)
    store = open_raw_store(raw_root)
    lock = threading.Lock()

    def send(kind: str, value: Any) -> None:
        with lock:
            conn.send((kind, value))

    def crawl_one(source: Source) -> list[FetchRecord]:
        return crawl_source(source, store, run_id=run_id, state=state,
                            progress=lambda rec: send("record", rec))

    try:
        crawl_each(sources, crawl_one, lambda s: send("started", s.source_id),
                   lambda sid: send("finished", sid), workers,
                   threads=not isinstance(store, RawStore))
    except BaseException as exc:
        send("error", f"{type(exc).__name__}: {exc}")
        raise
    finally:
        try:
            send("done", None)
        finally:
            conn.close()


class Shard:
    """A child process crawling ``sources``; :meth:`follow` relays its messages."""

    def __init__(self, raw_root: str, sources: list[Source], run_id: str, state: Any,
                 workers: int) -> None:
        import multiprocessing

        # spawn, not fork: the parent may run threads (the progress display, Prefect's
        # warm-up) whose locks a forked child would inherit held.
        ctx = multiprocessing.get_context("spawn")
        self.sources = sources
        self._conn, child = ctx.Pipe(duplex=False)
        self.process = ctx.Process(target=shard_main, name="inclusio-crawl-shard",
                                   args=(child, raw_root, sources, run_id, state, workers),
                                   daemon=True)
        self.process.start()
        child.close()
        self.error: str | None = None

    def follow(self, record: Callable[[FetchRecord], None], started: Callable[[Source], None],
               finished: Callable[[str], None]) -> dict[str, list[FetchRecord]]:
        """Relay the child's messages until it is done; return each source's records of its
        last attempt. Sets ``error`` when the child failed or died."""
        by_id = {s.source_id: s for s in self.sources}
        records: dict[str, list[FetchRecord]] = {}
        done = False
        try:
            while True:
                kind, value = self._conn.recv()
                if kind == "record":
                    records.setdefault(value.source_id, []).append(value)
                    record(value)
                elif kind == "started":
                    records[value] = []  # a crashed attempt's records are in the log only
                    started(by_id[value])
                elif kind == "finished":
                    finished(value)
                elif kind == "error":
                    self.error = value
                elif kind == "done":
                    done = True
                    break
        except EOFError:
            pass
        finally:
            self._conn.close()
            self.process.join()
        if not done and self.error is None:
            self.error = (f"the crawl process of {len(self.sources)} sources ended without "
                          f"finishing (exit code {self.process.exitcode})")
        return records
