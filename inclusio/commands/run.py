"""`inclusio run SOURCES`: the whole pipeline, with Prefect when there is work or a server.

flows/runner.py decides: with PREFECT_API_URL set the run is the ``inclusio-pipeline`` flow;
without, the crawl runs plainly and the rest is the ``inclusio-process`` flow only when
something is to be parsed or extracted. The verdict and exit code are the same either way.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from inclusio.commands._common import (
    EXIT_FAILED,
    EXIT_USAGE,
    announce_home,
    fail,
    positive_count,
    positive_seconds,
    report_run,
    writer_exit,
)
from inclusio.settings import configure_prefect

EXIT_CODES_EPILOG = """\
exit codes:
  0  done, or partly done (some sources or pages failed: a warning with the counts)
  1  failed for another reason (also: the --store cannot be written)
  2  bad input: no sources file, or a mistake in it, or a --store URL fsspec cannot
     open (nothing is fetched)
  3  another process holds the warehouse (its PID is named; see --wait)
  4  the disk is full: free space and run again, it goes on from where it stopped
  5  the warehouse file is damaged: inclusio load --rebuild
  6  nothing fetched: every source failed (site down, every URL refused or failing)
  7  nothing parsed: pages were fetched but none could be read
  8  nothing extracted: extraction failed on every document
  9  nothing loaded: no document reached the warehouse
The code is the same with or without a Prefect server. Every run's summary is a row of the
runs table (`inclusio runs`); a run that had a Prefect flow (always, with PREFECT_API_URL set)
ends FAILED there on 6-9 (or 3-5), its summary a Prefect artifact (key inclusio-run-summary)."""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "run",
        help="crawl, parse, extract and load every source in a sources file",
        description="Run the whole pipeline (discover → fetch → parse → extract → load) over the\n"
        "sources in SOURCES, updating data/curated/inclusio.duckdb. With PREFECT_API_URL set\n"
        "the whole run is the Prefect flow inclusio-pipeline; without it the crawl runs plainly\n"
        "and parse, extract and load run as the Prefect flow inclusio-process only when the\n"
        "crawl brought something to parse or extract.",
        epilog=EXIT_CODES_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("sources", type=Path, help="sources TOML file")
    p.add_argument(
        "--wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="wait this long for another run holding the warehouse (default: fail at once)",
    )
    p.add_argument("--force", action="store_true", help="parse and extract again even if done")
    p.add_argument(
        "--max-duration", type=positive_seconds, default=None, metavar="SECONDS",
        help="stop each source's crawl after this many seconds (overrides max_duration in "
        "SOURCES); what was fetched is loaded and the next run asks for the rest",
    )
    p.add_argument(
        "--parallel-sources", type=positive_count, default=None, metavar="N",
        help="sources crawled at once (default 2000); each host keeps its own delay and "
        "in-flight limit whatever this is",
    )
    p.add_argument(
        "--executor", choices=("local", "dask"), default="local",
        help="where parse and extract batches run: in this process (local, the default) or "
        "on a Dask cluster (README, Scaling out)",
    )
    p.add_argument(
        "--dask-address", default=None, metavar="tcp://HOST:PORT",
        help="with --executor dask: the scheduler of a running cluster (`dask scheduler`, "
        "`dask worker`); without it a local cluster is made for the run",
    )
    p.add_argument(
        "--workers", type=positive_count, default=None, metavar="N",
        help="with --executor dask and no --dask-address: worker processes of the local "
        "cluster, one thread each (default: one per CPU, at most 8)",
    )
    p.set_defaults(func=handle)


def quiet_prefect_console() -> None:
    """The command prints its own progress, summary and one-line errors: Prefect's console
    lines (a failed run's state, a traceback already reported) would repeat them. Its logs
    still reach the Prefect API."""
    os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "CRITICAL")


def handle(args: argparse.Namespace) -> int:
    from crawl.sources import load_sources

    if not args.sources.is_file():
        return fail("run", f"no sources file at {args.sources}: give the TOML file listing "
                    "the sites (see README, Sources file)", EXIT_USAGE)
    try:
        load_sources(args.sources)  # a mistake is reported here, before Prefect starts
    except ValueError as exc:
        return fail("run", str(exc), EXIT_USAGE)
    from flows.executors import Executor

    try:
        executor = Executor(args.executor, args.dask_address, args.workers)
    except ValueError as exc:
        return fail("run", str(exc), EXIT_USAGE)
    announce_home("run")  # the first line, before Prefect, spaCy or DuckDB is imported
    quiet_prefect_console()
    configure_prefect()
    from inclusio.settings import paths
    from warehouse.db import writer_lock

    try:
        # The lock comes before Prefect: a second run must not start a second temporary
        # Prefect server on the same state database (it crashed there instead of exiting 3).
        # Prefect itself starts only if the crawl brings work (flows/runner.py).
        with writer_lock(paths().warehouse, wait=args.wait):
            from flows.runner import run

            summary = run(
                str(args.sources), wait=args.wait, force=args.force,
                max_duration=args.max_duration, executor=executor,
                parallel=args.parallel_sources,
            )
    except Exception as exc:
        if (code := writer_exit(exc)) is not None:
            return code
        from flows.executors import ClusterUnavailable

        if isinstance(exc, ClusterUnavailable):
            return fail("run", str(exc), EXIT_FAILED)
        from flows.runner import api_failure

        if (reason := api_failure(exc)) is None:
            raise
        return fail("run", reason, EXIT_FAILED)
    return report_run(summary, "run")
