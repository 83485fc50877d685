"""Scheduled crawls: the pipeline registered as a Prefect deployment and served from one process.

``flow.to_deployment`` + ``prefect.serve`` both register the deployment (with its cron or
interval schedule) on the Prefect server named by ``PREFECT_API_URL`` and execute the runs that
server schedules. Schedules only fire on a real server (``prefect server start``), never on the
temporary one Prefect starts when no server is configured, so we refuse to start without one.

Runs of one deployment never overlap (deployment concurrency 1: a run due while another is
still going waits for it), and the flow's ``wait`` parameter makes a run wait for the warehouse
when a manual ``inclusio run`` holds it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

DEFAULT_API_URL = "http://127.0.0.1:4200/api"


class ScheduleError(RuntimeError):
    """The schedule cannot be registered (no server, no schedule, bad sources file)."""


@dataclass(frozen=True, slots=True)
class Plan:
    """What will be registered: one deployment of the pipeline over one sources file."""

    name: str
    sources_file: Path
    root: Path
    cron: str | None
    interval: float | None
    wait: float

    @property
    def parameters(self) -> dict[str, Any]:
        return {"sources_file": str(self.sources_file), "root": str(self.root),
                "wait": self.wait}

    def describe(self) -> str:
        when = f"cron '{self.cron}'" if self.cron else f"every {self.interval:g} s"
        return f"deployment '{self.name}': {self.sources_file} → {self.root} ({when})"


def api_url() -> str:
    return os.environ.get("PREFECT_API_URL") or DEFAULT_API_URL


def check_server(url: str | None = None, timeout: float = 5.0) -> str:
    """Return the API URL after checking a Prefect server answers there."""
    url = (url or api_url()).rstrip("/")
    try:
        resp = httpx.get(f"{url}/health", timeout=timeout, trust_env=False)
        resp.raise_for_status()
    except httpx.HTTPError as exc:
        raise ScheduleError(
            f"no Prefect server answers at {url} ({type(exc).__name__}). Start one in another "
            "terminal with `inclusio server` (or `prefect server start --host 127.0.0.1 "
            "--port 4200`) and set PREFECT_API_URL to its /api address."
        ) from None
    return url


def plan(
    sources_file: Path,
    root: Path,
    *,
    cron: str | None = None,
    interval: float | None = None,
    name: str | None = None,
    wait: float = 600.0,
    file_schedules: Sequence[str | None] = (),
) -> Plan:
    """Decide the deployment: the schedule comes from --cron/--interval, or else from the
    sources file when all its sources name the same ``schedule``."""
    if cron and interval:
        raise ScheduleError("give either --cron or --interval, not both")
    if interval is not None and interval <= 0:
        raise ScheduleError("--interval must be a positive number of seconds")
    if not cron and interval is None:
        distinct = {s for s in file_schedules if s}
        if len(distinct) == 1 and all(file_schedules):
            cron = distinct.pop()
        elif distinct:
            raise ScheduleError(
                f"{sources_file}: sources name different schedules {sorted(distinct)}; "
                "split them into one file per schedule or pass --cron"
            )
        else:
            raise ScheduleError(
                f"{sources_file}: no schedule: pass --cron \"0 2 * * *\" (or --interval "
                "SECONDS), or set `schedule` on the sources"
            )
    if cron:
        from datetime import datetime

        from cronsim import CronSim, CronSimError

        try:
            CronSim(cron, datetime(2000, 1, 1))
        except CronSimError as exc:
            raise ScheduleError(f"--cron {cron!r} is not a cron expression: {exc}") from None
    sources_file = sources_file.resolve()
    default = "crawl-" + re.sub(r"[^a-z0-9]+", "-", sources_file.stem.lower()).strip("-")
    return Plan(name or default, sources_file, root.resolve(), cron, interval, wait)


def serve_plan(flow: Any, the_plan: Plan, *, limit: int = 1) -> None:
    """Register the deployment and execute its scheduled runs until interrupted.

    ``flow`` is the pipeline flow object (flows.pipeline.pipeline_flow); it is passed in so
    this module stays independent of how the pipeline is built.
    """
    from prefect import serve
    from prefect.types.entrypoint import EntrypointType

    check_server()
    schedule: dict[str, Any] = (
        {"cron": the_plan.cron} if the_plan.cron else {"interval": the_plan.interval}
    )
    deployment = flow.to_deployment(
        name=the_plan.name,
        parameters=the_plan.parameters,
        description=f"inclusio crawl of {the_plan.sources_file}",
        tags=["inclusio", "crawl"],
        concurrency_limit=1,
        entrypoint_type=EntrypointType.MODULE_PATH,
        **schedule,
    )
    serve(deployment, limit=limit, print_starting_message=False)
