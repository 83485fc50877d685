"""A crawl killed half-way (SIGKILL) and started again: nothing fetched is lost or fetched twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

from local_site import LocalSite

from crawl.crawler import CrawlState, crawl_source
from crawl.rawstore import RawStore
from crawl.sources import load_sources
from models.records import FetchRecord

CHILD = """
import json, sys
from dataclasses import asdict
from pathlib import Path
from crawl.crawler import crawl_source
from crawl.rawstore import RawStore
from crawl.sources import load_sources

(source,) = load_sources(Path(sys.argv[1]))
log = open(sys.argv[3], "a", encoding="utf-8")

def append(rec):
    log.write(json.dumps(asdict(rec), default=str) + "\\n")
    log.flush()

crawl_source(source, RawStore(Path(sys.argv[2])), run_id="killed", progress=append)
"""


def read_log(path: Path) -> list[FetchRecord]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            data = json.loads(line)
        except json.JSONDecodeError:
            continue  # the line being written when the process died
        data["fetched_at"] = datetime.fromisoformat(data["fetched_at"])
        out.append(FetchRecord(**data))
    return out


def test_killed_crawl_resumes_without_refetching(
    site: LocalSite, sources_file: Path, tmp_path: Path
) -> None:
    slow = tmp_path / "slow.toml"
    slow.write_text(sources_file.read_text() + "delay = 0.15\n", encoding="utf-8")
    raw, log = tmp_path / "raw", tmp_path / "fetch-log.jsonl"
    log.touch()
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(slow), str(raw), str(log)],
                             start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while len(log.read_text().splitlines()) < 8 and time.monotonic() < deadline:
            assert child.poll() is None, "the crawl ended before it could be killed"
            time.sleep(0.02)
    finally:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    partial = read_log(log)
    stored_before = {r.url: r.sha256 for r in partial if r.outcome == "stored"}
    assert stored_before, "nothing was stored before the kill"
    store = RawStore(raw)
    assert all(store.has(sha) for sha in stored_before.values())  # kept, and complete

    site.reset_log()
    (source,) = load_sources(sources_file)
    resumed = crawl_source(source, store, run_id="resumed", state=CrawlState.from_records(partial))

    # What was fetched before the kill is not downloaded again...
    for hit in site.hits:
        url = site.url(hit.path)
        if url in stored_before:
            assert hit.status == 304, hit
    by_url = {r.url: r for r in resumed}
    for url, sha in stored_before.items():
        assert by_url[url].outcome == "unchanged" and by_url[url].sha256 == sha
    # ...and together the two runs hold the whole site, each page once.
    fresh = crawl_source(source, RawStore(tmp_path / "fresh"), run_id="fresh")
    want = {r.url: r.sha256 for r in fresh if r.sha256}
    got = {r.url: r.sha256 for r in resumed if r.sha256}
    assert got == want
    assert len({r.url for r in resumed}) == len(resumed)
    leftovers = [p for p in raw.rglob(".tmp-*")]
    assert len(leftovers) <= 1  # at most the file being written at the kill, never under a hash
    assert all(asdict(r)["run_id"] == "resumed" for r in resumed)
