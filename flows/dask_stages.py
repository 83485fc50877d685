"""The flow's parse → extract → load on a Dask cluster (``inclusio run --executor dask``).

flows/executors.py says how the cluster is chosen and set up; here are the Prefect pieces:
the ``DaskTaskRunner`` the flow runs with, the body that submits batches together
(``submit_stages``), the extract task that stages its batch as Parquet and the load task
that is the one writer (flows/staging.py). ``flows.pipeline.process_records`` picks these up
through :func:`flow_stages` when its flow runs on Dask.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from distributed import WorkerPlugin
from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from prefect.futures import as_completed
from prefect_dask import DaskTaskRunner

from flows import stages, staging
from flows.executors import (
    ClusterUnavailable,
    Executor,
    default_cluster_workers,
    host_groups,
    pack_groups,
)
from flows.progress import say
from models.records import FetchRecord, Source

# Crawl tasks per worker: a few, so one slow group does not hold a worker's whole share, each
# crawling its sources many at once (a polite crawl is mostly waiting for hosts' turns).
CRAWL_TASKS_PER_WORKER = 2


class WorkerSetup(WorkerPlugin):
    """A Dask worker plugin: one parser process per worker, and the extractors loaded once.

    A Dask worker runs one task per thread; a parser pool of one process per CPU in each
    worker would put N workers × CPUs parser processes on the machine. With one, ``--workers``
    says how many cores a run uses. Nanny-started workers are daemon processes, which Python
    forbids to start children; the pool's process needs one, so the flag is cleared here
    (the worker's children still end with it: they are daemons and their pipes close).
    """

    name = "inclusio-worker-setup"
    idempotent = True

    def __init__(self, warm: bool = True) -> None:
        self.warm = warm

    def setup(self, worker: Any = None) -> None:
        import multiprocessing

        os.environ["INCLUSIO_PARSE_WORKERS"] = "1"
        proc = multiprocessing.current_process()
        if proc.daemon:
            proc.daemon = False
        if self.warm:
            warm_worker()


def warm_worker() -> None:
    """Import the stages and load spaCy, so a worker's first batch costs what the others do."""
    from extractors.nlp import load_nlp
    from flows import pipeline  # noqa: F401 - the tasks' module

    load_nlp()


# A batch on the cluster is at least this many documents (smaller ones cost more in task
# overhead than they spread), at most the local batch sizes; in between, about four batches
# per worker, so a slow or lost worker's share stays small.
MIN_PARSE_BATCH = 10
MIN_EXTRACT_BATCH = 5
BATCHES_PER_WORKER = 4
CONNECT_TIMEOUT = 20  # seconds to reach a scheduler given by address


def local_cluster_kwargs(executor: Executor) -> dict[str, Any]:
    """A LocalCluster of ``executor.workers`` processes with one thread each."""
    import dask

    # LocalCluster workers are daemon processes unless told otherwise, and a daemon may not
    # start the parser pool's process.
    dask.config.set({"distributed.worker.daemon": False})
    return {"n_workers": executor.workers or default_cluster_workers(), "threads_per_worker": 1,
            "processes": True, "dashboard_address": None}


def task_runner(address: str) -> DaskTaskRunner:
    """The flow's task runner on the cluster at ``address`` (see :func:`open_cluster`)."""
    return DaskTaskRunner(address=address)


@contextmanager
def open_cluster(executor: Executor) -> Iterator[str]:
    """The scheduler address of ``executor``'s cluster, up for the block: the one given, or a
    LocalCluster of ``executor.workers`` processes with one thread each, made and closed here.
    Every worker gets ``WorkerSetup``, those that join later too (it loads spaCy while the
    crawl runs)."""
    from distributed import Client, LocalCluster

    with ExitStack() as stack:
        if executor.address:
            address = executor.address
        else:
            cluster = stack.enter_context(LocalCluster(**local_cluster_kwargs(executor)))
            address = cluster.scheduler_address
        try:
            _reachable(address)
            client = stack.enter_context(Client(address, set_as_default=False,
                                                timeout=CONNECT_TIMEOUT))
        except OSError as exc:  # refused, unknown host, timed out
            raise ClusterUnavailable(
                f"cannot reach the Dask scheduler at {address} ({type(exc).__name__}: "
                f"{str(exc).strip()[:200]}); start one with `dask scheduler` and workers with "
                f"`dask worker {address} --nthreads 1`, or leave out --dask-address to use a "
                "local cluster") from exc
        client.register_plugin(WorkerSetup())
        yield address


def _reachable(address: str) -> None:
    """Fail at once (OSError) when nothing listens at a tcp:// address; Dask's client would
    try again and again until its timeout."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    if parts.scheme == "tcp" and parts.hostname and parts.port:
        socket.create_connection((parts.hostname, parts.port), timeout=CONNECT_TIMEOUT).close()


def crawl_group(root: stages.Root, sources: list[Source], run_id: str,
                state: Any = None) -> list[FetchRecord]:
    """Crawl a group of sources that share hosts, on one worker, as a local run crawls them
    (each source in its own thread, one politeness budget per host in the process; no child
    crawl processes: the cluster's workers already spread the groups).

    With the stores under a URL the worker may be on a machine without the home folder: the
    run's process sends the crawl ``state`` and logs the returned records itself."""
    from flows.runner import crawl_all

    ws = stages.Workspace.at(root)
    return crawl_all(ws, sources, run_id, display=_Unseen(),  # type: ignore[arg-type]
                     state=state, keep_log=not ws.remote, processes=1)


class _Unseen:
    """A worker's crawl shows nothing: the run's own display shows each group when done."""

    def started(self, source: Source) -> None:
        pass

    def record(self, rec: FetchRecord) -> None:
        pass

    def finished(self, source_id: str) -> None:
        pass


def crawl_on_cluster(address: str, ws: stages.Workspace, sources: list[Source], run_id: str,
                     display: Any, on_record: Any = None) -> list[FetchRecord]:
    """Groups of sources sharing a host (``host_groups``) packed into a few tasks per worker
    (``pack_groups``) and crawled on the cluster; returns the records in the sources' order,
    as ``flows.runner.crawl_all`` does.
    ``display`` shows each group's sources and pages when the group is done."""
    from distributed import Client

    groups = host_groups(sources)
    with Client(address, set_as_default=False) as client:
        workers = max(1, len(client.nthreads()))
        tasks = pack_groups(groups, workers * CRAWL_TASKS_PER_WORKER)
        say(f"crawl on Dask: {len(sources)} sources in {len(groups)} groups by host, "
            f"{len(tasks)} tasks on {workers} workers")
        state = stages.crawl_state(ws) if ws.remote else None
        futures = [(client.submit(crawl_group, ws, g, run_id, state, pure=False), g)
                   for g in tasks]
        return _gather_groups(futures, sources, display, on_record, ws)


def _gather_groups(futures: list[tuple[Any, list[Source]]], sources: list[Source],
                   display: Any, on_record: Any = None,
                   ws: stages.Workspace | None = None) -> list[FetchRecord]:
    """Each group task's records shown in the groups' order, and returned in the sources'
    order, as ``flows.runner.crawl_all`` returns them. With the stores under a URL the
    workers kept no fetch log: each group's records are written to the run's own here."""
    with (stages.FetchLogWriter(ws) if ws is not None and ws.remote
          else stages.NoFetchLog()) as log:
        return _gather(futures, sources, display, on_record, log)


def _gather(futures: list[tuple[Any, list[Source]]], sources: list[Source], display: Any,
            on_record: Any, log: stages.FetchLogWriter) -> list[FetchRecord]:
    by_source: dict[str, list[FetchRecord]] = {}
    for fut, group in futures:
        records = fut.result()
        for rec in records:
            log.write(rec)
        for s in group:
            display.started(s)
        for rec in records:
            by_source.setdefault(rec.source_id, []).append(rec)
            display.record(rec)
            if on_record is not None:
                on_record(rec)
        for s in group:
            display.finished(s.source_id)
    return [r for s in sources for r in by_source.get(s.source_id, [])]


@task(name="discover-and-fetch-hosts", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=5)
def fetch_group_task(root: stages.Root, sources: list[Source], run_id: str,
                     state: Any = None) -> list[FetchRecord]:
    """The pipeline flow's fetch on Dask: a packed group of host groups, on one worker."""
    return crawl_group(root, sources, run_id, state)


def flow_crawl(root: stages.Root, sources: list[Source], run_id: str,
               display: Any) -> list[FetchRecord] | None:
    """The pipeline flow's crawl when it runs on a Dask task runner: sources grouped by host
    and packed as ``crawl_on_cluster`` does, so no host is asked from two workers at once
    (one fetch task per source would let two workers each keep a host's delay on its own).
    None when the flow runs on another runner (its fetch tasks share this process's gate)."""
    ctx = FlowRunContext.get()
    runner = getattr(ctx, "task_runner", None) if ctx else None
    if not isinstance(runner, DaskTaskRunner):
        return None
    workers = max(1, len(runner.client.nthreads()))
    groups = host_groups(sources)
    tasks = pack_groups(groups, workers * CRAWL_TASKS_PER_WORKER)
    say(f"crawl on Dask: {len(sources)} sources in {len(groups)} groups by host, "
        f"{len(tasks)} tasks on {workers} workers")
    ws = stages.Workspace.at(root)
    state = stages.crawl_state(ws) if ws.remote else None
    return _gather_groups([(fetch_group_task.submit(ws, g, run_id, state), g) for g in tasks],
                          sources, display, ws=ws)


def flow_stages(run_id: str) -> dict[str, Any]:
    """``flows.runner.process`` arguments for the current flow run: on Dask, the batches
    submitted together and the staged load; otherwise none (the local loop)."""
    ctx = FlowRunContext.get()
    runner = getattr(ctx, "task_runner", None) if ctx else None
    if not isinstance(runner, DaskTaskRunner):
        return {}
    workers = max(1, len(runner.client.nthreads()))

    def run_stages(root: stages.Root, items: list[dict[str, Any]], force: bool
                   ) -> tuple[list[dict], list[dict]]:
        return submit_stages(root, run_id, items, force, workers)

    return {"stages_fn": run_stages, "load": load_staged_task}


def batch_size(n: int, workers: int, smallest: int, largest: int) -> int:
    """About ``BATCHES_PER_WORKER`` batches per worker, within [smallest, largest]."""
    return max(smallest, min(largest, math.ceil(n / (workers * BATCHES_PER_WORKER))))


def submit_stages(root: stages.Root, run_id: str, items: list[dict[str, Any]], force: bool,
                  workers: int) -> tuple[list[dict], list[dict]]:
    """Every parse batch submitted at once; a batch's extract batches as soon as it is parsed.

    Returns (parse results, extract results), in the order of ``items``, as the local loop
    gives them.
    """
    from flows.pipeline import parse_task

    psize = batch_size(len(items), workers, MIN_PARSE_BATCH, stages.PARSE_BATCH)
    esize = batch_size(len(items), workers, MIN_EXTRACT_BATCH, stages.EXTRACT_BATCH)
    batches = stages.batched(items, psize)
    say(f"parse and extract on Dask ({workers} workers): {len(batches)} parse batches of up "
        f"to {psize} documents, extract batches of up to {esize}")
    pending = {parse_task.submit(root, b, force=force): n for n, b in enumerate(batches)}
    parsed: list[list[dict]] = [[] for _ in batches]
    extracting: list[tuple[int, Any]] = []
    for fut in as_completed(list(pending)):
        n = pending[fut]
        parsed[n] = fut.result()
        ok = [p["sha256"] for p in parsed[n] if not p.get("error")]
        for k, shas in enumerate(stages.batched(ok, esize)):
            key = n * 10_000 + k  # the staged folder's number: the same on a retry
            extracting.append((key, extract_stage_task.submit(root, shas, run_id, key,
                                                              force=force)))
    extracted = [r for _, f in sorted(extracting, key=lambda kf: kf[0]) for r in f.result()]
    return [p for b in parsed for p in b], extracted


@task(name="extract-batch", cache_policy=NO_CACHE)
def extract_stage_task(root: stages.Root, shas: list[str], run_id: str, batch_no: int,
                       force: bool = False) -> list[dict]:
    """Extract a batch (as the local ``extract-batch``), then stage what it made as Parquet."""
    from flows.pipeline import extract_task

    results = extract_task.fn(root, shas, force=force)
    done = [r["sha256"] for r in results if not r.get("error") and not r.get("skipped")]
    try:
        staging.write_batch(stages.Workspace.at(root), run_id, batch_no, done)
    except Exception as exc:  # noqa: BLE001 - the writer loads these from the docstore instead
        say(f"extract: batch {batch_no} not staged ({type(exc).__name__}: {exc}); the load "
            "reads its documents from the docstore", logging.WARNING, console=False)
    return results


@task(name="load-warehouse", cache_policy=NO_CACHE)
def load_staged_task(root: stages.Root, run_id: str, sources: list, records: list,
                     shas: list[str] | None, problems: list[dict[str, Any]],
                     wait: float) -> dict[str, int]:
    """The one writer: the staged batches by Arrow, then the rest as the local load does."""
    ws = stages.Workspace.at(root)
    staged = staging.load_run(ws, run_id, wait=wait)
    rest = [s for s in shas if s not in staged] if shas is not None else None
    stats = stages.load_into_warehouse(ws, run_id=run_id, sources=sources, records=records,
                                       shas=rest, problems=problems, wait=wait)
    stats["documents_loaded"] += len(staged)
    staging.clear_run(ws, run_id)
    say("load: " + ", ".join(f"{k} {v}" for k, v in stats.items())
        + f" ({len(staged)} documents from staged batches)", console=False)
    return stats
