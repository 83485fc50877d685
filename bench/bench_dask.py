"""1 vs 2 Dask workers on the same generated documents: parse + extract (+ Parquet staging).

    .venv/bin/python bench/bench_dask.py [--docs 2000] [--workers 1 2] [--quick]

For each worker count: a fresh project of the same ``--docs`` generated pages (one PDF in 20,
bench/corpus.py), a ``LocalCluster`` of that many worker processes with one thread each, set
up as ``inclusio run --executor dask`` sets its workers (flows/dask_stages.py: one parser
process per worker, spaCy loaded before the first batch). A warm-up batch per worker, on
documents of another project, runs before the clock starts. Timed: every parse batch submitted
at once, each batch's extract batches (which stage their frames as Parquet, as on a cluster)
as soon as it is parsed, with the batch sizes the executor picks; the load is the one writer
and is not part of the figure. Printed: seconds per worker count, the CPU seconds the workers
and their parser processes used, and the speed-up of the largest count over the first.
Target: 2 workers ≥ 1.6× one, on a machine with two idle cores.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def _cpu_seconds() -> float:
    """CPU time of this worker, its parser process and its children already gone."""
    import psutil

    me = psutil.Process()
    t = me.cpu_times()
    total = t.user + t.system + t.children_user + t.children_system
    for child in me.children(recursive=True):
        try:
            c = child.cpu_times()
        except psutil.Error:
            continue
        total += c.user + c.system
    return total


def _parse(root: str, batch: list[dict[str, Any]]) -> list[dict]:
    from flows import runner

    return runner.plain_parse(root, batch)


def _extract_and_stage(root: str, shas: list[str], batch_no: int) -> list[dict]:
    from flows import runner, stages, staging

    results = runner.plain_extract(root, shas)
    done = [r["sha256"] for r in results if not r.get("error") and not r.get("skipped")]
    staging.write_batch(stages.Workspace.at(root), "bench", batch_no, done)
    return results


def _stages(client: Any, root: str, items: list[dict[str, Any]], workers: int) -> int:
    """submit_stages' schedule on a plain Dask client: returns documents extracted."""
    from distributed import as_completed

    from flows import stages
    from flows.dask_stages import (
        MIN_EXTRACT_BATCH,
        MIN_PARSE_BATCH,
        batch_size,
    )

    psize = batch_size(len(items), workers, MIN_PARSE_BATCH, stages.PARSE_BATCH)
    esize = batch_size(len(items), workers, MIN_EXTRACT_BATCH, stages.EXTRACT_BATCH)
    parse_futures = [client.submit(_parse, root, b, pure=False)
                     for b in stages.batched(items, psize)]
    extract_futures = []
    for n, fut in enumerate(as_completed(parse_futures)):
        ok = [p["sha256"] for p in fut.result() if not p.get("error")]
        for k, shas in enumerate(stages.batched(ok, esize)):
            extract_futures.append(client.submit(_extract_and_stage, root, shas,
                                                 n * 10_000 + k, pure=False))
    return sum(1 for f in extract_futures for r in f.result() if not r.get("error"))


def one(workers: int, docs: int) -> tuple[float, float]:
    import dask
    from corpus import make_project
    from distributed import Client, LocalCluster

    from flows import stages
    from flows.dask_stages import WorkerSetup

    dask.config.set({"distributed.worker.daemon": False})
    with tempfile.TemporaryDirectory() as tmp, \
            LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                         dashboard_address=None) as cluster, Client(cluster) as client:
        client.register_plugin(WorkerSetup())  # spaCy loaded, one parser process per worker
        warm = Path(tmp) / "warm"
        items = stages.bodies(make_project(warm, 10 * workers, seed=3, pdf_every=5))
        for n, w in enumerate(client.nthreads()):  # every worker parses and extracts once
            batch = items[n * 10:(n + 1) * 10]
            parsed = client.submit(_parse, str(warm), batch, workers=[w], pure=False).result()
            client.submit(_extract_and_stage, str(warm), [p["sha256"] for p in parsed],
                          n, workers=[w], pure=False).result()
        project = Path(tmp) / "project"
        items = stages.bodies(make_project(project, docs, pdf_every=20))
        cpu0 = sum(client.run(_cpu_seconds).values())
        t0 = time.perf_counter()
        extracted = _stages(client, str(project), items, workers)
        took = time.perf_counter() - t0
        cpu = sum(client.run(_cpu_seconds).values()) - cpu0
    if extracted != docs:
        raise SystemExit(f"{extracted} documents extracted of {docs}")
    return took, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=2000)
    ap.add_argument("--workers", type=int, nargs="*", default=[1, 2])
    ap.add_argument("--quick", action="store_true", help="400 documents")
    args = ap.parse_args()
    if args.quick:
        args.docs = 400
    print(f"dask: {args.docs} generated documents (1 PDF in 20), parse + extract + staging; "
          f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f}")
    results = {}
    for w in args.workers:
        took, cpu = one(w, args.docs)
        results[w] = took
        print(f"  {w} worker{'s' if w > 1 else ' '}: {took:7.1f} s  ({args.docs / took:6.1f} "
              f"docs/s, workers' CPU {cpu:.1f} s)", flush=True)
    first, last = args.workers[0], args.workers[-1]
    ratio = results[first] / results[last]
    print(f"  speed-up {last} vs {first} workers: {ratio:.2f}x (target >= 1.6x for 2 vs 1 on "
          f"two idle cores); load average now {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
