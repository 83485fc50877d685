"""The pipeline as a Prefect 3 flow: discover → fetch → parse → extract → load.

Tasks are thin wrappers over flows/stages.py; they pass paths and sha256 ids, batch documents
(one task per batch, not per document) and retry only the network stage.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from inclusio.settings import configure_prefect

configure_prefect()

from prefect import flow, get_run_logger, task  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402

from crawl.sources import load_sources, with_max_duration  # noqa: E402
from flows import stages  # noqa: E402
from models.records import FetchRecord, Source  # noqa: E402


def progress(message: str) -> None:
    """Progress lines go to stderr so that stdout stays for results."""
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def _show_fetch(rec: FetchRecord) -> None:
    mark = {"stored": "+", "unchanged": "=", "failed": "!", "refused": "x"}.get(rec.outcome, "?")
    progress(f"  {mark} {rec.url}" + (f"  ({rec.error})" if rec.error else ""))


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
    """Parse, extract and load what a crawl brought, in batches; return the run's counts."""
    root_s = str(ws.root)
    items = stages.bodies(records)
    parsed: list[dict] = []
    batches = stages.batched(items)
    for n, batch in enumerate(batches, start=1):
        progress(f"parse: batch {n}/{len(batches)} ({len(batch)} documents)")
        parsed += parse_task(root_s, batch, force=force)
    ok = [p["sha256"] for p in parsed if not p.get("error")]
    extracted: list[dict] = []
    batches = stages.batched(ok)
    for n, batch in enumerate(batches, start=1):
        progress(f"extract: batch {n}/{len(batches)} ({len(batch)} documents)")
        extracted += extract_task(root_s, batch, force=force)
    problems = stages.fetch_problems(records)
    problems += [
        {"run_id": run_id, "stage": "extract", "sha256": e["sha256"], "reason": e["error"]}
        for e in extracted
        if e.get("error")
    ]
    for p in problems:
        p.setdefault("run_id", run_id)
    progress("load: warehouse " + str(ws.warehouse))
    loaded = load_task(
        root_s, run_id, sources, records, [i["sha256"] for i in items], problems, wait
    )
    failed_fetch = sum(1 for r in records if r.outcome in ("failed", "refused"))
    failed_parse = sum(1 for p in parsed if p.get("error"))
    run = {
        "run_id": run_id,
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": datetime.now().isoformat(timespec="seconds"),
        "fetch_attempts": len(records),
        "fetched_new": sum(1 for r in records if r.outcome == "stored"),
        "fetched_unchanged": sum(1 for r in records if r.outcome == "unchanged"),
        "documents": len(items),
        "parsed": len(ok),
        "failed": failed_fetch + failed_parse,
        "failed_fetch": failed_fetch,
        "failed_parse": failed_parse,
        "extracted": sum(1 for e in extracted if not e.get("skipped") and not e.get("error")),
        **loaded,
    }
    return stages.summary(ws, run)


def parse_stored(root: str | None = None, force: bool = True) -> dict[str, int]:
    """Parse again every body in the fetch log (after a parser improves)."""
    ws = stages.Workspace.at(root)
    items = stages.bodies(stages.read_fetch_log(ws))
    results = [r for b in stages.batched(items) for r in stages.parse_batch(ws, b, force=force)]
    return {
        "parsed": sum(1 for r in results if not r["error"]),
        "failed": sum(1 for r in results if r["error"]),
    }


def extract_stored(root: str | None = None, force: bool = True) -> dict[str, int]:
    """Run the extractors again over every parsed document, then reload the warehouse."""
    ws = stages.Workspace.at(root)
    shas = ws.docs.parsed_shas()
    results = [r for b in stages.batched(shas) for r in stages.extract_batch(ws, b, force=force)]
    stages.load_into_warehouse(ws, run_id=stages.new_run_id(), shas=shas)
    return {
        "extracted": sum(1 for r in results if not r.get("error")),
        "failed": sum(1 for r in results if r.get("error")),
    }
