"""The pipeline as a Prefect 3 flow: discover → fetch → parse → extract → load.

Tasks are thin wrappers over flows/stages.py; they pass paths and sha256 ids, batch documents
(one task per batch, not per document) and retry only the network stage.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from inclusio.settings import configure_prefect

configure_prefect()

from prefect import flow, get_run_logger, task  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402

from crawl.sources import load_sources, with_max_duration  # noqa: E402
from flows import runner, stages  # noqa: E402
from flows.runner import extract_stored, parse_stored, progress  # noqa: E402, F401
from flows.runner import show_fetch as _show_fetch  # noqa: E402
from models.records import FetchRecord, Source  # noqa: E402


@task(name="discover-and-fetch", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=5)
def fetch_task(root: str, source: Source, run_id: str) -> list[FetchRecord]:
    ws = stages.Workspace.at(root)
    progress(f"fetch: {source.source_id} ({', '.join(source.start_urls)})")
    records = stages.fetch_source(ws, source, run_id, progress=_show_fetch)
    get_run_logger().info("%s: %d fetch attempts", source.source_id, len(records))
    return records


@task(name="parse-batch", cache_policy=NO_CACHE)
def parse_task(root: str, items: list[dict[str, Any]], force: bool = False) -> list[dict]:
    return stages.parse_batch(stages.Workspace.at(root), items, force=force)


@task(name="extract-batch", cache_policy=NO_CACHE)
def extract_task(root: str, shas: list[str], force: bool = False) -> list[dict]:
    return stages.extract_batch(stages.Workspace.at(root), shas, force=force)


@task(name="load-warehouse", cache_policy=NO_CACHE)
def load_task(
    root: str,
    run_id: str,
    sources: list[Source],
    records: list[FetchRecord],
    shas: list[str] | None,
    problems: list[dict[str, Any]],
    wait: float,
) -> dict[str, int]:
    return stages.load_into_warehouse(
        stages.Workspace.at(root),
        run_id=run_id,
        sources=sources,
        records=records,
        shas=shas,
        problems=problems,
        wait=wait,
    )


@flow(name="inclusio-pipeline", log_prints=True)
def pipeline_flow(
    sources_file: str,
    root: str | None = None,
    wait: float = 0.0,
    force: bool = False,
    max_duration: float | None = None,
) -> dict[str, Any]:
    """Crawl every source in ``sources_file`` and bring the warehouse up to date."""
    ws = stages.Workspace.at(root)
    root_s = str(ws.root)
    run_id = stages.new_run_id()
    started = datetime.now()
    sources = load_sources(Path(sources_file))
    if max_duration is not None:
        sources = with_max_duration(sources, max_duration)
    futures = [fetch_task.submit(root_s, s, run_id) for s in sources]
    records: list[FetchRecord] = [r for f in futures for r in f.result()]
    return process_records(ws, run_id, sources, records, started, wait=wait, force=force)


@flow(name="inclusio-process", log_prints=True)
def process_flow(
    root: str,
    run_id: str,
    sources: list[Source],
    records: list[FetchRecord],
    started: datetime,
    wait: float = 0.0,
    force: bool = False,
) -> dict[str, Any]:
    """Parse, extract and load what a crawl done outside Prefect brought (flows/runner.py)."""
    return process_records(stages.Workspace.at(root), run_id, sources, records, started,
                           wait=wait, force=force)


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
    """Parse, extract and load what a crawl brought, one Prefect task per batch."""
    return runner.process(ws, run_id, sources, records, started, wait=wait, force=force,
                          parse=parse_task, extract=extract_task, load=load_task)
