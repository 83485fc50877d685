"""Revisit backoff: pages and attachments that no sitemap or feed dates are asked again only
after a share of the time they have stayed unchanged; start URLs and listed pages always are."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from local_site import LocalSite, Page

from crawl.crawler import CrawlState, crawl_source
from crawl.rawstore import RawStore
from crawl.sources import load_sources
from models.records import FetchRecord

PDF = "/allegati/determina-rest.pdf"


def _aged(records: list[FetchRecord], days: float) -> list[FetchRecord]:
    """The same fetch-log rows, as if written ``days`` ago."""
    now = datetime.now(UTC).replace(tzinfo=None)
    return [replace(r, fetched_at=now - timedelta(days=days)) for r in records]


def _setup(site: LocalSite, sources_file: Path, tmp_path: Path, **extra: object):
    site.routes["/elenco-progetti.html"] = Page(
        b'<html><body><a href="/progetti/inclusione-attiva.html">Progetto inclusione</a>'
        b"</body></html>")
    site.routes["/progetti/inclusione-attiva.html"] = Page(
        b'<html><body><h1>Progetto inclusione</h1><a href="' + PDF.encode()
        + b'">Determina (PDF)</a></body></html>')
    site.routes[PDF] = Page(b"%PDF-1.4\n% determina di impegno\n" * 20,
                            content_type="application/pdf")
    (source,) = load_sources(sources_file)
    source = replace(source, start_urls=[site.url("/elenco-progetti.html")],
                     extra={**(source.extra or {}), "sitemaps": False, **extra})
    return source, RawStore(tmp_path / "raw")


def test_a_copy_unchanged_for_weeks_is_not_asked_again_for_days(
        site: LocalSite, sources_file: Path, tmp_path: Path) -> None:
    source, store = _setup(site, sources_file, tmp_path)
    first = crawl_source(source, store, run_id="run-1")
    assert any(r.url.endswith(PDF) and r.outcome == "stored" for r in first)
    # Fetched 20 days ago, confirmed unchanged (304) 2 days ago: asked again after 9 days.
    second = crawl_source(source, store, run_id="run-2", state=CrawlState.from_records(first))
    state = CrawlState.from_records(_aged(first, 20) + _aged(second, 2))
    site.reset_log()
    third = crawl_source(source, store, run_id="run-3", state=state)
    assert PDF not in site.paths_hit()
    row = next(r for r in third if r.url.endswith(PDF))
    assert row.outcome == "unchanged" and row.status is None  # our copy stood for it
    assert row.sha256 == next(r.sha256 for r in first if r.url.endswith(PDF))
    assert "/elenco-progetti.html" in site.paths_hit()  # the start URL is always asked
    assert "/progetti/inclusione-attiva.html" not in site.paths_hit()
    # Its page was not asked either, yet its links were read from our copy of it.
    assert any(r.url.endswith("/progetti/inclusione-attiva.html") for r in third)


def test_after_the_backoff_it_is_asked_again_and_a_change_resets_it(
        site: LocalSite, sources_file: Path, tmp_path: Path) -> None:
    source, store = _setup(site, sources_file, tmp_path)
    first = crawl_source(source, store, run_id="run-1")
    second = crawl_source(source, store, run_id="run-2", state=CrawlState.from_records(first))
    # Unchanged for 4 days when last checked 3 days ago: due (after 2 days).
    state = CrawlState.from_records(_aged(first, 7) + _aged(second, 3))
    site.routes[PDF] = Page(b"%PDF-1.4\n% determina rettificata\n" * 20,
                            content_type="application/pdf")
    site.reset_log()
    third = crawl_source(source, store, run_id="run-3", state=state)
    assert PDF in site.paths_hit()
    row = next(r for r in third if r.url.endswith(PDF))
    assert row.outcome == "stored"
    changed, checked = CrawlState.from_records(
        _aged(first, 7) + _aged(second, 3) + third).revisit_times(row.url)
    assert changed == checked  # just changed: the next run asks again


def test_recent_checks_and_a_zero_backoff_always_ask(
        site: LocalSite, sources_file: Path, tmp_path: Path) -> None:
    source, store = _setup(site, sources_file, tmp_path)
    first = crawl_source(source, store, run_id="run-1")
    second = crawl_source(source, store, run_id="run-2", state=CrawlState.from_records(first))
    # Runs minutes apart (tests, a rerun after a failure): nothing rests.
    site.reset_log()
    crawl_source(source, store, run_id="run-3", state=CrawlState.from_records(first + second))
    assert PDF in site.paths_hit()
    # With revisit_backoff = 0 every run asks, however long the copy has been unchanged.
    source0, _ = _setup(site, sources_file, tmp_path, revisit_backoff=0)
    site.reset_log()
    crawl_source(source0, store, run_id="run-4",
                 state=CrawlState.from_records(_aged(first, 20) + _aged(second, 2)))
    assert PDF in site.paths_hit()
