"""Run the pipeline, starting Prefect, spaCy and the parser pool only when there is work.

Prefect with no server configured starts a temporary API server for each run (12-17 s on a
busy two-core machine, more than a whole unchanged run needs). So ``inclusio run`` goes this
way when ``PREFECT_API_URL`` is not set:

1. the crawl runs as plain code (sources in parallel threads, as the flow's tasks run), with
   the same progress display as the flow's fetch tasks (flows/progress.py);
2. the first new body seen starts Prefect's temporary server in a background thread, so it
   comes up while the crawl goes on;
3. if the crawl brought anything to parse or extract, the rest of the run is the Prefect flow
   ``inclusio-process`` (parse, extract and load tasks, as in ``inclusio-pipeline``), which
   ends in its true state with the run's summary as an artifact; otherwise parse and extract
   have nothing to do and the load (fetch rows, links, index) runs plainly, and Prefect is
   never imported.

Either way the run is judged the same (flows/runlog.py): the same exit code, the same row of
the ``runs`` table. With ``PREFECT_API_URL`` set (``inclusio server``, scheduled runs) the whole
run is the ``inclusio-pipeline`` flow, fetch tasks included, so every run is in Prefect.

:func:`process` is the one body of parse → extract → load; the stages come in as callables
(the Prefect tasks of flows/pipeline.py, or the plain stages), which is where another engine
plugs in. This module imports no Prefect at load time.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from crawl.rawstore import RawStore
from flows import runlog, stages
from flows.crawl_shard import Shard, crawl_each
from flows.executors import Executor, api_for_workers, host_groups, pack_groups
from flows.progress import CrawlDisplay, announce_prefect, crawl_display, say
from models.records import FetchRecord, Source

# Sources crawled at once, over all crawl processes (each source in a thread, with one more
# per request in flight when a source has several hosts or concurrency): a polite crawl mostly
# waits for each host's next turn, so thousands go together on two cores.
PARALLEL_SOURCES = 2000  # also named in the --parallel-sources help of run and crawl

# What the summary says about Prefect when a run needed no flow (``summary["prefect"]``).
NO_FLOW_NOTE = ("no Prefect flow was needed (nothing to parse or extract); run with a Prefect "
                "server (inclusio server + PREFECT_API_URL) to see every run in Prefect")

ParseFn = Callable[..., list[dict]]
ExtractFn = Callable[..., list[dict]]
LoadFn = Callable[..., dict[str, int]]
# All of a run's parse and extract at once: (root, items, force) -> (parsed, extracted).
StagesFn = Callable[[stages.Root, list[dict[str, Any]], bool], tuple[list[dict], list[dict]]]


class PrefectUnavailable(RuntimeError):
    """Prefect's API could not be reached or its temporary server did not start."""


def progress(message: str) -> None:
    """A progress line on stderr (stdout stays for results), and in the Prefect run's logs
    when called inside one."""
    say(message)


def api_configured() -> bool:
    return bool(os.environ.get("PREFECT_API_URL", "").strip())


def api_failure(exc: BaseException) -> str | None:
    """A one-line reason when ``exc`` (or its cause) says Prefect's API was not reachable."""
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        name = type(cur).__name__
        text = str(cur).strip().splitlines()[0] if str(cur).strip() else name
        if isinstance(cur, PrefectUnavailable):
            return text
        if "ephemeral Prefect API server" in text or name in (
                "ConnectError", "ConnectTimeout", "PrefectHTTPStatusError") and (
                "api" in text.lower() or name.startswith("Connect")):
            url = os.environ.get("PREFECT_API_URL") or "the temporary Prefect server"
            return (f"cannot reach the Prefect API ({url}): {text}. Start one with `inclusio "
                    "server` and set PREFECT_API_URL, or unset PREFECT_API_URL to let each "
                    "run start its own (PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS "
                    "gives it longer to start)")
        cur = cur.__cause__ or cur.__context__
    return None


class PrefectWarmup:
    """Starts Prefect's temporary API server in a thread, once, while the crawl goes on."""

    def __init__(self) -> None:
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        with self._lock:
            if self._thread is None and not api_configured():
                announce_prefect()  # seconds of work in the background: said aloud
                self._thread = threading.Thread(target=self._run, name="prefect-warmup",
                                                daemon=True)
                self._thread.start()

    def _run(self) -> None:
        try:
            from prefect.server.api.server import SubprocessASGIServer

            SubprocessASGIServer().start()  # the instance get_client() uses next
        except BaseException as exc:  # re-raised, in words, by wait()
            self._error = exc

    def on_record(self, rec: FetchRecord) -> None:
        if rec.outcome == "stored":
            self.start()

    def wait(self) -> None:
        self.start()
        if self._thread is not None:
            self._thread.join()
        if self._error is not None:
            raise PrefectUnavailable(
                "Prefect's temporary API server did not start "
                f"({type(self._error).__name__}: {str(self._error).strip()[:300]}); run "
                "`inclusio server` in another terminal and set PREFECT_API_URL="
                "http://127.0.0.1:4200/api, or raise PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT"
                "_SECONDS"
            ) from self._error


def crawl_all(ws: stages.Workspace, sources: Sequence[Source], run_id: str,
              on_record: Callable[[FetchRecord], None] | None = None,
              display: CrawlDisplay | None = None,
              parallel: int | None = None, state: Any = None,
              keep_log: bool = True, processes: int | None = None) -> list[FetchRecord]:
    """Every source crawled in its own thread, ``parallel`` sources at once (default
    PARALLEL_SOURCES); records come back in the sources' order, as the flow's fetch tasks
    return them. ``display`` shows the progress (a plain-lines display when none is given).

    Politeness is per host, not per source (crawl/fetcher.py): most of a polite crawl is
    waiting for a host's next turn, so many sources go at once. The fetch log is read once
    for all sources and kept open for the crawl, by this process alone. A Dask worker
    crawling into a shared store by URL gets the ``state`` from the run's process and keeps
    no log (``keep_log`` False): the fetch log is the writer's, which logs the records the
    task returns.

    A crawl of thousands of sources is bound by CPU, and one process uses one core: with
    ``processes`` above 1 (default: one per CPU, one per SHARD_MIN_SOURCES sources at most)
    the sources are split into that many shards of whole host groups, and every shard but
    the first is crawled by a child process (flows/crawl_shard.py) whose records come back
    here as they happen."""
    shown = display or CrawlDisplay(sources, fancy=False)
    if not sources:
        return []
    if state is None:
        state = stages.crawl_state(ws)
    total = max(1, min(len(sources), parallel or PARALLEL_SOURCES))
    n = _processes(processes, len(sources))
    shards = (pack_groups(host_groups(sources), n, first_share=OWN_SHARD_SHARE) if n > 1
              else [list(sources)])
    room = _fd_room()

    def workers(shard: list[Source]) -> int:
        return max(1, min(len(shard), -(-total * len(shard) // len(sources)), room))

    with (stages.FetchLogWriter(ws) if keep_log else stages.NoFetchLog()) as fetch_log:
        def log(rec: FetchRecord) -> None:
            fetch_log.write(rec)
            shown.record(rec)
            if on_record is not None:
                on_record(rec)

        children = [Shard(str(ws.raw.root), shard, run_id, state, workers(shard))
                    for shard in shards[1:]]
        relays: list[tuple[Shard, threading.Thread, dict[str, list[FetchRecord]]]] = []

        def follow(child: Shard, got: dict[str, list[FetchRecord]]) -> None:
            try:
                got.update(child.follow(log, shown.started, shown.finished))
            except BaseException as exc:  # e.g. the fetch log could not be written
                child.error = child.error or f"relaying its records: {type(exc).__name__}: {exc}"

        for child in children:
            got: dict[str, list[FetchRecord]] = {}
            relay = threading.Thread(target=follow, args=(child, got),
                                     name="crawl-shard-relay", daemon=True)
            relay.start()
            relays.append((child, relay, got))

        def crawl_one(source: Source) -> list[FetchRecord]:
            return stages.fetch_source(ws, source, run_id, progress=lambda r: (
                shown.record(r), on_record(r) if on_record is not None else None),
                state=state, fetch_log=fetch_log)

        try:
            own = crawl_each(shards[0], crawl_one, shown.started, shown.finished,
                             workers(shards[0]), threads=not isinstance(ws.raw, RawStore))
        finally:
            for _, relay, _ in relays:
                relay.join()
    by_id = {s.source_id: recs for s, recs in zip(shards[0], own, strict=True)}
    for child, _, got in relays:
        if child.error is not None:
            raise RuntimeError(f"crawl of {len(child.sources)} sources in a child process "
                               f"failed: {child.error}")
        by_id.update(got)
    return [r for s in sources for r in by_id.get(s.source_id, [])]


# The command's own process also writes the fetch log and the progress lines of every child's
# records and relays them: at 2,000 sources in two equal shards it used a quarter more CPU
# than its child (bench/bench_national_crawl.py), so its own shard is smaller by that much.
OWN_SHARD_SHARE = 0.75

# A shard smaller than this is not worth a process: 200 sources crawled in one process already
# take little more than one host's time (bench/bench_national_crawl.py --quick).
SHARD_MIN_SOURCES = 500


def _processes(asked: int | None, n_sources: int) -> int:
    """Crawl processes for ``n_sources``: as asked, else one per CPU while each has at least
    SHARD_MIN_SOURCES sources; one inside a daemon process (a Dask worker), which may not
    start children."""
    import multiprocessing

    if multiprocessing.current_process().daemon:
        return 1
    if asked is not None:
        return max(1, min(asked, n_sources))
    return max(1, min(os.cpu_count() or 1, n_sources // SHARD_MIN_SOURCES))


FDS_PER_SOURCE = 4  # its connections (concurrency per host) and the body being stored


def _fd_room() -> int:
    """How many sources the process's open-file limit leaves room for, raising the soft limit
    to the hard one first (1,024 is a common soft limit: a thousand sources, each with a
    connection open, would otherwise fail with "Too many open files")."""
    try:
        import resource
    except ImportError:  # not on Unix: no such limit to respect here
        return PARALLEL_SOURCES
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError):
            pass
    if soft == resource.RLIM_INFINITY:
        return PARALLEL_SOURCES
    return max(1, (soft - 128) // FDS_PER_SOURCE)


def pending_work(ws: stages.Workspace, items: Sequence[dict[str, Any]], force: bool) -> bool:
    """Whether any body still has to be parsed or extracted (new, changed, or left by a run
    that was stopped); reads only the stage files' headers of what is already done."""
    if force and items:
        return True
    from extractors.registry import versions

    current = versions()
    docs = ws.docs
    for it in items:
        sha = it["sha256"]
        parsed = stages._stored(docs.get_parsed, sha)
        if parsed is None:
            return True
        if parsed.get("error"):
            continue
        prev = stages._stored(docs.get_extracted, sha)
        if not prev or not stages.extraction_current(prev, current):
            return True
    return False


def plain_parse(root: stages.Root, batch: list[dict[str, Any]], force: bool = False) -> list[dict]:
    """The parse stage without an engine around it (the default of :func:`process`)."""
    return stages.parse_batch(stages.Workspace.at(root), batch, force=force)


def plain_extract(root: stages.Root, shas: list[str], force: bool = False) -> list[dict]:
    """The extract stage without an engine around it (the default of :func:`process`)."""
    return stages.extract_batch(stages.Workspace.at(root), shas, force=force)


def plain_load(root: stages.Root, run_id: str, sources: list[Source], records: list[FetchRecord],
               shas: list[str] | None, problems: list[dict[str, Any]],
               wait: float) -> dict[str, int]:
    """The load stage without an engine around it (the default of :func:`process`)."""
    return stages.load_into_warehouse(stages.Workspace.at(root), run_id=run_id,
                                      sources=sources, records=records, shas=shas,
                                      problems=problems, wait=wait)


def _batch_after_batch(root_s: stages.Root, items: list[dict[str, Any]], force: bool,
                       parse: ParseFn, extract: ExtractFn) -> tuple[list[dict], list[dict]]:
    """Parse every batch, then extract every batch, one after another."""
    parsed: list[dict] = []
    batches = stages.batched(items, stages.PARSE_BATCH)
    for n, batch in enumerate(batches, start=1):
        say(f"parse: batch {n}/{len(batches)} ({len(batch)} documents)")
        parsed += parse(root_s, batch, force=force)
    ok = [p["sha256"] for p in parsed if not p.get("error")]
    extracted: list[dict] = []
    batches = stages.batched(ok, stages.EXTRACT_BATCH)
    for n, batch in enumerate(batches, start=1):
        say(f"extract: batch {n}/{len(batches)} ({len(batch)} documents)")
        extracted += extract(root_s, batch, force=force)
    return parsed, extracted


def process(
    ws: stages.Workspace,
    run_id: str,
    sources: list[Source],
    records: list[FetchRecord],
    started: datetime,
    *,
    wait: float = 0.0,
    force: bool = False,
    parse: ParseFn | None = None,
    extract: ExtractFn | None = None,
    load: LoadFn | None = None,
    stages_fn: StagesFn | None = None,
    flow_run_id: str | None = None,
    flow_run_name: str | None = None,
    prefect_note: str | None = None,
) -> dict[str, Any]:
    """Parse, extract and load what a crawl brought, in batches; judge the run and write its
    ``runs`` row (flows/runlog.py); return its summary (this run's counts, state, exit code).

    ``parse``, ``extract`` and ``load`` take the stage's arguments with the project folder
    as a string first: the Prefect tasks of flows/pipeline.py, or (default) the plain stages.
    ``stages_fn`` replaces the batch-after-batch loop of parse and extract (the Dask
    executor submits every batch at once: flows/dask_stages.py).
    ``flow_run_id`` and ``flow_run_name`` name the Prefect flow run the work ran in, if any;
    ``prefect_note`` says why there is none (kept in the summary and its ``runs`` row).
    """
    parse = parse or plain_parse
    extract = extract or plain_extract
    load = load or plain_load
    root_s: stages.Root = ws  # workers get the store with the folder
    items = stages.bodies(records)
    if stages_fn is not None:
        parsed, extracted = stages_fn(root_s, items, force)
    else:
        parsed, extracted = _batch_after_batch(root_s, items, force, parse, extract)
    # What the run says of its documents is counted now, and the per-document results go:
    # the load that follows then runs without a few hundred bytes per document held.
    ok = [p["sha256"] for p in parsed if not p.get("error")]
    failed_parse = sum(1 for p in parsed if p.get("error"))
    problems = stages.fetch_problems(records)
    problems += [
        {"run_id": run_id, "stage": "extract", "sha256": e["sha256"], "reason": e["error"]}
        for e in extracted
        if e.get("error")
    ]
    n_extracted = sum(1 for e in extracted if not e.get("skipped") and not e.get("error"))
    failed_extract = sum(1 for e in extracted if e.get("error"))
    shas = [i["sha256"] for i in items]
    del parsed, extracted, items
    for p in problems:
        p.setdefault("run_id", run_id)
    say("load: warehouse " + str(ws.warehouse))
    loaded = load(root_s, run_id, sources, records, shas, problems, wait)
    failed_fetch = sum(1 for r in records if r.outcome in ("failed", "refused"))
    run = {
        "run_id": run_id,
        "flow_run_id": flow_run_id,
        "flow_run_name": flow_run_name,
        "sources": len(sources),
        "sources_failed": runlog.failed_sources(sources, records),
        "stopped": sum(1 for r in records if r.outcome == "stopped"),
        # Milliseconds: runs listed newest first stay in order when two end within a second.
        "started_at": started.isoformat(timespec="milliseconds"),
        "finished_at": datetime.now().isoformat(timespec="milliseconds"),
        "fetch_attempts": len(records),
        "fetched_new": sum(1 for r in records if r.outcome == "stored"),
        "fetched_unchanged": sum(1 for r in records if r.outcome == "unchanged"),
        "documents": len(shas),
        "parsed": len(ok),
        "failed": failed_fetch + failed_parse,
        "failed_fetch": failed_fetch,
        "failed_parse": failed_parse,
        "extracted": n_extracted,
        "failed_extract": failed_extract,
        **loaded,
    }
    if prefect_note:
        run["prefect"] = prefect_note
    return runlog.record(ws.warehouse, run, ok, wait=wait)


def run(
    sources_file: str | Path,
    root: str | None = None,
    wait: float = 0.0,
    force: bool = False,
    max_duration: float | None = None,
    executor: Executor | None = None,
    parallel: int | None = None,
) -> dict[str, Any]:
    """Crawl every source in ``sources_file`` and bring the warehouse up to date (see the
    module's docstring for when Prefect runs); return the run's summary, FAILED runs included
    (``summary["exit_code"]`` says why). ``executor`` says where parse and extract batches
    run (flows/executors.py; default: in this process). ``parallel``: sources crawled at once
    by the plain crawl (default PARALLEL_SOURCES; the flow's fetch tasks run as Prefect's
    runner lets them)."""
    from inclusio.settings import configure_prefect

    executor = executor or Executor()
    ws = stages.Workspace.at(root)
    configure_prefect(ws.root)
    if api_configured():
        announce_prefect()
        from flows.pipeline import pipeline_flow

        try:
            if not executor.dask:
                return pipeline_flow(str(sources_file), root=str(ws.root), wait=wait,
                                     force=force, max_duration=max_duration, store=ws.store)
            from flows.dask_stages import open_cluster, task_runner

            say(f"executor: {executor.describe()}")
            with open_cluster(executor) as address:  # fetch tasks too, grouped by host
                return pipeline_flow.with_options(task_runner=task_runner(address))(
                    str(sources_file), root=str(ws.root), wait=wait, force=force,
                    max_duration=max_duration, store=ws.store)
        except runlog.RunFailed as failed:
            return failed.summary
    from crawl.sources import load_sources, with_max_duration

    run_id = stages.new_run_id()
    started = datetime.now()
    sources = load_sources(Path(sources_file))
    if max_duration is not None:
        sources = with_max_duration(sources, max_duration)
    warm = PrefectWarmup()
    if not executor.dask:
        with crawl_display(sources) as display:
            records = crawl_all(ws, sources, run_id, on_record=warm.on_record,
                                display=display, parallel=parallel)
        return _after_crawl(ws, run_id, sources, records, started, warm, wait=wait,
                            force=force)
    from flows.dask_stages import crawl_on_cluster, open_cluster

    say(f"executor: {executor.describe()}")
    with open_cluster(executor) as address:
        with crawl_display(sources) as display:
            records = crawl_on_cluster(address, ws, sources, run_id, display,
                                       on_record=warm.on_record)
        return _after_crawl(ws, run_id, sources, records, started, warm, wait=wait,
                            force=force, address=address)


def _after_crawl(ws: stages.Workspace, run_id: str, sources: list[Source],
                 records: list[FetchRecord], started: datetime, warm: PrefectWarmup, *,
                 wait: float, force: bool, address: str | None = None) -> dict[str, Any]:
    """Parse, extract and load as the ``inclusio-process`` flow when the crawl brought work
    (on the Dask cluster at ``address`` if given), or plainly when it did not."""
    if pending_work(ws, stages.bodies(records), force):
        warm.wait()
        from flows.pipeline import process_flow, run_process_flow

        flow = process_flow
        if address is not None:
            from flows.dask_stages import task_runner

            flow = process_flow.with_options(task_runner=task_runner(address))
        try:
            with api_for_workers(address is not None):
                return run_process_flow(ws, run_id, sources, records, started,
                                        wait=wait, force=force, flow=flow)
        except runlog.RunFailed as failed:
            return failed.summary
    return process(ws, run_id, sources, records, started, wait=wait, force=force,
                   prefect_note=NO_FLOW_NOTE)


def parse_stored(root: str | None = None, force: bool = True) -> dict[str, int]:
    """Parse again every body in the fetch log (after a parser improves)."""
    ws = stages.Workspace.at(root)
    items = stages.bodies(stages.read_fetch_log(ws))
    results = [r for b in stages.batched(items, stages.PARSE_BATCH)
               for r in stages.parse_batch(ws, b, force=force)]
    return {
        "parsed": sum(1 for r in results if not r["error"]),
        "failed": sum(1 for r in results if r["error"]),
    }


def extract_stored(root: str | None = None, force: bool = True) -> dict[str, int]:
    """Run the extractors again over every parsed document, then reload the warehouse."""
    ws = stages.Workspace.at(root)
    shas = ws.docs.parsed_shas()
    results = [r for b in stages.batched(shas, stages.EXTRACT_BATCH)
               for r in stages.extract_batch(ws, b, force=force)]
    stages.load_into_warehouse(ws, run_id=stages.new_run_id(), shas=shas)
    return {
        "extracted": sum(1 for r in results if not r.get("error")),
        "failed": sum(1 for r in results if r.get("error")),
    }
