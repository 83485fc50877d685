"""Prefect's cost: the parse → extract → load flow as Prefect runs it, next to the same plain
stages, on the same generated documents in the same run.

    .venv/bin/python bench/bench_flow.py [--docs 1000] [--quick]

Both sides start from a raw store and fetch log holding the same documents (bench/corpus.py,
one PDF in 20) in two fresh project folders. The plain side is ``flows.runner.process`` with
the stage functions; the Prefect side is the ``inclusio-process`` flow (one task per batch),
started as ``inclusio run`` starts it (``flows.pipeline.run_process_flow``).
Prefect's temporary API server is started first and timed apart: ``inclusio run`` starts it in
the background during the crawl, and with ``inclusio server`` there is none to start.
Target: Prefect overhead <= 10 %.

Each round runs plain, Prefect, plain again (fresh folders each time) and compares the flow
with the mean of the two plain runs, in two measures:

- wall time: what a user waits for; on a shared two-core machine it swings with other load;
- CPU time: this process plus the parser pool's workers on both sides, plus the Prefect API
  server's process on the flow's side only (the server runs during the plain runs too, but
  a run without Prefect would have none). Steadier under load; it counts what Prefect makes
  the machine do, though not time spent waiting on the server.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def _cpu(server: Any) -> tuple[float, float, float]:
    """CPU seconds so far: this process, the parser pool's workers, the Prefect server."""
    from parsers.pool import shared_pool

    proc = getattr(server, "server_process", None)
    srv = 0.0
    if proc is not None:
        import psutil

        try:
            ps = psutil.Process(proc.pid)
            srv = sum(c.cpu_times().user + c.cpu_times().system
                      for c in [ps, *ps.children(recursive=True)])
        except psutil.Error:
            srv = 0.0
    return time.process_time(), shared_pool().cpu_seconds, srv


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=2, help="plain, Prefect, plain: this many times")
    ap.add_argument("--quick", action="store_true", help="200 documents, one round")
    args = ap.parse_args()
    n, rounds = (200, 1) if args.quick else (args.docs, args.rounds)
    with tempfile.TemporaryDirectory() as tmp:
        from inclusio.settings import configure_prefect

        os.environ.pop("PREFECT_API_URL", None)
        os.environ["PREFECT_HOME"] = str(Path(tmp) / ".prefect")
        configure_prefect(Path(tmp))
        from corpus import make_project

        from flows import runner, stages

        sides = ["warm"] + [f"{side}{r}" for r in range(rounds)
                            for side in ("plain", "prefect", "plain_after")]
        roots = {side: Path(tmp) / side for side in sides}
        records = {side: make_project(root, 40 if side == "warm" else n, pdf_every=20)
                   for side, root in roots.items()}
        # Imports, spaCy and the parser pool are loaded once, before either side is timed.
        runner.process(stages.Workspace.at(roots["warm"]), "bench", [], records["warm"],
                       datetime.now())
        t0 = time.perf_counter()
        from prefect.server.api.server import SubprocessASGIServer

        server = SubprocessASGIServer()
        server.start()
        server_start = time.perf_counter() - t0
        from flows.pipeline import run_process_flow

        def timed(side: str, fn: Any) -> tuple[float, float, dict]:
            t0, c0 = time.perf_counter(), _cpu(server)
            out = fn(roots[side], records[side])
            c1 = _cpu(server)
            # The plain side is charged this process and the pool; the flow also the server.
            cpu = c1[0] - c0[0] + c1[1] - c0[1] + (c1[2] - c0[2] if "prefect" in side else 0)
            return time.perf_counter() - t0, cpu, out

        def plain(root: Path, recs: list) -> dict:
            return runner.process(stages.Workspace.at(root), "bench", [], recs, datetime.now())

        def prefect(root: Path, recs: list) -> dict:
            return run_process_flow(str(root), "bench", [], recs, datetime.now())

        rows = []
        same = True
        for r in range(rounds):
            # plain, Prefect, plain again: a machine getting busier or quieter shows in the
            # two plain figures, and the flow is compared with their mean.
            p1 = timed(f"plain{r}", plain)
            f = timed(f"prefect{r}", prefect)
            p2 = timed(f"plain_after{r}", plain)
            rows.append((p1, f, p2))
            same = same and (p1[2]["claims_by_kind"] == f[2]["claims_by_kind"]
                             and p1[2]["documents_stored"] == f[2]["documents_stored"] == n)
    print(f"{n} documents ({n // 20} PDFs); same rows both ways: {same}")
    walls, cpus = [], []
    for k, (p1, f, p2) in enumerate(rows, start=1):
        wall_plain, cpu_plain = (p1[0] + p2[0]) / 2, (p1[1] + p2[1]) / 2
        walls.append(f[0] / wall_plain - 1)
        cpus.append(f[1] / cpu_plain - 1)
        print(f"round {k}: plain {wall_plain:6.1f} s wall, {cpu_plain:6.1f} s CPU "
              f"({p1[0]:.1f} s before the flow, {p2[0]:.1f} s after); Prefect flow "
              f"{f[0]:6.1f} s wall, {f[1]:6.1f} s CPU: overhead {100 * walls[-1]:+.1f} % wall, "
              f"{100 * cpus[-1]:+.1f} % CPU")
    print(f"Prefect overhead, median of {len(rows)}: {100 * statistics.median(walls):+.1f} % "
          f"wall time, {100 * statistics.median(cpus):+.1f} % CPU time (target <= 10 %)")
    print(f"temporary API server:  {server_start:7.1f} s  (started once per run, during the "
          "crawl)")


if __name__ == "__main__":
    main()
