"""`inclusio schedule SOURCES --cron "…"`: crawl on a schedule through a Prefect server."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from inclusio.settings import configure_prefect, paths


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "schedule",
        help="register the pipeline as a scheduled Prefect deployment and run it when due",
        description="Register the pipeline over SOURCES as a Prefect deployment with a cron or "
        "interval schedule on the Prefect server at PREFECT_API_URL (default "
        "http://127.0.0.1:4200/api; start one with `inclusio server`), then stay running to "
        "execute each scheduled run. Stop with Ctrl-C. Runs never overlap.",
    )
    p.add_argument("sources", type=Path, help="sources TOML file")
    when = p.add_mutually_exclusive_group()
    when.add_argument("--cron", help='cron expression, e.g. "0 2 * * *" (every night at 2:00)')
    when.add_argument("--interval", type=float, metavar="SECONDS",
                      help="run every SECONDS instead of on a cron schedule")
    p.add_argument("--name", help="deployment name (default: crawl-<sources file name>)")
    p.add_argument("--root", type=Path, default=None,
                   help="project folder holding data/ (default: INCLUSIO_HOME or the current "
                   "folder)")
    p.add_argument("--wait", type=float, default=600.0, metavar="SECONDS",
                   help="how long a run waits for a warehouse held by another run (default 600)")
    p.add_argument("--api-url", help="Prefect API URL (default: $PREFECT_API_URL or "
                   "http://127.0.0.1:4200/api)")
    p.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    root = paths(args.root).root
    configure_prefect(root)
    from flows.schedule import DEFAULT_API_URL, ScheduleError, check_server, plan, serve_plan

    os.environ["PREFECT_API_URL"] = (
        args.api_url or os.environ.get("PREFECT_API_URL") or DEFAULT_API_URL
    )
    from crawl.sources import load_sources

    try:
        sources = load_sources(args.sources)
        the_plan = plan(
            args.sources, root, cron=args.cron, interval=args.interval, name=args.name,
            wait=args.wait, file_schedules=[s.schedule for s in sources],
        )
        url = check_server()
    except (ValueError, ScheduleError) as exc:
        print(f"error: {exc}")
        return 2
    print(f"serving {the_plan.describe()} on {url}; Ctrl-C to stop", flush=True)
    from flows.pipeline import pipeline_flow

    try:
        serve_plan(pipeline_flow, the_plan)
    except ScheduleError as exc:
        print(f"error: {exc}")
        return 2
    return 0
