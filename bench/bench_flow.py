"""Prefect's cost: the parse → extract → load flow as Prefect runs it, next to the same plain
stages, on the same generated documents in the same run.

    .venv/bin/python bench/bench_flow.py [--docs 1000] [--quick]

Both sides start from a raw store and fetch log holding the same documents (bench/corpus.py,
one PDF in 20) in two fresh project folders. The plain side is ``flows.runner.process`` with
the stage functions; the Prefect side is the ``inclusio-process`` flow (one task per batch).
Prefect's temporary API server is started first and timed apart: ``inclusio run`` starts it in
the background during the crawl, and with ``inclusio server`` there is none to start.
Target: Prefect overhead <= 10 %.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=1000)
    ap.add_argument("--quick", action="store_true", help="200 documents")
    args = ap.parse_args()
    n = 200 if args.quick else args.docs
    with tempfile.TemporaryDirectory() as tmp:
        from inclusio.settings import configure_prefect

        os.environ.pop("PREFECT_API_URL", None)
        os.environ["PREFECT_HOME"] = str(Path(tmp) / ".prefect")
        configure_prefect(Path(tmp))
        from corpus import make_project

        from flows import runner, stages

        roots = {side: Path(tmp) / side for side in ("warm", "plain", "prefect", "plain2")}
        records = {side: make_project(root, 40 if side == "warm" else n, pdf_every=20)
                   for side, root in roots.items()}
        # Imports, spaCy and the parser pool are loaded once, before either side is timed.
        runner.process(stages.Workspace.at(roots["warm"]), "bench", [], records["warm"],
                       datetime.now())
        t0 = time.perf_counter()
        from prefect.server.api.server import SubprocessASGIServer

        SubprocessASGIServer().start()
        server = time.perf_counter() - t0
        from flows.pipeline import process_flow

        def plain_run(side: str) -> tuple[float, dict]:
            t0 = time.perf_counter()
            out = runner.process(stages.Workspace.at(roots[side]), "bench", [], records[side],
                                 datetime.now())
            return time.perf_counter() - t0, out

        # plain, Prefect, plain again: a machine getting busier or quieter shows in the two
        # plain figures, and the flow is compared with their mean.
        t_plain1, plain = plain_run("plain")
        t0 = time.perf_counter()
        flow = process_flow(str(roots["prefect"]), "bench", [], records["prefect"],
                            datetime.now())
        t_flow = time.perf_counter() - t0
        t_plain2, _ = plain_run("plain2")
        t_plain = (t_plain1 + t_plain2) / 2
    same = (plain["claims_by_kind"] == flow["claims_by_kind"]
            and plain["documents_stored"] == flow["documents_stored"] == n)
    print(f"{n} documents ({n // 20} PDFs); same rows both ways: {same}")
    print(f"plain stages:          {t_plain:7.1f} s  ({1000 * t_plain / n:.1f} ms/document; "
          f"{t_plain1:.1f} s before the flow, {t_plain2:.1f} s after)")
    print(f"Prefect flow:          {t_flow:7.1f} s  overhead {100 * (t_flow / t_plain - 1):+.1f} %"
          " (target <= 10 %)")
    print(f"temporary API server:  {server:7.1f} s  (started once per run, during the crawl)")


if __name__ == "__main__":
    main()
