"""How soon `inclusio demo` and `inclusio run` say something: time to their first line.

    .venv/bin/python bench/bench_start.py [--repeat 3] [--full]

Each command starts in a fresh temporary project folder (the sample site served on 127.0.0.1,
no Prefect server configured, as after a fresh clone) and is timed from process start to its
first line of output, then to the line announcing Prefect's start. By default the command is
stopped there, which keeps the bench short; --full lets one run of each go on to the end and
adds the time until Prefect's flow run started and the total. Target: the first line in
under one second (`make demo` used to be silent for about 9 s while Prefect started).
"""

from __future__ import annotations

import argparse
import os
import queue
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from inclusio.sample_site import SAMPLE_DIR, localised_sources, serve  # noqa: E402

TARGET = 1.0
MILESTONES = {
    "first line": r".",
    "Prefect announced": r"starting Prefect|Prefect: using the server",
    "flow run started": r"Prefect flow run '.*' \(.*\) started",
    "first fetch": r"^fetch ",
}


def _command() -> list[str]:
    script = Path(sys.executable).with_name("inclusio")
    return [str(script)] if script.exists() else [sys.executable, "-m", "inclusio.cli"]


def _project(tmp: Path) -> Path:
    """A project folder holding only the bundled sample (what `demo` reads)."""
    project = tmp / "project"
    (project / SAMPLE_DIR).parent.mkdir(parents=True)
    (project / SAMPLE_DIR).symlink_to(ROOT / SAMPLE_DIR)
    return project


def time_lines(args: list[str], project: Path, full: bool) -> dict[str, float]:
    """Seconds from start to each milestone line (stdout or stderr), and to the exit."""
    env = {**os.environ, "INCLUSIO_HOME": str(project), "PREFECT_HOME": str(project / ".prefect"),
           "PYTHONUNBUFFERED": "1"}
    env.pop("PREFECT_API_URL", None)
    lines: queue.Queue[str | None] = queue.Queue()
    start = time.monotonic()
    proc = subprocess.Popen(args, cwd=project, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)

    def pump(stream: object) -> None:
        for line in stream:  # type: ignore[attr-defined]
            lines.put(line)
        lines.put(None)

    for stream in (proc.stdout, proc.stderr):
        threading.Thread(target=pump, args=(stream,), daemon=True).start()
    seen: dict[str, float] = {}
    open_streams = 2
    stop_after = "first fetch" if full else "Prefect announced"
    try:
        while open_streams and time.monotonic() - start < 900:
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                continue
            if line is None:
                open_streams -= 1
                continue
            for name, pattern in MILESTONES.items():
                if name not in seen and re.search(pattern, line):
                    seen[name] = time.monotonic() - start
            if not full and stop_after in seen:
                break
        if full:
            proc.wait(timeout=900)
            seen["exit"] = time.monotonic() - start
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    return seen


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each command (median)")
    parser.add_argument("--full", action="store_true",
                        help="let one run of each command finish (Prefect start, crawl, load)")
    opts = parser.parse_args()
    cmd = _command()
    worst = 0.0
    with serve(ROOT / SAMPLE_DIR / "site") as base:
        for name in ("demo", "run"):
            figures: dict[str, list[float]] = {}
            for _ in range(1 if opts.full else opts.repeat):
                with tempfile.TemporaryDirectory() as tmp:
                    project = _project(Path(tmp))
                    if name == "demo":
                        args = [*cmd, "demo", "--port", "0"]
                    else:
                        sources = localised_sources(ROOT / SAMPLE_DIR / "sources.toml", base,
                                                    project / "sources.toml")
                        args = [*cmd, "run", str(sources)]
                    for key, value in time_lines(args, project, opts.full).items():
                        figures.setdefault(key, []).append(value)
            shown = ", ".join(f"{k} {statistics.median(v):.2f} s" for k, v in figures.items())
            print(f"inclusio {name}: {shown}")
            worst = max(worst, statistics.median(figures.get("first line", [float("inf")])))
    verdict = "met" if worst < TARGET else "missed"
    print(f"first line within {TARGET:.0f} s: {verdict} (slowest median {worst:.2f} s; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
