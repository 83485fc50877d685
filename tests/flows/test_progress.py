"""What a crawl says while it runs: plain lines in a log, a bar per source on a terminal."""

from __future__ import annotations

from datetime import datetime

import pytest

from flows.progress import CrawlDisplay, SourceCount
from models.records import FetchRecord, Source


def _source(max_pages: int = 10) -> Source:
    return Source(source_id="valfonda", entity="Comune di Valfonda",
                  start_urls=["http://127.0.0.1:1/"], allowed_hosts=["127.0.0.1"],
                  max_pages=max_pages)


def _rec(n: int, outcome: str, error: str | None = None) -> FetchRecord:
    return FetchRecord(fetch_id=str(n), run_id="r", source_id="valfonda",
                       url=f"http://127.0.0.1:1/p{n}", fetched_at=datetime.now(),
                       outcome=outcome, error=error)


def test_plain_lines_count_pages_against_max_pages(capsys: pytest.CaptureFixture[str]) -> None:
    with CrawlDisplay([_source()], fancy=False, every=0) as display:
        display.started(_source())
        display.record(_rec(1, "stored"))
        display.record(_rec(2, "failed", "HTTP 503"))
        display.record(_rec(3, "unchanged"))
        display.finished("valfonda")
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "fetch valfonda: http://127.0.0.1:1/ (at most 10 pages)"
    assert "  + http://127.0.0.1:1/p1" in err
    assert "  ! http://127.0.0.1:1/p2  (HTTP 503)" in err
    progress = [line for line in err if line.startswith("fetch valfonda: 2/10 pages")]
    assert progress and progress[0].startswith("fetch valfonda: 2/10 pages, 1 failed, at most ")
    assert err[-1].startswith("fetch valfonda: 3 pages in ")
    assert err[-1].endswith("(1 failed, 1 stored, 1 unchanged)")


def test_a_bar_per_source_ends_full_with_its_failures(capsys: pytest.CaptureFixture[str]) -> None:
    with CrawlDisplay([_source(200)], fancy=True) as display:
        display.started(_source(200))
        for n in range(1, 4):
            display.record(_rec(n, "stored"))
        display.record(_rec(4, "refused", "robots.txt"))
        display.finished("valfonda")
    err = capsys.readouterr().err
    assert "valfonda" in err and "4/4" in err and "1 failed" in err
    assert "  x http://127.0.0.1:1/p4  (robots.txt)" in err  # failures get a line
    assert "  + http://127.0.0.1:1/p1" not in err  # pages done are in the bar


def test_time_left_is_capped_by_the_time_budget() -> None:
    count = SourceCount("s", max_pages=100, max_duration=30.0, started=0.0)
    count.done = 10
    assert count.seconds_left(now=10.0) == 20.0  # the pace says 90 s, the budget 20 s
    count.max_duration = None
    assert count.seconds_left(now=10.0) == 90.0


def test_a_long_list_gets_one_bar_of_sources_and_a_few_in_flight(
        capsys: pytest.CaptureFixture[str]) -> None:
    from flows import progress

    sources = [Source(source_id=f"comune-{n}", entity=f"Comune {n}",
                      start_urls=[f"http://127.0.0.1:{n + 1}/"], allowed_hosts=["127.0.0.1"])
               for n in range(progress.MAX_BARS + 5)]
    with CrawlDisplay(sources, fancy=True) as display:
        for source in sources:
            display.started(source)
        assert len(display._bars.tasks) == progress.MAX_BARS + 1  # the total, and the first
        display.record(FetchRecord(fetch_id="1", run_id="r", source_id="comune-0",
                                   url="http://127.0.0.1:1/", fetched_at=datetime.now(),
                                   outcome="failed", error="HTTP 500"))
        for source in sources:
            display.finished(source.source_id)
        assert len(display._bars.tasks) == 1
    err = capsys.readouterr().err
    assert f"{len(sources)}/{len(sources)} sources" in err and "1 failed" in err
    assert "  ! http://127.0.0.1:1/  (HTTP 500)" in err
