"""A simulated national crawl: thousands of small sites, each polite, all crawled at once.

    .venv/bin/python bench/bench_national_crawl.py [--sources 2000] [--quick] [--parallel N]

2,000 sources on loopback addresses (127.x.y.z, one each, so one host each, as municipalities'
sites are: a large crawl is split between processes by host, flows/runner.py),
5 pages each plus robots.txt and a sitemap, 0.5 s between request starts on a host (the
sources' ``delay`` and the sites' robots.txt ``Crawl-delay``). The sites are served by another
process (bench/national_sites.py, asyncio), so the CPU seconds printed are the crawler's own.
The crawl is the one ``inclusio run`` does: ``flows.runner.crawl_all``, fetch-log appends, raw
store writes and the plain-lines progress display (sent to a file, as in a nightly log).

Printed: one host crawled alone, all the sources crawled together, their ratio (target: at
most 2, i.e. the wall time is near one host's, not the sum), requests per second, CPU seconds
of the crawl, and the shortest gap the servers saw between two requests to one host (must not
be below the delay). ``--quick``: 200 sources.

Run it on a quiet machine, and not within five minutes of deleting many files on the same file
system (an earlier run's temporary folder, a test suite): ext4 then skips recently deleted
inodes when it makes a new file or folder, and the 16,000 files and folders the crawl creates
cost up to twice the kernel time (seen with ``perf``: ``recently_deleted`` under
``ext4_mkdir`` and ``ext4_create``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from national_sites import JITTER  # noqa: E402

from crawl.sources import load_sources  # noqa: E402
from models.records import FetchRecord, Source  # noqa: E402

# The crawl's child processes (flows/crawl_shard.py, started with spawn) import this script
# again as ``__mp_main__``: the stages are imported in functions, so a child does not load
# them, and the sends are watched there too when this names a folder.
SENDS_ENV = "NATIONAL_BENCH_SENDS"

DELAY = 0.5
PAGES = 5


def start_sites(n: int) -> tuple[subprocess.Popen[str], list[str], int]:
    proc = subprocess.Popen([sys.executable, str(ROOT / "bench" / "national_sites.py"), str(n)],
                            stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline() if proc.stdout else ""
    if not line:
        proc.kill()
        raise SystemExit("the sites' server did not start")
    info = json.loads(line)
    return proc, info["sites"], info["control"]


def site_stats(control: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{control}/stats", timeout=30) as resp:
        return json.loads(resp.read())


def write_sources(path: Path, sites: list[str]) -> list[Source]:
    lines = ["[crawler]", f"delay = {DELAY}", "concurrency = 1",
             'allow_private = ["127.0.0.0/8"]', "retries = 1", "backoff = 0.2", ""]
    for n, site in enumerate(sites):
        lines += ["[[sources]]", f'id = "comune-{n}"', f'entity = "Comune {n}"',
                  f'start_urls = ["http://{site}/"]', ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return load_sources(path)


def crawl(root: Path, sources: list[Source], parallel: int | None, processes: int | None,
          log: Path) -> tuple[float, tuple[float, float], list[FetchRecord]]:
    """(wall seconds, (user, system) CPU seconds of this process and of the crawl processes it
    started, records) of one crawl_all."""
    from flows import runner, stages
    from flows.progress import CrawlDisplay

    ws = stages.Workspace.at(root)
    with log.open("a", encoding="utf-8") as fh, contextlib.redirect_stderr(fh):
        use0, own0 = _cpu(), _own_cpu()
        t0 = time.perf_counter()
        records = runner.crawl_all(ws, sources, stages.new_run_id(),
                                   display=CrawlDisplay(sources, fancy=False),
                                   parallel=parallel, processes=processes)
        wall = time.perf_counter() - t0
        use1, own1 = _cpu(), _own_cpu()
    global PARENT_CPU
    PARENT_CPU = own1 - own0
    return wall, (use1[0] - use0[0], use1[1] - use0[1]), records


PARENT_CPU = 0.0  # of the latest crawl()


def _cpu() -> tuple[float, float]:
    """(user, system) CPU seconds of this process and its ended children (the crawl's; the
    sites' server ends only after the measures)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(
        resource.RUSAGE_CHILDREN)
    return me.ru_utime + kids.ru_utime, me.ru_stime + kids.ru_stime


def _own_cpu() -> float:
    """CPU seconds of this process alone: the first shard's crawl plus the fetch log, the
    progress lines and the relay of every child's records."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    return me.ru_utime + me.ru_stime


def profile_threads() -> list:
    """Profile every thread started from now on (cProfile sees only its own thread)."""
    import cProfile
    import threading

    profiles: list = []
    run = threading.Thread.run

    def profiled(self: threading.Thread) -> None:
        prof = cProfile.Profile(time.thread_time)  # CPU, not waits
        profiles.append(prof)
        prof.runcall(run, self)

    threading.Thread.run = profiled  # type: ignore[method-assign]
    return profiles


def watch_sends(folder: Path) -> None:
    """Note when each request was written, per host, as the fetcher tells its host gate: the
    crawler's own view of its politeness, free of the server's scheduling noise. Each process
    appends ``origin time`` lines to its own file in ``folder`` (a host is crawled by one
    process, and the monotonic clock is the machine's)."""
    import os
    import threading

    from crawl import fetcher
    from crawl.urls import origin_of

    out = (folder / f"sends-{os.getpid()}.txt").open("a", encoding="utf-8")
    lock = threading.Lock()
    get_once = fetcher.Fetcher._get_once

    def watched(self, url, headers, max_bytes, sent=None):  # type: ignore[no-untyped-def]
        if sent is None:
            return get_once(self, url, headers, max_bytes, sent)
        origin = origin_of(url)

        def noted() -> None:
            # Taken before the gate notes it: after the write, and never later than the time
            # the host's next turn is counted from.
            at = time.monotonic()
            with lock:
                out.write(f"{origin} {at!r}\n")
                out.flush()  # a child process ends without flushing
            sent()

        return get_once(self, url, headers, max_bytes, noted)

    fetcher.Fetcher._get_once = watched  # type: ignore[method-assign]


def read_sends(folder: Path) -> dict[str, list[float]]:
    sends: dict[str, list[float]] = {}
    for path in folder.glob("sends-*.txt"):
        for line in path.read_text(encoding="utf-8").splitlines():
            origin, at = line.rsplit(" ", 1)
            sends.setdefault(origin, []).append(float(at))
    return sends


def shortest_gap(sends: dict[str, list[float]]) -> tuple[float | None, int]:
    """The shortest gap between two requests to one host, and how many hosts had one below
    the delay."""
    shortest, below = None, 0
    for times in sends.values():
        times = sorted(times)
        gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
        if gaps:
            low = min(gaps)
            shortest = low if shortest is None else min(shortest, low)
            below += low < DELAY
    return shortest, below


def check(records: list[FetchRecord], n_sources: int) -> str:
    stored = sum(r.outcome == "stored" for r in records)
    other = {}
    for r in records:
        if r.outcome != "stored":
            other[r.outcome] = other.get(r.outcome, 0) + 1
    note = f"{stored}/{n_sources * PAGES} pages stored"
    if other:
        note += " (" + ", ".join(f"{n} {k}" for k, n in sorted(other.items())) + ")"
    return note


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sources", type=int, default=2000, help="sites crawled together")
    ap.add_argument("--quick", action="store_true", help="200 sources")
    ap.add_argument("--parallel", type=int, default=None,
                    help="sources crawled at once (default: crawl_all's default)")
    ap.add_argument("--processes", type=int, default=None,
                    help="crawl processes (default: crawl_all's default)")
    ap.add_argument("--profile", type=Path, default=None,
                    help="write a cProfile of the big crawl to this file")
    args = ap.parse_args()
    n = 200 if args.quick else args.sources
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    proc, sites, control = start_sites(n + 1)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            tmp_path = Path(tmp)
            sources = write_sources(tmp_path / "sources.toml", sites)
            log = tmp_path / "crawl.log"
            one_wall, one_cpu, one = crawl(tmp_path / "one", sources[:1], args.parallel,
                                           args.processes, log)
            before = site_stats(control)
            sends_dir = tmp_path / "sends"
            sends_dir.mkdir()
            os.environ[SENDS_ENV] = str(sends_dir)
            watch_sends(sends_dir)
            profiles = profile_threads() if args.profile else None
            all_wall, all_cpu, many = crawl(tmp_path / "all", sources[1:], args.parallel,
                                            args.processes, log)
            sends = read_sends(sends_dir)
            if profiles is not None:
                import pstats

                merged = pstats.Stats(profiles[0])
                for prof in profiles[1:]:
                    merged.add(prof)
                merged.dump_stats(args.profile)
            after = site_stats(control)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    requests = after["requests"] - before["requests"]
    ratio = all_wall / one_wall
    from flows import runner

    procs = runner._processes(args.processes, n)
    print(f"national crawl: {n} sources on loopback addresses, {PAGES} pages each, {DELAY:g} s "
          f"between request starts per host, 1 request in flight per host; sources at once: "
          f"{args.parallel or runner.PARALLEL_SOURCES}, crawl processes: {procs}")
    print(f"  one host alone: {one_wall:.2f} s, {sum(one_cpu):.2f} CPU s ({check(one, 1)})")
    print(f"  all {n} hosts:  {all_wall:.2f} s, {sum(all_cpu):.2f} CPU s of the crawl processes "
          f"({all_cpu[0]:.2f} user, {all_cpu[1]:.2f} system; {PARENT_CPU:.2f} in the "
          f"command's own process) ({check(many, n)})")
    print(f"  ratio all / one host: {ratio:.2f} (target <= 2; the sum would be {n}x)")
    print(f"  {requests} requests: {requests / all_wall:.0f} requests/s, "
          f"{sum(all_cpu) / max(1, requests) * 1000:.2f} ms crawler CPU per request; the sites' "
          f"server used {after['cpu_seconds'] - before['cpu_seconds']:.2f} CPU s")
    gap = after["min_gap"]
    sent_gap, sent_below = shortest_gap(sends)
    print(f"  politeness: shortest gap between two requests to one host, as the crawler sent "
          f"them {_s(sent_gap)}, hosts below {DELAY:g} s: {sent_below}; as the sites' server "
          f"noted them {_s(gap)}, hosts below {DELAY:g} s less the server's "
          f"{JITTER * 1000:g} ms noise: {after['gaps_below_delay']}; leaving out gaps from a "
          f"connection's first request (noted late: accept) {_s(after['min_later_gap'])}")
    print(f"  target: within 2x one host's time: {'met' if ratio <= 2 else 'NOT met'}")
    return 0 if sent_below == 0 else 1


def _s(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.3f} s"


if __name__ == "__mp_main__" and os.environ.get(SENDS_ENV):  # a crawl process of the bench
    watch_sends(Path(os.environ[SENDS_ENV]))

if __name__ == "__main__":
    sys.exit(main())
