"""The crawler against a local municipal site: what is fetched, refused and why, and re-crawls."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from local_site import LocalSite, Page

from crawl.crawler import CrawlState, crawl_source
from crawl.rawstore import RawStore
from crawl.sources import load_sources
from models.records import Source
from parsers.sniff import sniff

# Each test twice: in a thread, and in a greenlet of a crawl/green.py hub (tests/crawl/conftest.py).
pytestmark = pytest.mark.usefixtures("run_mode")


def one_source(tmp_path: Path, keys: str) -> Source:
    """The one source a test's ``[[sources]]`` keys describe, read by the real loader."""
    path = tmp_path / "s.toml"
    path.write_text("[[sources]]\n" + keys)
    (source,) = load_sources(path)
    return source


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every TCP connection the process opens (blocking, or non-blocking in a hub), to prove
    nothing leaves the loopback."""
    opened: list[tuple[str, int]] = []
    for name in ("connect", "connect_ex"):
        real = getattr(socket.socket, name)

        def spy(sock, address, _real=real):
            opened.append((address[0], address[1]))
            return _real(sock, address)

        monkeypatch.setattr(socket.socket, name, spy)
    return opened


def by_path(records, site: LocalSite):
    return {r.url.removeprefix(site.base_url) or r.url: r for r in records}


def test_first_crawl_fetches_refuses_and_fails_as_it_should(
    site: LocalSite, sources_file: Path, tmp_path: Path, connections
) -> None:
    (source,) = load_sources(sources_file)
    store = RawStore(tmp_path / "raw")
    seen = []
    records = crawl_source(source, store, run_id="run-1", progress=seen.append)
    assert seen == records
    got = by_path(records, site)

    stored = {p for p, r in got.items() if r.outcome == "stored"}
    assert stored == {
        "/", "/notizie/sia-rei.html", "/notizie/protocollo-cpi.html", "/notizie/avviso-rei.html",
        "/progetti/massa.html", "/atti/determina-12.pdf", "/atti/relazione-sia.pdf",
        "/atti/delibera-firmata.pdf.p7m", "/instabile.html", "/archivio/cp1252.html",
        "/misure/m-17.html", "/scheda-progetto", "/orari.html", "/progetti/pon-metro.html",
    }
    for rec in got.values():
        if rec.outcome == "stored":
            assert store.get(rec.sha256)[:1] and rec.content_type and rec.status == 200
            assert rec.n_bytes == len(store.get(rec.sha256))

    # robots.txt: a disallowed link and a disallowed sitemap entry are refused, never requested.
    for path in ("/riservato/bozza.html", "/riservato/interno.html"):
        assert got[path].outcome == "refused"
        assert "robots.txt" in got[path].error
    assert not any(h.path.startswith("/riservato/") for h in site.hits)

    # Private addresses: refused before any connection, whether linked or reached by redirect.
    assert got["http://10.0.0.1/atti/determina.pdf"].outcome == "refused"
    assert "10.0.0.1 is private" in got["http://10.0.0.1/atti/determina.pdf"].error
    assert got["http://192.168.1.1/"].outcome == "refused"
    redirect = got["/vai-interno"]
    assert redirect.outcome == "refused" and "192.168.1.1 is private" in redirect.error
    assert redirect.final_url == "http://192.168.1.1/interno.html"
    assert connections and {host for host, _ in connections} == {"127.0.0.1"}

    # Non-HTTP schemes are refused; mail links and other hosts are simply not followed.
    assert got["file:///etc/passwd"].outcome == "refused"
    assert "only http and https" in got["file:///etc/passwd"].error
    assert not any("example.org" in r.url or r.url.startswith("mailto:") for r in records)

    # Failures, each with a readable reason.
    assert got["/mancante.html"].outcome == "failed"
    assert got["/mancante.html"].status == 404 and "HTTP 404" in got["/mancante.html"].error
    assert got["/lento.html"].outcome == "failed" and "timeout" in got["/lento.html"].error
    assert got["/giro/a"].outcome == "failed" and "redirect loop" in got["/giro/a"].error
    for path in ("/allegati/grande.pdf", "/allegati/grande-flusso.pdf"):
        assert got[path].outcome == "failed" and "too large" in got[path].error

    hits = site.paths_hit()
    assert hits["/instabile.html"] == 2  # a 500, then a retry that succeeded
    assert hits["/mancante.html"] == 1  # a 404 is not retried
    assert hits["/lento.html"] == 2  # timeouts are retried (retries = 1)

    # Focus: a non-topical page two links deep is not followed; a topical one is.
    assert "/turismo/spiagge.html" not in hits
    # The windows-1252 page served as UTF-8: its anchor text "povertà" was read correctly.
    assert "/misure/m-17.html" in stored

    # The PDF served as text/html: the served type is recorded; sniffing sees a PDF.
    scheda = got["/scheda-progetto"]
    assert scheda.content_type == "text/html"
    assert sniff(store.get(scheda.sha256), scheda.content_type, scheda.url) == "application/pdf"

    # Tracking parameters, fragments and trailing slashes collapse into one fetch.
    assert hits["/progetti/massa.html"] == 1 and "/progetti/massa.html/" not in hits
    assert len({r.url for r in records}) == len(records)


def test_second_crawl_of_unchanged_site_stores_no_new_bodies(
    site: LocalSite, sources_file: Path, tmp_path: Path
) -> None:
    (source,) = load_sources(sources_file)
    store = RawStore(tmp_path / "raw")
    first = crawl_source(source, store, run_id="run-1")
    files_before = sorted(p for p in store.root.rglob("*") if p.is_file())
    site.reset_log()

    second = crawl_source(source, store, run_id="run-2", state=CrawlState.from_records(first))
    assert [r for r in second if r.outcome == "stored"] == []
    assert sorted(p for p in store.root.rglob("*") if p.is_file()) == files_before
    before = {r.url: r for r in first if r.outcome == "stored"}
    after = {r.url: r for r in second if r.url in before}
    assert set(after) == set(before)
    assert all(r.outcome == "unchanged" and r.sha256 == before[r.url].sha256
               for r in after.values())
    # Every document either answered 304 or was not requested at all (sitemap date not newer);
    # robots.txt, the sitemap and the feed answered 304 too. Only the pages that fail again, as
    # before (too slow, too large), got a 200, and their bodies were abandoned.
    failing = ("/lento.html", "/allegati/grande.pdf", "/allegati/grande-flusso.pdf")
    assert [h for h in site.hits if h.status == 200 and h.path not in failing] == []
    assert {"/robots.txt", "/sitemap.xml", "/feed.rss"} <= {
        h.path for h in site.hits if h.status == 304}
    assert "/notizie/sia-rei.html" not in site.paths_hit()
    assert after[site.url("/notizie/sia-rei.html")].status is None
    assert all(r.content_type for r in after.values())
    # Links are still followed through unchanged pages: the whole site was walked again.
    assert {r.url for r in second} == {r.url for r in first}


def test_changed_page_is_stored_again(site: LocalSite, sources_file: Path, tmp_path: Path):
    (source,) = load_sources(sources_file)
    store = RawStore(tmp_path / "raw")
    first = crawl_source(source, store, run_id="run-1")
    # A page without a listed date: the conditional request sees the new ETag.
    page = site.routes["/progetti/massa.html"]
    page.body = page.body.replace(b"496.931,00", b"500.000,00")
    # A page whose sitemap date moves forward is requested again.
    news = site.routes["/notizie/sia-rei.html"]
    news.body = news.body.replace(b"609.734", b"610.000")
    sitemap = site.routes["/sitemap.xml"]
    sitemap.body = sitemap.body.replace(b"2023-11-14T08:00:00+00:00", b"2999-01-01T00:00:00Z")
    # A page whose feed date did not move is trusted as unchanged and not requested.
    feed_item = site.routes["/notizie/avviso-rei.html"]
    feed_item.body = feed_item.body.replace(b"marzo", b"aprile")
    site.reset_log()
    second = crawl_source(source, store, run_id="run-2", state=CrawlState.from_records(first))
    changed = {r.url: r for r in second if r.outcome == "stored"}
    assert set(changed) == {site.url("/progetti/massa.html"), site.url("/notizie/sia-rei.html")}
    assert b"500.000,00" in store.get(changed[site.url("/progetti/massa.html")].sha256)
    assert "/notizie/avviso-rei.html" not in site.paths_hit()


def test_lost_raw_copy_is_fetched_whole_again(site, sources_file, tmp_path):
    (source,) = load_sources(sources_file)
    store = RawStore(tmp_path / "raw")
    first = crawl_source(source, store, run_id="run-1")
    home = next(r for r in first if r.url == site.url("/"))
    store.path(home.sha256).unlink()
    second = crawl_source(source, store, run_id="run-2", state=CrawlState.from_records(first))
    again = next(r for r in second if r.url == site.url("/"))
    assert again.outcome == "unchanged" and again.status == 200 and store.has(home.sha256)


def test_crawl_delay_from_robots_spaces_requests(site: LocalSite, tmp_path: Path):
    site.routes["/robots.txt"].body = b"User-agent: inclusio\nCrawl-delay: 0.3\nDisallow:\n"
    source = one_source(tmp_path, f"""
id = "lento"
entity = "Comune di Esempio"
start_urls = ["{site.base_url}/progetti/massa.html"]
allow_private = true
sitemaps = false
concurrency = 4
""")
    crawl_source(source, RawStore(tmp_path / "raw"), run_id="r")
    starts = [h.at for h in site.hits]
    assert len(starts) == 2  # robots.txt and the page
    assert starts[1] - starts[0] >= 0.29


def test_max_pages_caps_documents(site, sources_file, tmp_path):
    (source,) = load_sources(sources_file)
    source.max_pages = 3
    records = crawl_source(source, RawStore(tmp_path / "raw"), run_id="r")
    assert len([r for r in records if r.outcome != "refused"]) == 3


def test_private_site_without_permission_is_refused(site, tmp_path):
    source = one_source(tmp_path, f"""
id = "chiuso"
entity = "Comune di Esempio"
start_urls = ["{site.base_url}/"]
""")
    records = crawl_source(source, RawStore(tmp_path / "raw"), run_id="r")
    assert [r.outcome for r in records] == ["refused"]
    assert "127.0.0.1 is loopback" in records[0].error
    assert site.hits == []


def test_sitemap_index_gzip_and_moved_start_host(site: LocalSite, tmp_path: Path) -> None:
    """robots.txt names a sitemap index whose child is gzipped; the start URL redirects from
    127.0.0.1 to localhost, whose pages must then be followed."""
    import gzip

    base = site.base_url
    other = base.replace("127.0.0.1", "localhost")
    site.routes["/robots.txt"].body = f"User-agent: *\nSitemap: {base}/indice.xml\n".encode()
    site.routes["/indice.xml"] = Page(
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap>'
        f"<loc>{base}/figlio.xml.gz</loc></sitemap></sitemapindex>".encode(),
        content_type="application/xml")
    site.routes["/figlio.xml.gz"] = Page(gzip.compress(
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{base}/notizie/avviso-rei.html</loc></url></urlset>".encode()),
        content_type="application/gzip")
    site.routes["/trasloco"] = lambda h, s: (301, {"Location": f"{other}/orari.html"}, None)
    source = one_source(tmp_path, f"""
id = "trasloco"
entity = "Comune di Esempio"
start_urls = ["{base}/trasloco"]
allow_private = true
max_depth = 2
""")
    records = crawl_source(source, RawStore(tmp_path / "raw"), run_id="r")
    stored = {r.url for r in records if r.outcome == "stored"}
    assert f"{base}/notizie/avviso-rei.html" in stored  # from the gzipped child sitemap
    assert f"{other}/progetti/pon-metro.html" in stored  # a link on the moved site
    start = next(r for r in records if r.url == f"{base}/trasloco")
    assert start.final_url == f"{other}/orari.html"


def test_depth_deny_and_redirects_keep_to_the_source_rules(site: LocalSite, tmp_path: Path):
    """max_depth stops pages (attachments get one level more), deny patterns are never
    requested, and a redirect may not lead off the allowed hosts or into a denied path."""
    base = site.base_url
    other = base.replace("127.0.0.1", "localhost")  # the same server under a host not allowed
    site.routes["/partenza.html"] = Page(
        b'<html><body><a href="/notizie/sia-rei.html">Notizie SIA</a>'
        b'<a href="/orari.html">Orari</a><a href="/archivio/cp1252.html">Archivio sociale</a>'
        b'<a href="/sociale/fuori">Progetto sociale</a>'
        b'<a href="/sociale/nascosto">Progetto sociale bis</a></body></html>')
    site.routes["/sociale/fuori"] = lambda h, s: (
        302, {"Location": f"{other}/progetti/pon-metro.html"}, None)
    site.routes["/sociale/nascosto"] = lambda h, s: (
        302, {"Location": f"{base}/archivio/cp1252.html"}, None)
    source = one_source(tmp_path, f"""
id = "regole"
entity = "Comune di Esempio"
start_urls = ["{base}/partenza.html"]
allow_private = true
max_depth = 1
deny = ["/archivio/"]
sitemaps = false
""")
    records = crawl_source(source, RawStore(tmp_path / "raw"), run_id="r")
    got = by_path(records, site)
    assert {p for p, r in got.items() if r.outcome == "stored"} == {
        "/partenza.html", "/notizie/sia-rei.html", "/orari.html",
        "/atti/relazione-sia.pdf",  # an attachment one level past max_depth
    }
    assert got["/sociale/fuori"].outcome == "refused"
    assert "outside the allowed hosts" in got["/sociale/fuori"].error
    assert got["/sociale/nascosto"].outcome == "refused"
    assert "deny pattern" in got["/sociale/nascosto"].error
    hit = set(site.paths_hit())
    # depth 2 pages, the denied path and the off-host target were never requested
    assert not hit & {"/turismo/spiagge.html", "/progetti/pon-metro.html",
                      "/archivio/cp1252.html"}


def test_crawl_delay_is_capped_at_max_delay_and_recorded(site: LocalSite, tmp_path: Path):
    site.routes["/robots.txt"].body = b"User-agent: *\nCrawl-delay: 3600\nDisallow:\n"
    source = one_source(tmp_path, f"""
id = "paziente"
entity = "Comune di Esempio"
start_urls = ["{site.base_url}/progetti/massa.html"]
allow_private = true
sitemaps = false
max_delay = 0.01
""")
    records = crawl_source(source, RawStore(tmp_path / "raw"), run_id="r")
    capped = [r for r in records if r.outcome == "capped"]
    assert len(capped) == 1 and capped[0].url == site.url("/robots.txt")
    assert capped[0].error == (f"Crawl-delay 3600s asked by {site.url('/robots.txt')} capped at "
                               "0.01s (the source's max_delay)")
    assert capped[0].sha256 is None
    # The crawl went on at the capped pace, and the notice is no document.
    assert {r.url for r in records if r.outcome == "stored"} == {
        site.url("/progetti/massa.html")}
    assert CrawlState.from_records(records).known.keys() == {site.url("/progetti/massa.html")}


def test_time_budget_stops_the_crawl_and_a_rerun_completes_it(
    site: LocalSite, sources_file: Path, tmp_path: Path
) -> None:
    """The budget is measured on a clock that advances one 'second' per request the site
    receives, so the crawl stops after a known amount of work whatever the machine's speed."""
    (source,) = load_sources(sources_file)
    source.extra["max_duration"] = 8.0
    store = RawStore(tmp_path / "raw")
    first = crawl_source(source, store, run_id="run-1", clock=lambda: float(len(site.hits)))
    stopped = [r for r in first if r.outcome == "stopped"]
    assert len(stopped) == 1 and stopped[0] is first[-1]
    assert stopped[0].url == site.url("/") and stopped[0].sha256 is None
    assert "time budget of 8s (max_duration)" in stopped[0].error
    assert " URLs found were not requested" in stopped[0].error
    assert int(stopped[0].error.split(": ")[1].split()[0]) > 0
    stored_first = {r.url: r.sha256 for r in first if r.outcome == "stored"}
    assert stored_first and all(store.has(sha) for sha in stored_first.values())

    # A second run without the budget asks again only for what the first one did not finish.
    source.extra["max_duration"] = 1800.0
    site.reset_log()
    second = crawl_source(source, store, run_id="run-2", state=CrawlState.from_records(first))
    assert not [r for r in second if r.outcome == "stopped"]
    by_url = {r.url: r for r in second}
    for url, sha in stored_first.items():
        assert by_url[url].outcome == "unchanged" and by_url[url].sha256 == sha
    fresh_store = RawStore(tmp_path / "fresh")
    fresh = crawl_source(source, fresh_store, run_id="fresh")
    assert len(stored_first) < len([r for r in fresh if r.outcome == "stored"])
    # Together the two runs hold exactly what one uninterrupted crawl holds, each body once.
    assert {r.url: r.sha256 for r in second if r.sha256} == {
        r.url: r.sha256 for r in fresh if r.sha256}
    files = sorted(p.name for p in store.root.rglob("*") if p.is_file())
    assert files == sorted(p.name for p in fresh_store.root.rglob("*") if p.is_file())
    assert len({r.url for r in second}) == len(second)


def _pdf(line: str) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", "", 12)
    pdf.cell(0, 10, line)
    return bytes(pdf.output())


def test_documents_behind_download_links_are_fetched_stored_and_parsed(
    site: LocalSite, tmp_path: Path
) -> None:
    """Links that do not end in .pdf but lead to documents: a download endpoint, a link the
    page declares as a PDF, an anchor text naming the format, and a plain link whose answer's
    headers say it is a file. They are fetched like attachments (one level past max_depth,
    whatever their topic, exempt from ``allow``) and recorded with the type and file name the
    headers give, so the parse stage reads them as the PDFs they are."""
    from parsers import parse_bytes

    determina, delibera, avviso, relazione = (
        _pdf("Determina n. 12: impegno di euro 45.000,00"),
        _pdf("Delibera n. 13: approvazione del progetto"),
        _pdf("Avviso n. 14: domande entro il 31 marzo"),
        _pdf("Relazione finale: 120 famiglie raggiunte"))
    site.routes["/atti.html"] = Page(
        b'<html><body><a href="/elenco.html">Elenco</a>'
        b'<a href="/risorsa?id=77">Relazione</a></body></html>')
    site.routes["/elenco.html"] = Page(
        b'<html><body><a href="/scarica?id=12">Scarica</a>'
        b'<a href="/documento?id=13" type="application/pdf">Testo</a>'
        b'<a href="/visualizza?id=14">Avviso (PDF, 80 kB)</a>'
        b'<a href="/scarica?id=16">Scarica</a>'
        b'<a href="/pagina?id=15">Dettaglio</a>'
        b'<a href="/download/logo.png">Logo</a></body></html>')
    site.routes.update({  # static pages: a second crawl gets 304s, without these headers
        "/scarica?id=12": Page(determina, content_type="application/octet-stream", headers={
            "Content-Disposition": 'attachment; filename="determina-12-2023.pdf"'}),
        "/scarica?id=16": Page(b"<html><body>Modulo non disponibile</body></html>"),
        "/documento?id=13": Page(delibera, content_type="application/pdf", headers={
            "Content-Disposition": "inline; filename*=UTF-8''delibera%20n.%2013.pdf"}),
        "/visualizza?id=14": Page(avviso, content_type="application/pdf"),
        "/risorsa?id=77": Page(relazione, content_type="binary/octet-stream", headers={
            "Content-Disposition": 'attachment; filename="relazione-finale.pdf"'}),
    })
    site.routes["/pagina"] = Page(b"<html><body>Dettaglio</body></html>")
    source = one_source(tmp_path, f"""
id = "scarica"
entity = "Comune di Esempio"
start_urls = ["{site.base_url}/atti.html"]
allow_private = true
sitemaps = false
keywords = ["PON"]
allow = ["/atti", "/elenco", "/risorsa"]
max_depth = 1
""")
    store = RawStore(tmp_path / "raw")
    records = crawl_source(source, store, run_id="r")
    got = by_path(records, site)
    assert {p for p, r in got.items() if r.outcome == "stored"} == {
        "/atti.html", "/elenco.html", "/risorsa?id=77", "/scarica?id=12", "/documento?id=13",
        "/visualizza?id=14", "/scarica?id=16"}
    hit = set(site.paths_hit())
    assert "/pagina?id=15" not in hit and "/download/logo.png" not in hit

    expected = {
        "/scarica?id=12": ("application/pdf", "determina-12-2023.pdf", "45.000,00"),
        "/documento?id=13": ("application/pdf", "delibera n. 13.pdf", "approvazione"),
        "/visualizza?id=14": ("application/pdf", None, "31 marzo"),
        "/risorsa?id=77": ("application/pdf", "relazione-finale.pdf", "120 famiglie"),
    }
    for p, (ctype, filename, words) in expected.items():
        rec = got[p]
        assert (rec.content_type, rec.filename) == (ctype, filename), p
        doc = parse_bytes(store.get(rec.sha256), content_type=rec.content_type, url=rec.url)
        assert doc.parser.startswith("pdf") and words in doc.text, p
    # A download link that answers with a page is kept as the page it is.
    assert got["/scarica?id=16"].content_type.startswith("text/html")
    assert got["/scarica?id=16"].filename is None

    # Unchanged on the next crawl (a 304 without those headers): type and name are kept.
    again = by_path(crawl_source(source, store, run_id="r2",
                                 state=CrawlState.from_records(records)), site)
    for p, (ctype, filename, _) in expected.items():
        assert again[p].outcome == "unchanged" and again[p].status == 304, p
        assert (again[p].content_type, again[p].filename) == (ctype, filename), p
