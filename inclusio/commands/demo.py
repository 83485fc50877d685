"""`inclusio demo`: serve the bundled sample site on 127.0.0.1 and run the pipeline over it."""

from __future__ import annotations

import argparse
import sys

from inclusio.commands._common import announce_home, print_table, report_run, writer_exit
from inclusio.sample_site import EDITIONS
from inclusio.settings import configure_prefect, paths

EXAMPLE_QUERY = """SELECT d.title, c.value_num AS amount, c.role, c.quote
FROM claims c JOIN documents d USING (sha256)
WHERE c.kind = 'amount' ORDER BY amount DESC LIMIT 5"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo",
        help="run the pipeline over the bundled sample site served on 127.0.0.1",
        description="Serve data/sample/site on 127.0.0.1, crawl it over HTTP with the Prefect "
        "pipeline, load data/curated/inclusio.duckdb and print a summary and an example query. "
        "Run it again with --edition 2 to crawl a second version of the site (a changed amount, "
        "a new CIG, a new page), then see them with `inclusio changes`.",
    )
    p.add_argument("--port", type=int, default=8765, help="port for the sample site (0: any free)")
    p.add_argument("--edition", type=int, choices=EDITIONS, default=1,
                   help="which version of the sample site to serve (default 1; 2 adds changes)")
    p.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    announce_home("demo")  # the first line, before Prefect, spaCy or DuckDB is imported
    from flows.progress import announce_prefect
    from inclusio.commands.run import quiet_prefect_console
    from inclusio.sample_site import edition_dirs, localised_sources, sample_dir, serve

    root = paths().root
    sample = sample_dir(root)
    with serve(edition_dirs(sample, args.edition), args.port) as base:
        print(f"sample site, edition {args.edition}, on {base}", flush=True)
        if args.port and not base.endswith(f":{args.port}/"):
            print(
                f"note: port {args.port} is in use, so the sample's URLs differ from earlier "
                "demos: their fetches are new rows (documents, keyed by content, are not)."
            )
        sources = localised_sources(
            sample / "sources.toml", base, root / "data" / "curated" / "demo-sources.toml"
        )
        quiet_prefect_console()
        configure_prefect()
        from warehouse.db import writer_lock

        try:
            with writer_lock(paths().warehouse):
                announce_prefect()
                from flows.pipeline import pipeline_flow
                from flows.runlog import RunFailed

                try:
                    summary = pipeline_flow(str(sources), root=str(root))
                except RunFailed as failed:
                    summary = failed.summary
        except Exception as exc:
            if (code := writer_exit(exc, "demo")) is None:
                raise
            return code
    code = report_run(summary, "demo")
    if code:
        return code
    if summary.get("warnings"):
        print("(the sample site holds a missing page, a page robots.txt refuses, an empty file "
              "and a fake PDF on purpose: docs/sample.md)", file=sys.stderr)
    print("\nexample query (inclusio query):")
    print(EXAMPLE_QUERY)
    from warehouse.db import connect

    with connect(paths().warehouse, read_only=True) as con:
        cur = con.execute(EXAMPLE_QUERY)
        print_table([d[0] for d in cur.description], cur.fetchall())
    return 0
