"""The pipeline as a Prefect 3 flow: discover → fetch → parse → extract → load.

Tasks are thin wrappers over flows/stages.py; they pass paths and sha256 ids, batch documents
(one task per batch, not per document) and retry only the network stage. Every task says what
it did through flows/progress.py (terminal and the run's Prefect logs); the end of the flow
judges the run (flows/runlog.py): FAILED when nothing asked for went through, with its summary
as a markdown artifact and a row of the ``runs`` table either way.

Two flows: ``inclusio-pipeline`` is the whole run (with ``PREFECT_API_URL`` set: ``inclusio
server``, schedules); ``inclusio-process`` is parse → extract → load after a crawl that
flows/runner.py did without Prefect. Both run the same body, ``flows.runner.process``, with
this module's tasks as its stages, and end the same way (``_finish``).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import InitVar, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from inclusio.settings import configure_prefect

configure_prefect()

from prefect import flow, task  # noqa: E402
from prefect.artifacts import create_markdown_artifact  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.runtime import flow_run  # noqa: E402
from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings  # noqa: E402
from prefect.states import Failed, State  # noqa: E402

from crawl.sources import load_sources, with_max_duration  # noqa: E402
from flows import runlog, runner, stages  # noqa: E402
from flows.progress import announce_flow_run, crawl_display, current_display, say  # noqa: E402
from flows.runner import extract_stored, parse_stored  # noqa: E402, F401 - their old home
from models.records import FetchRecord, Source  # noqa: E402

FAILED_FETCHES_LOGGED = 200  # failed fetches of a crawl done outside Prefect, replayed in its logs


@task(name="discover-and-fetch", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=5)
def fetch_task(root: stages.Root, source: Source, run_id: str) -> list[FetchRecord]:
    ws = stages.Workspace.at(root)
    display = current_display()
    display.started(source)
    records = stages.fetch_source(ws, source, run_id, progress=display.record)
    display.finished(source.source_id)
    return records


@task(name="parse-batch", cache_policy=NO_CACHE)
def parse_task(root: stages.Root, items: list[dict[str, Any]], force: bool = False) -> list[dict]:
    results = stages.parse_batch(stages.Workspace.at(root), items, force=force)
    urls = {i["sha256"]: i.get("url") for i in items}
    for r in results:
        if r.get("error") and not r.get("skipped"):
            say(f"parse failed: {urls.get(r['sha256'])}: {r['error']}", logging.WARNING,
                console=False)
    _count("parse", results)
    return results


@task(name="extract-batch", cache_policy=NO_CACHE)
def extract_task(root: stages.Root, shas: list[str], force: bool = False) -> list[dict]:
    results = stages.extract_batch(stages.Workspace.at(root), shas, force=force)
    for r in results:
        if r.get("error"):
            say(f"extract failed: {r['sha256']}: {r['error']}", logging.WARNING, console=False)
    _count("extract", results)
    return results


def _count(stage: str, results: list[dict]) -> None:
    """One log line per batch: done, already done (same versions), failed."""
    failed = sum(1 for r in results if r.get("error"))
    skipped = sum(1 for r in results if r.get("skipped") and not r.get("error"))
    say(f"{stage}: {len(results) - failed - skipped} done, {skipped} already done, "
        f"{failed} failed", console=False)


@task(name="load-warehouse", cache_policy=NO_CACHE)
def load_task(
    root: stages.Root,
    run_id: str,
    sources: list[Source],
    records: list[FetchRecord],
    shas: list[str] | None,
    problems: list[dict[str, Any]],
    wait: float,
) -> dict[str, int]:
    stats = stages.load_into_warehouse(
        stages.Workspace.at(root),
        run_id=run_id,
        sources=sources,
        records=records,
        shas=shas,
        problems=problems,
        wait=wait,
    )
    say("load: " + ", ".join(f"{k} {v}" for k, v in stats.items()), console=False)
    return stats


@flow(name="inclusio-pipeline", log_prints=True)
def pipeline_flow(
    sources_file: str,
    root: str | None = None,
    wait: float = 0.0,
    force: bool = False,
    max_duration: float | None = None,
    store: str | None = None,
) -> dict[str, Any]:
    """Crawl every source in ``sources_file`` and bring the warehouse up to date.

    Returns the run's summary; a run that did nothing it was asked for ends FAILED, and calling
    the flow then raises ``runlog.RunFailed`` carrying the summary and the exit code.
    """
    announce_flow_run()
    ws = stages.Workspace.at(root, store=store)
    root_s: stages.Root = ws
    run_id = stages.new_run_id()
    started = datetime.now()
    try:
        sources = load_sources(Path(sources_file))
        if max_duration is not None:
            sources = with_max_duration(sources, max_duration)
        with crawl_display(sources) as display:
            records = _crawl(root_s, sources, run_id, display)
        summary = process_records(ws, run_id, sources, records, started, wait=wait,
                                  force=force)
    except Exception as exc:  # busy, damaged or full warehouse, a bug: Prefect fails the run
        _publish_stop(run_id, exc)
        raise
    return _finish(summary)


def _crawl(root: stages.Root, sources: list[Source], run_id: str,
           display: Any) -> list[FetchRecord]:
    """One fetch task per source in this process (one politeness gate per host here); on a
    Dask runner, sources grouped by host into a few tasks per worker (flows/dask_stages.py)."""
    if "prefect_dask" in sys.modules:  # a Dask runner is possible only once it is imported
        from flows.dask_stages import flow_crawl

        grouped = flow_crawl(root, sources, run_id, display)
        if grouped is not None:
            return grouped
    futures = [fetch_task.submit(root, s, run_id) for s in sources]
    return [r for f in futures for r in f.result()]


@dataclass
class CrawlRecords:
    """A crawl's fetch records handed to ``inclusio-process`` in this process.

    A flow's parameters go to the API as JSON and are validated on the way in: a thousand
    records cost about a second of a short run, and the cost grows with the crawl. Prefect
    stores a dataclass parameter as its fields, so the run's parameters show these counts
    while the records themselves stay in the process (``records``, not a field).
    """

    attempts: int
    stored: int
    unchanged: int
    failed: int
    all_records: InitVar[list[FetchRecord]]

    def __post_init__(self, all_records: list[FetchRecord]) -> None:
        self.records = all_records

    @classmethod
    def of(cls, records: list[FetchRecord]) -> CrawlRecords:
        return cls(attempts=len(records),
                   stored=sum(1 for r in records if r.outcome == "stored"),
                   unchanged=sum(1 for r in records if r.outcome == "unchanged"),
                   failed=sum(1 for r in records if r.outcome in ("failed", "refused")),
                   all_records=records)


@contextmanager
def temporary_server_run() -> Iterator[None]:
    """Settings for a flow run on the run's own temporary API server: no flow-run heartbeats.

    Heartbeats let a server's automations notice a crashed run; a temporary server lives only
    as long as the run and has none, and stopping the heartbeat thread made every run wait up
    to a second at its end.
    """
    with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield


def run_process_flow(root: stages.Root, run_id: str, sources: list[Source],
                     records: list[FetchRecord], started: datetime, *, wait: float = 0.0,
                     force: bool = False, flow: Any = None) -> dict[str, Any]:
    """``inclusio-process`` (or ``flow``, the same with other options, such as a Dask task
    runner) as ``inclusio run`` starts it after a crawl without Prefect."""
    ws = stages.Workspace.at(root)
    with temporary_server_run():
        return (flow or process_flow)(str(ws.root), run_id, sources, CrawlRecords.of(records),
                                      started, wait=wait, force=force, store=ws.store)


# Callers are this package's Python code: the parameters are already the right types, and
# validating them would copy every fetch record.
@flow(name="inclusio-process", log_prints=True, validate_parameters=False)
def process_flow(
    root: str,
    run_id: str,
    sources: list[Source],
    records: CrawlRecords | list[FetchRecord],
    started: datetime,
    wait: float = 0.0,
    force: bool = False,
    store: str | None = None,
) -> dict[str, Any]:
    """Parse, extract and load what a crawl done outside Prefect brought (flows/runner.py).

    Ends in the run's true state with its summary artifact, as ``inclusio-pipeline`` does.
    """
    announce_flow_run()
    if isinstance(records, CrawlRecords):
        records = records.records
    ws = stages.Workspace.at(root, store=store)
    failed = sum(1 for r in records if r.outcome in ("failed", "refused"))
    say(f"crawl (done before this flow, without Prefect): {len(sources)} sources, "
        f"{len(records)} fetch attempts, "
        f"{sum(1 for r in records if r.outcome == 'stored')} new or changed, "
        f"{sum(1 for r in records if r.outcome == 'unchanged')} unchanged, {failed} failed",
        console=False)
    bad = [r for r in records if r.outcome in ("failed", "refused")]
    for r in bad[:FAILED_FETCHES_LOGGED]:
        say(f"fetch {r.outcome}: {r.url}: {r.error}", logging.WARNING, console=False)
    if len(bad) > FAILED_FETCHES_LOGGED:
        say(f"... and {len(bad) - FAILED_FETCHES_LOGGED} more failed fetches (problems table)",
            logging.WARNING, console=False)
    try:
        summary = process_records(ws, run_id, sources, records, started, wait=wait,
                                  force=force)
    except Exception as exc:  # busy, damaged or full warehouse, a bug: Prefect fails the run
        _publish_stop(run_id, exc)
        raise
    return _finish(summary)


def _publish_stop(run_id: str, exc: Exception) -> None:
    """The artifact of a run stopped by an exception (its traceback is in the run's logs)."""
    try:
        create_markdown_artifact(
            key=runlog.ARTIFACT_KEY, description=f"inclusio run {run_id}: stopped",
            markdown=f"# inclusio run {run_id}: FAILED\n\nStopped by "
            f"`{type(exc).__name__}`: {runlog.md_cell(exc)}\n")
    except Exception:  # noqa: BLE001 - the run's own exception is the one to report
        pass


def _finish(summary: dict[str, Any]) -> dict[str, Any] | State:
    """Publish the summary (artifact, one log line) and give the flow its true state."""
    create_markdown_artifact(
        key=runlog.ARTIFACT_KEY, markdown=runlog.markdown(summary),
        description=f"inclusio run {summary['run_id']}: {summary['message']}"[:500])
    level = (logging.ERROR if summary["state"] == "FAILED"
             else logging.WARNING if summary["warnings"] else logging.INFO)
    say(f"run {summary['run_id']}: {summary['state']}: {summary['message']}", level,
        console=False)
    if summary["state"] == "FAILED":
        return Failed(message=summary["message"], data=runlog.RunFailed(summary))
    return summary


def process_records(
    ws: stages.Workspace,
    run_id: str,
    sources: list[Source],
    records: list[FetchRecord],
    started: datetime,
    *,
    wait: float = 0.0,
    force: bool = False,
) -> dict[str, Any]:
    """Parse, extract and load what a crawl brought, one Prefect task per batch (the shared
    body is ``flows.runner.process``); return the judged summary, its ``runs`` row written."""
    stages_kw: dict[str, Any] = {"parse": parse_task, "extract": extract_task, "load": load_task}
    if "prefect_dask" in sys.modules:  # the flow may run on Dask (flows/executors.py)
        from flows.dask_stages import flow_stages

        stages_kw.update(flow_stages(run_id))
    return runner.process(ws, run_id, sources, records, started, wait=wait, force=force,
                          flow_run_id=flow_run.id, flow_run_name=flow_run.name, **stages_kw)
