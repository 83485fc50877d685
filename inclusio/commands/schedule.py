"""`inclusio schedule SOURCES --cron "…"`: crawl on a schedule through a Prefect server."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from inclusio.commands._common import EXIT_USAGE, announce_home, fail
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
    # The older name of --home, kept working.
    p.add_argument("--root", type=Path, default=None, help=argparse.SUPPRESS)
    p.add_argument("--wait", type=float, default=600.0, metavar="SECONDS",
                   help="how long a run waits for a warehouse held by another run (default 600)")
    p.add_argument("--api-url", help="Prefect API URL (default: $PREFECT_API_URL or "
                   "http://127.0.0.1:4200/api)")
    p.set_defaults(func=handle)


def _on_sigterm(*_: object) -> None:
    """SIGTERM from a supervisor (systemd, `kill PID`): stop as Ctrl-C does, cleanly."""
    raise KeyboardInterrupt


def handle(args: argparse.Namespace) -> int:
    root = paths(args.root).root
    if not args.sources.is_file():
        return fail("schedule", f"no sources file at {args.sources}: give the TOML file "
                    "listing the sites (see README, Sources file)", EXIT_USAGE)
    if args.root is not None:
        os.environ["INCLUSIO_HOME"] = str(root)
    announce_home("schedule")
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
        return fail("schedule", str(exc), EXIT_USAGE)
    print(f"serving {the_plan.describe()} on {url}; Ctrl-C or SIGTERM to stop", flush=True)
    # Prefect's runner answers SIGTERM with sys.exit() from inside its event loop, leaving a
    # coroutine never awaited and the schedule running; stopping as Ctrl-C does unwinds the
    # runner, which pauses the schedule on its way out.
    from prefect.runner.runner import Runner

    from flows.pipeline import pipeline_flow

    Runner.handle_sigterm = _on_sigterm  # type: ignore[method-assign]
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        serve_plan(pipeline_flow, the_plan)
    except ScheduleError as exc:
        return fail("schedule", str(exc), EXIT_USAGE)
    except KeyboardInterrupt:
        pass
    print("inclusio schedule: stopped; the schedule is paused until `inclusio schedule` runs "
          "again", file=sys.stderr, flush=True)
    return 0
