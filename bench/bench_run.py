"""Wall time of the real ``inclusio run`` over the bundled sample site: first run, then unchanged.

    .venv/bin/python bench/bench_run.py [--runs 3] [--checksums FILE]

The sample site is served on 127.0.0.1 and ``inclusio run`` is started as a command (a new
process each time, as a cron job would) in a fresh project folder; the later runs find the
site unchanged. Target: an unchanged run under 5 s. ``--checksums FILE`` writes the
warehouse's per-table checksums after the first run (tests/faults/pipeline_helpers.py), so
two versions of the code can be compared row for row.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "faults"))

from pipeline_helpers import table_checksums  # noqa: E402

from inclusio.sample_site import localised_sources, serve  # noqa: E402


def run_once(project: Path, sources: Path) -> tuple[float, int, str]:
    env = {**os.environ, "INCLUSIO_HOME": str(project)}
    env.pop("PREFECT_HOME", None)
    t0 = time.perf_counter()
    done = subprocess.run([str(ROOT / ".venv" / "bin" / "inclusio"), "run", str(sources)],
                          cwd=project, env=env, capture_output=True, text=True)
    return time.perf_counter() - t0, done.returncode, done.stdout + done.stderr[-2000:]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3, help="runs in all (the first one included)")
    ap.add_argument("--checksums", type=Path, help="write the first run's table checksums here")
    ap.add_argument("--quick", action="store_true", help="two runs only")
    ap.add_argument("--port", type=int, default=0,
                    help="port of the sample site (fixed, for comparable checksums)")
    args = ap.parse_args()
    runs = 2 if args.quick else max(2, args.runs)
    site = ROOT / "data" / "sample" / "site"
    with tempfile.TemporaryDirectory() as tmp, serve(site, args.port) as base:
        project = Path(tmp) / "project"
        project.mkdir()
        sources = localised_sources(ROOT / "data" / "sample" / "sources.toml", base,
                                    project / "sources.toml")
        times = []
        for n in range(runs):
            took, code, out = run_once(project, sources)
            if code != 0:
                print(out)
                raise SystemExit(f"run {n + 1} failed with exit code {code}")
            times.append(took)
            label = "first run" if n == 0 else f"unchanged run {n}"
            print(f"{label:18s} {took:6.2f} s")
            if n == 0 and args.checksums:
                sums = table_checksums(project / "data" / "curated" / "inclusio.duckdb")
                args.checksums.write_text(json.dumps(sums, indent=1, sort_keys=True))
        later = sorted(times[1:])[len(times[1:]) // 2]
        print(f"unchanged run (median): {later:6.2f} s  (target < 5 s); "
              f"{later / times[0]:.2f} of the first")


if __name__ == "__main__":
    main()
