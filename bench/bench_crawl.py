"""Crawl speed on a generated local site, and the cost of a second crawl of the unchanged site.

    .venv/bin/python bench/bench_crawl.py [--pages 300] [--delay SECONDS] [--concurrency 2]

The site (127.0.0.1, generated in memory) has an index, topical pages that link each other and
a PDF each, a sitemap with lastmod dates, and answers conditional requests. The second crawl
gets the first crawl's fetch log as its state, like a nightly run does. Target: second crawl
wall time <= 5% of the first.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "crawl"))

from local_site import LocalSite, Page  # noqa: E402

from crawl.crawler import CrawlState, crawl_source  # noqa: E402
from crawl.rawstore import RawStore  # noqa: E402
from models.records import Source  # noqa: E402

LASTMOD = "2023-11-14T08:00:00+00:00"


def build_site(site: LocalSite, pages: int) -> None:
    base = site.base_url
    n_docs = pages // 2  # half HTML pages, half PDF attachments
    links = "".join(f'<li><a href="/progetti/p{i}.html">Progetto {i}</a></li>'
                    for i in range(n_docs))
    site.routes["/"] = Page(f"<html><body><ul>{links}</ul></body></html>".encode())
    site.routes["/robots.txt"] = Page(f"User-agent: *\nAllow: /\nSitemap: {base}/sitemap.xml\n"
                                      .encode(), content_type="text/plain")
    urls = [f"<url><loc>{base}/</loc><lastmod>{LASTMOD}</lastmod></url>"]
    for i in range(n_docs):
        nxt = (i + 1) % n_docs
        body = (f"<html><head><title>Progetto {i}</title></head><body><h1>Progetto {i}</h1>"
                f"<p>{'Testo del progetto di inclusione sociale. ' * 40}</p>"
                f'<a href="/progetti/p{nxt}.html">Progetto successivo</a>'
                f'<a href="/atti/d{i}.pdf">Determina {i}</a></body></html>')
        site.routes[f"/progetti/p{i}.html"] = Page(body.encode())
        site.routes[f"/atti/d{i}.pdf"] = Page(b"%PDF-1.4\n" + f"% atto {i}\n".encode() * 400,
                                               content_type="application/pdf")
        urls.append(f"<url><loc>{base}/progetti/p{i}.html</loc><lastmod>{LASTMOD}</lastmod></url>")
        urls.append(f"<url><loc>{base}/atti/d{i}.pdf</loc><lastmod>{LASTMOD}</lastmod></url>")
    site.routes["/sitemap.xml"] = Page(
        ('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
         + "".join(urls) + "</urlset>").encode(), content_type="application/xml")


def run(pages: int, delay: float, concurrency: int) -> float:
    """Crawl the generated site twice; print the figures; return second/first wall time."""
    site = LocalSite()
    site.start()
    build_site(site, pages)
    source = Source(
        source_id="bench", entity="Comune di Prova", start_urls=[site.url("/")],
        allowed_hosts=["127.0.0.1"], max_depth=3, max_pages=pages + 10,
        allow_private=True, delay_seconds=delay, concurrency=concurrency,
        timeout_seconds=10, user_agent="inclusio-bench",
        extra={"retries": 0, "backoff": 0.0},
    )
    try:
        with tempfile.TemporaryDirectory() as tmp:
            store = RawStore(Path(tmp) / "raw")
            t0 = time.perf_counter()
            first = crawl_source(source, store, run_id="bench-1")
            t1 = time.perf_counter()
            requests_first = len(site.hits)
            site.reset_log()
            t2 = time.perf_counter()
            second = crawl_source(source, store, run_id="bench-2",
                                  state=CrawlState.from_records(first))
            t3 = time.perf_counter()
            requests_second = len(site.hits)
    finally:
        site.stop()
    stored = sum(r.outcome == "stored" for r in first)
    new_second = sum(r.outcome == "stored" for r in second)
    first_s, second_s = t1 - t0, t3 - t2
    share = second_s / first_s
    print(f"politeness: {concurrency} request(s) in flight per host, {delay:g} s between "
          "request starts, robots.txt obeyed")
    print(f"  first crawl:  {len(first)} documents ({stored} stored) in {first_s:.2f} s "
          f"= {len(first) / first_s:.1f} documents/s ({requests_first} HTTP requests)")
    print(f"  second crawl: {len(second)} documents ({new_second} new bodies) in "
          f"{second_s:.3f} s ({requests_second} HTTP requests)")
    print(f"  second / first wall time: {share:.1%}")
    return share


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=300, help="documents on the site (default 300)")
    ap.add_argument("--delay", type=float, default=None,
                    help="seconds between request starts per host (default: 0.05, then 0)")
    ap.add_argument("--concurrency", type=int, default=2, help="requests in flight per host")
    args = ap.parse_args()
    settings = [args.delay] if args.delay is not None else [0.05, 0.0]
    shares = [run(args.pages, d, args.concurrency) for d in settings]
    print(f"target: second crawl <= 5% of the first at the stated politeness "
          f"(delay {settings[0]:g} s): {'met' if shares[0] <= 0.05 else 'NOT met'}")
    if len(settings) > 1:
        print("  (with no delay at all, the loopback first crawl is so fast that the second "
              f"crawl's fixed costs make {shares[1]:.1%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
