"""Cost per document as the project grows: 1k, 10k and 50k generated documents.

    .venv/bin/python bench/bench_scale.py [--sizes 1000 10000 50000] [--quick]

Each size runs in a fresh process and project folder: parse, extract and load
(``flows.runner.process``, plain stages) over generated pages (one PDF in 20). Printed: seconds
per document, peak memory (this process, and the largest parser worker) and peak memory per
document, each against the smallest size. Linear cost shows as flat cost per document; target:
at the largest size, seconds and memory per document within 10 % of the smallest (no more than
1.1x). The peak itself is printed too: it grows with the project, far less than linearly.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def one(n: int) -> dict[str, float]:
    from corpus import make_project

    from flows import runner, stages

    with tempfile.TemporaryDirectory() as tmp:
        records = make_project(Path(tmp), n, pdf_every=20)
        t0 = time.perf_counter()
        out = runner.process(stages.Workspace.at(tmp), "bench", [], records, datetime.now())
        took = time.perf_counter() - t0
    from parsers.pool import shared_pool

    worker_mb = shared_pool().peak_bytes / 2**20
    if out["documents_stored"] != n:
        raise SystemExit(f"{out['documents_stored']} documents loaded of {n}")
    return {
        "seconds": took,
        "self_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "worker_mb": worker_mb,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000, 50000])
    ap.add_argument("--quick", action="store_true", help="sizes 200, 1000 and 2000")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one(args.one)))
        return
    sizes = [200, 1000, 2000] if args.quick else args.sizes
    first: tuple[float, float, float] | None = None
    for n in sizes:
        done = subprocess.run([sys.executable, __file__, "--one", str(n)], capture_output=True,
                              text=True)
        if done.returncode:
            raise SystemExit(done.stderr[-2000:])
        r = json.loads(done.stdout.strip().splitlines()[-1])
        per, mb = r["seconds"] / n, r["self_mb"]
        first = first or (per, mb, mb / n)
        print(f"{n:>7,} documents: {r['seconds']:8.1f} s  {1000 * per:7.2f} ms/document "
              f"({per / first[0]:4.2f}x the first)  peak memory {mb:6.0f} MB "
              f"({mb / first[1]:4.2f}x; per document {1024 * mb / n:7.1f} KB, "
              f"{mb / n / first[2]:5.3f}x)  largest parser worker {r['worker_mb']:.0f} MB")


if __name__ == "__main__":
    main()
