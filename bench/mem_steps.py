"""Resident memory of the load stage, step by step: which step makes the peak grow.

    .venv/bin/python bench/mem_steps.py prepare N DIR   # generate, parse and extract N documents
    .venv/bin/python bench/mem_steps.py load DIR        # a fresh warehouse loaded from DIR
    .venv/bin/python bench/mem_steps.py full N          # as bench_scale: parse, extract, load

A thread samples the process's resident set (/proc/self/statm) every 10 ms; each step of
``flows.stages.load_into_warehouse`` (and, in ``full``, parse and extract before it) is
printed with its resident memory at start and end and the highest sample seen during it;
after each load batch, the fetch rows, before linking writes and after the index build,
DuckDB's own accounting (``duckdb_memory()``, MB by tag) too.

In ``load``, the environment may change the load's bounds (``LOAD_BATCH``,
``LOAD_BATCH_CLAIMS``, ``LOAD_BATCH_CHARS``, ``LOAD_CHECKPOINT``, ``LOAD_MEMORY_LIMIT``) and
set DuckDB settings on the connection (``DUCKDB_SET="memory_limit='256MB';threads=1"``).
Memory only: times are those of a sampled run.
"""

from __future__ import annotations

import functools
import os
import resource
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * PAGE / 2**20


class Sampler:
    def __init__(self) -> None:
        self.peak = 0.0
        self.lock = threading.Lock()
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        while True:
            r = rss_mb()
            with self.lock:
                self.peak = max(self.peak, r)
            time.sleep(0.01)

    def reset(self) -> float:
        with self.lock:
            self.peak = rss_mb()
            return self.peak

    def get(self) -> float:
        with self.lock:
            return max(self.peak, rss_mb())


SAMPLER: Sampler | None = None


def duck(con: Any) -> str:
    """DuckDB's own accounting: memory by tag (MB), the ones above 1 MB."""
    rows = con.execute("SELECT tag, memory_usage_bytes FROM duckdb_memory()"
                       " WHERE memory_usage_bytes > 2**20 ORDER BY 2 DESC").fetchall()
    return ", ".join(f"{t} {b / 2**20:.0f}" for t, b in rows) or "-"
DEPTH = [0]


def step(name: str, fn: Any) -> Any:
    @functools.wraps(fn)
    def wrapped(*a: Any, **k: Any) -> Any:
        assert SAMPLER is not None
        outer = SAMPLER.get()  # the enclosing step's peak so far
        start = SAMPLER.reset()
        t0 = time.perf_counter()
        DEPTH[0] += 1
        try:
            return fn(*a, **k)
        finally:
            DEPTH[0] -= 1
            peak, end = SAMPLER.get(), rss_mb()
            print(f"{'  ' * DEPTH[0]}{name:<22} start {start:7.0f}  peak {peak:7.0f}  "
                  f"end {end:7.0f} MB  {time.perf_counter() - t0:7.1f} s", flush=True)
            with SAMPLER.lock:
                SAMPLER.peak = max(outer, peak)
    return wrapped


def instrument() -> None:
    global SAMPLER
    SAMPLER = Sampler()
    import warehouse.linking as linking
    import warehouse.search as search
    from flows import runner, stages
    from warehouse import load as wload

    stages.load_into_warehouse = step("load_into_warehouse", stages.load_into_warehouse)
    settings = wload.load_settings

    def load_settings(con: Any) -> None:
        settings(con)
        for setting in filter(None, os.environ.get("DUCKDB_SET", "").split(";")):
            con.execute(f"SET {setting}")  # e.g. DUCKDB_SET="memory_limit='256MB'"
        print("    duckdb settings:", con.execute(
            "SELECT current_setting('memory_limit'), current_setting('threads'),"
            " current_setting('checkpoint_threshold')").fetchone(), flush=True)

    wload.load_settings = load_settings
    stages.connect = step("connect", stages.connect)
    stages._unloaded_records = step("_unloaded_records", stages._unloaded_records)
    stages._loaded_versions = step("_loaded_versions", stages._loaded_versions)
    for name in ("load_sources", "load_batches", "load_problems",
                 "clear_problems"):
        setattr(wload, name, step(name, getattr(wload, name)))
    linking.link_all = step("link_all", linking.link_all)
    for name in ("_fingerprint", "_documents", "_claim_links"):
        setattr(linking, name, step(name, getattr(linking, name)))
    built = wload._load_built

    def per_batch(con: Any, items: Any, *a: Any, **k: Any) -> int:
        out = built(con, items, *a, **k)
        print(f"    batch of {len(items)}: rss {rss_mb():.0f} MB, duckdb {duck(con)}", flush=True)
        return out

    wload._load_built = per_batch
    fetches = wload.load_fetches

    def load_fetches(con: Any, records: Any) -> int:
        out = fetches(con, records)
        print(f"    after load_fetches: rss {rss_mb():.0f} MB, duckdb {duck(con)}", flush=True)
        return out

    wload.load_fetches = step("load_fetches", load_fetches)
    link_write = linking._write

    def write(con: Any, *a: Any, **k: Any) -> Any:
        print(f"    before link write: rss {rss_mb():.0f} MB, duckdb {duck(con)}", flush=True)
        return link_write(con, *a, **k)

    linking._write = step("_write", write)
    ensure = search.ensure_index

    def ensure_index(con: Any, *a: Any, **k: Any) -> Any:
        out = ensure(con, *a, **k)
        print(f"    after ensure_index: rss {rss_mb():.0f} MB, duckdb {duck(con)}", flush=True)
        return out

    search.ensure_index = step("ensure_index", ensure_index)
    runner._batch_after_batch = step("parse+extract", runner._batch_after_batch)


def prepare(n: int, folder: Path) -> None:
    from corpus import make_project

    from flows import runner, stages

    records = make_project(folder, n, pdf_every=20)
    runner._batch_after_batch(stages.Workspace.at(folder), stages.bodies(records), False,
                              runner.plain_parse, runner.plain_extract)


def load(folder: Path) -> None:
    from flows import stages

    ws = stages.Workspace.at(folder)
    for p in ws.warehouse.parent.glob(ws.warehouse.name + "*"):
        p.unlink()
    instrument()
    from warehouse import load as wload

    for name in ("LOAD_BATCH", "LOAD_BATCH_CLAIMS", "LOAD_BATCH_CHARS", "LOAD_CHECKPOINT",
                 "LOAD_MEMORY_LIMIT"):
        if name in os.environ:
            value = os.environ[name]
            setattr(wload, name, int(value) if value.isdigit() else value)
            print(f"{name} = {value}")
    records = stages.read_fetch_log(ws)
    print(f"before load: {rss_mb():.0f} MB, {len(records)} records", flush=True)
    stages.load_into_warehouse(ws, run_id="r", records=records,
                               shas=[i["sha256"] for i in stages.bodies(records)],
                               problems=stages.fetch_problems(records))


def full(n: int) -> None:
    from corpus import make_project

    from flows import runner, stages

    instrument()
    with tempfile.TemporaryDirectory() as tmp:
        records = make_project(Path(tmp), n, pdf_every=20)
        print(f"generated: {rss_mb():.0f} MB", flush=True)
        runner.process(stages.Workspace.at(tmp), "bench", [], records, datetime.now())


def main() -> None:
    what = sys.argv[1]
    if what == "prepare":
        prepare(int(sys.argv[2]), Path(sys.argv[3]))
    elif what == "load":
        load(Path(sys.argv[2]))
    else:
        full(int(sys.argv[2]))
    print(f"ru_maxrss {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
