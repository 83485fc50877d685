"""HTTP and file faults, all in one crawl of local sites, loaded into a real DuckDB warehouse.

One run meets every fault at once, as a nightly crawl would: error statuses, retries,
timeouts, redirect loops and chains, foreign hosts, size caps, a gzip bomb, robots.txt edge
cases, calendar traps, entity bombs and external entities in sitemaps and office files,
encrypted, cut and bomb PDFs, a drawing PDF, a tampered .p7m, zip bombs, odd charsets, empty
bodies and 100,000 nested divs. Each case then checks its own fault: the run went on (the
healthy pages of every site are in the warehouse) and the fault is recorded with a readable
reason, or the file was read within bounds.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import bad_files as bf
import pytest
from conftest import query, run_stages
from local_site import Handler, LocalSite, Page

Route = Callable[[Handler, LocalSite], tuple[int, dict[str, str], "bytes | None"]]
HEALTHY = "/progetti/sano.html"
HEALTHY_PAGE = Page(bf.html("Progetto sano", f"<p>{bf.PROSE}</p>"))


def _status(code: int, extra: dict[str, str] | None = None) -> Route:
    def route(h: Handler, s: LocalSite) -> tuple[int, dict[str, str], bytes | None]:
        return code, {"Content-Type": "text/html", **(extra or {})}, b"<h1>errore</h1>"
    return route


def _redirect(to: str) -> Route:
    def route(h: Handler, s: LocalSite) -> tuple[int, dict[str, str], bytes | None]:
        return 302, {"Location": to}, None
    return route


def _sleep(seconds: float, body: bytes = b"<h1>lenta</h1>") -> Route:
    def route(h: Handler, s: LocalSite) -> tuple[int, dict[str, str], bytes | None]:
        time.sleep(seconds)
        return 200, {"Content-Type": "text/html"}, body
    return route


def _stalled_body(h: Handler, s: LocalSite) -> tuple[int, dict[str, str], bytes | None]:
    """Headers promise 5,000 bytes; ten come, then nothing until the client gives up."""
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Content-Length", "5000")
    h.end_headers()
    h.wfile.write(b"<html><p>i")
    h.wfile.flush()
    time.sleep(2.5)
    h.close_connection = True
    raise ConnectionResetError  # the handler has answered already


def _cut_body(h: Handler, s: LocalSite) -> tuple[int, dict[str, str], bytes | None]:
    """The connection closes after ten of the 5,000 bytes promised."""
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Content-Length", "5000")
    h.end_headers()
    h.wfile.write(b"<html><p>i")
    h.wfile.flush()
    h.close_connection = True
    raise ConnectionResetError


def _flaky(h: Handler, s: LocalSite) -> tuple[int, dict[str, str], bytes | None]:
    if s.count("flaky") == 1:
        return 503, {"Content-Type": "text/html"}, b"<h1>Riprova</h1>"
    return 200, {"Content-Type": "text/html"}, bf.html("Servizio ripristinato", bf.PROSE)


def _calendar(h: Handler, s: LocalSite) -> tuple[int, dict[str, str], bytes | None]:
    """An endless calendar: every month links to the next one, for ever."""
    month = int(h.path.rsplit("=", 1)[-1])
    body = bf.html(f"Eventi sociali, mese {month}",
                   f'<a href="/eventi/calendario?mese={month + 1}">Progetti sociali del mese '
                   "successivo</a>")
    return 200, {"Content-Type": "text/html"}, body


def _path_trap(h: Handler, s: LocalSite) -> tuple[int, dict[str, str], bytes | None]:
    """A relative link that makes the path one step longer on every page."""
    body = bf.html("Progetti", '<a href="progetti/">Altri progetti sociali</a>')
    return 200, {"Content-Type": "text/html"}, body


def _gzip_bomb(h: Handler, s: LocalSite) -> tuple[int, dict[str, str], bytes | None]:
    return 200, {"Content-Type": "text/html", "Content-Encoding": "gzip"}, bf.gzip_bomb(64)


def _big_declared(h: Handler, s: LocalSite) -> tuple[int, dict[str, str], bytes | None]:
    return 200, {"Content-Type": "application/pdf", "Content-Length": str(50_000_000)}, b""


def _big_streamed(h: Handler, s: LocalSite) -> tuple[int, dict[str, str], bytes | None]:
    return (200, {"Content-Type": "application/pdf", "Connection": "close"},
            b"%PDF-1.4\n" + b"0" * 5_000_000)


# ---- the sites -------------------------------------------------------------------------------

def _main_routes(base: str, foreign: str, secret: Path) -> dict[str, Any]:
    pdf = "application/pdf"
    docx_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    odt_type = "application/vnd.oasis.opendocument.text"
    cp1252 = ("<html><head><title>Contrasto alla povertà</title></head><body><p>Il Comune ha "
              "destinato € 609.734 all’inclusione attiva: è già aperto lo sportello.</p>"
              "</body></html>").encode("windows-1252")
    return {
        "/http/404.html": _status(404),
        "/http/410.html": _status(410),
        "/http/403.html": _status(403),
        "/http/401.html": _status(401, {"WWW-Authenticate": 'Basic realm="intranet"'}),
        "/http/418.html": _status(418),
        "/http/500.html": _status(500),
        "/http/503-retry-after.html": _status(503, {"Retry-After": "1"}),
        "/http/429-retry-after-long.html": _status(429, {"Retry-After": "3600"}),
        "/http/599.html": _status(599),
        "/http/flaky.html": _flaky,
        "/http/slow-headers.html": _sleep(2.5),
        "/http/stalled-body.html": _stalled_body,
        "/http/cut-body.html": _cut_body,
        "/redirect/loop-a": _redirect("/redirect/loop-b"),
        "/redirect/loop-b": _redirect("/redirect/loop-a"),
        "/redirect/self": _redirect("/redirect/self"),
        "/redirect/long-1": _redirect("/redirect/long-2"),
        "/redirect/long-2": _redirect("/redirect/long-3"),
        "/redirect/long-3": _redirect("/redirect/long-4"),
        "/redirect/long-4": _redirect("/redirect/long-5"),
        "/redirect/long-5": _redirect(HEALTHY + "?via=lungo"),
        "/redirect/short-1": _redirect("/redirect/short-2"),
        "/redirect/short-2": _redirect("/progetti/arrivo.html"),
        "/progetti/arrivo.html": Page(bf.html("Arrivo dopo due redirect", f"<p>{bf.PROSE}</p>")),
        "/redirect/foreign": _redirect(f"{foreign}/progetti/fuori.html"),
        "/redirect/private": _redirect("http://192.168.1.1/progetti/interno.html"),
        "/redirect/file": _redirect("file:///etc/passwd"),
        "/redirect/no-location": lambda h, s: (302, {}, None),
        "/size/declared.pdf": _big_declared,
        "/size/streamed.pdf": _big_streamed,
        "/size/gzip-bomb.html": _gzip_bomb,
        "/eventi/calendario?mese=1": _calendar,
        "/eventi/calendario": _calendar,
        "/progetti/trappola/": _path_trap,
        "/files/empty.html": Page(b" \r\n\t \n", content_type="text/html"),
        "/files/empty.pdf": Page(b"", content_type=pdf),
        "/files/encrypted.pdf": Page(bf.encrypted_pdf(), content_type=pdf),
        "/files/truncated.pdf": Page(bf.truncated_pdf(), content_type=pdf),
        "/files/flate-bomb.pdf": Page(bf.pdf_flate_bomb(), content_type=pdf),
        "/files/vector-heavy.pdf": Page(bf.vector_heavy_pdf(), content_type=pdf),
        "/files/not-a-pdf.pdf": Page(b"<html><body>Errore 500</body></html>", content_type=pdf),
        "/files/tampered.txt.p7m": Page(bf.tampered_p7m(), content_type="application/pkcs7-mime"),
        "/files/truncated.txt.p7m": Page(bf.truncated_p7m(),
                                         content_type="application/pkcs7-mime"),
        "/files/billion-laughs.docx": Page(bf.docx_billion_laughs(), content_type=docx_type),
        "/files/xxe.docx": Page(bf.docx_xxe(secret), content_type=docx_type),
        "/files/zip-bomb.docx": Page(bf.docx_zip_bomb(), content_type=docx_type),
        "/files/lying-zip-bomb.docx": Page(bf.docx_lying_zip_bomb(), content_type=docx_type),
        "/files/many-entries.docx": Page(bf.zip_of_many_entries(), content_type=docx_type),
        "/files/billion-laughs.odt": Page(bf.odt_billion_laughs(), content_type=odt_type),
        "/files/xxe.odt": Page(bf.odt_xxe(secret), content_type=odt_type),
        "/charset/cp1252-as-utf8.html": Page(cp1252, content_type="text/html; charset=utf-8"),
        "/charset/utf16.html": Page(
            "\ufeff<html><body><p>Povertà educativa: € 12.000</p></body></html>".encode(
                "utf-16-le"), content_type="text/html"),
        "/charset/latin9.html": Page(
            "<html><head><meta charset='iso-8859-15'></head><body><p>Quota € 7.500 per "
            "l'inclusione</p></body></html>".encode("iso-8859-15"), content_type="text/html"),
        "/charset/unknown-name.html": Page(
            "<html><body><p>Città metropolitana: inclusione</p></body></html>".encode(),
            content_type="text/html; charset=x-non-esiste"),
        "/charset/nul-bytes.html": Page(
            b"<html><body><p>Progetto\x00 sociale\x00 attivo</p></body></html>",
            content_type="text/html"),
        "/files/deep-divs.html": Page(bf.deep_divs(), content_type="text/html"),
    }


def _index(paths: list[str], foreign: str) -> bytes:
    links = "".join(f'<li><a href="{p}">Progetto sociale {i}</a></li>'
                    for i, p in enumerate(paths))
    links += f'<li><a href="{foreign}/progetti/esterno.html">Progetto PON altrove</a></li>'
    links += f'<li><a href="{HEALTHY}">Progetto sano</a></li>'
    return bf.html("Comune di Esempio", f"<ul>{links}</ul>")


def _robots_site(robots: Any) -> LocalSite:
    site = LocalSite()
    site.start()
    routes: dict[str, Any] = {
        "/": Page(bf.html("Ambito sociale", f'<a href="{HEALTHY}">Progetto sano</a>'
                          '<a href="/riservato/bozza.html">Progetto riservato</a>')),
        HEALTHY: HEALTHY_PAGE,
        "/riservato/bozza.html": Page(bf.html("Bozza", "<p>riservata</p>")),
    }
    if robots is not None:
        routes["/robots.txt"] = robots
    site.routes.update(routes)
    return site


ROBOTS = {
    "robots-500": _status(500),
    "robots-404": None,
    "robots-garbage": Page(bytes(range(256)) * 40, content_type="text/plain"),
    "robots-disallow-all": Page(b"User-agent: *\nDisallow: /\n", content_type="text/plain"),
    "robots-crawl-delay-huge": Page(b"User-agent: *\nCrawl-delay: 3600\n",
                                    content_type="text/plain"),
    "robots-redirect-loop": _redirect("/robots.txt"),
    "robots-slow": _sleep(2.5, b"User-agent: *\nDisallow:\n"),
    "robots-bom": Page(b"\xef\xbb\xbfUser-agent: *\nDisallow: /riservato/\n",
                       content_type="text/plain"),
    "robots-huge": Page(b"# commento\n" * 60_000 + b"User-agent: *\nDisallow: /riservato/\n",
                        content_type="text/plain"),
}


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Serve every faulty site, run the stages once over all of them, keep the warehouse."""
    tmp = tmp_path_factory.mktemp("site-faults")
    secret = bf.secret_file(tmp)
    sites: dict[str, LocalSite] = {}
    try:
        foreign = LocalSite()
        foreign.start()
        foreign.routes.update({"/progetti/fuori.html": HEALTHY_PAGE,
                               "/progetti/esterno.html": HEALTHY_PAGE})
        sites["foreign"] = foreign
        foreign_base = foreign.base_url.replace("127.0.0.1", "localhost")
        main = LocalSite()
        base = main.start()
        routes = _main_routes(base, foreign_base, secret)
        main.routes.update(routes)
        main.routes["/robots.txt"] = Page(b"User-agent: *\nDisallow: /riservato/\n",
                                          content_type="text/plain")
        main.routes[HEALTHY] = HEALTHY_PAGE
        linked = [p for p in routes if not p.startswith("/redirect/long-")
                  or p == "/redirect/long-1"]
        linked = [p for p in linked if p not in ("/redirect/loop-b", "/redirect/short-2",
                                                 "/progetti/arrivo.html",
                                                 "/eventi/calendario")]
        main.routes["/"] = Page(_index(linked, foreign_base))
        sites["main"] = main
        for name, robots in ROBOTS.items():
            sites[name] = _robots_site(robots)
        for name, make in (
            ("sitemap-billion-laughs", bf.sitemap_billion_laughs),
            ("sitemap-xxe", lambda b: bf.sitemap_xxe(b, secret)),
        ):
            site = sites[name] = _robots_site(None)
            site.routes["/robots.txt"] = Page(
                f"User-agent: *\nDisallow:\nSitemap: {site.base_url}/sitemap.xml\n".encode(),
                content_type="text/plain")
            site.routes["/sitemap.xml"] = Page(make(site.base_url),
                                               content_type="application/xml")
            site.routes["/progetti/sociale.html"] = HEALTHY_PAGE
        gz = _robots_site(None)
        gz.routes["/robots.txt"] = Page(
            f"User-agent: *\nSitemap: {gz.base_url}/sitemap.xml.gz\n".encode(),
            content_type="text/plain")
        gz.routes["/sitemap.xml.gz"] = Page(bf.sitemap_gzip_bomb(),
                                            content_type="application/gzip")
        sites["sitemap-gzip-bomb"] = gz

        sources = [
            "[crawler]\nretries = 1\nbackoff = 0.01\ntimeout = 1\nmax_redirects = 3\n"
            "max_bytes = 4000000\nmax_delay = 1\nconcurrency = 4\n"
            'allow_private = ["127.0.0.0/8"]\nmax_duration = 240\n'
        ]
        for name, site in sites.items():
            if name == "foreign":
                continue
            sources.append(
                f'[[sources]]\nid = "{name}"\nentity = "Comune {name}"\n'
                f'start_urls = ["{site.base_url}/"]\nmax_depth = 4\nmax_pages = 120\n'
            )
        sources_file = tmp / "sources.toml"
        sources_file.write_text("\n".join(sources), encoding="utf-8")
        project = tmp / "project"
        project.mkdir()
        started = time.monotonic()
        result = run_stages(project, sources_file)
        result["seconds"] = time.monotonic() - started
        result["sites"] = sites
        result["secret"] = secret
        yield result
    finally:
        for site in sites.values():
            site.stop()


# ---- what the warehouse says -------------------------------------------------------------------


def _problems(crawl: dict[str, Any], url_part: str, stage: str | None = None) -> list[str]:
    sql = "SELECT reason FROM problems WHERE url LIKE ?"
    params: list[Any] = [f"%{url_part}%"]
    if stage:
        sql += " AND stage = ?"
        params.append(stage)
    return [r[0] for r in query(crawl["warehouse"], sql, params)]


def _problem(crawl: dict[str, Any], url_part: str, stage: str, pattern: str) -> str:
    reasons = _problems(crawl, url_part, stage)
    assert reasons, f"no {stage} problem recorded for {url_part}"
    hits = [r for r in reasons if re.search(pattern, r, re.IGNORECASE)]
    assert hits, f"{url_part}: {reasons!r} do not match {pattern!r}"
    assert all(len(r) < 2000 and "Traceback" not in r for r in hits)
    return hits[0]


def _document(crawl: dict[str, Any], url_part: str) -> dict[str, Any]:
    rows = query(crawl["warehouse"],
                 "SELECT sha256, text, metadata::VARCHAR, signature_intact, pages "
                 "FROM documents WHERE url LIKE ?", [f"%{url_part}%"])
    assert rows, f"no document from {url_part}"
    sha, text, meta, intact, pages = rows[0]
    return {"sha256": sha, "text": text, "metadata": meta, "intact": intact, "pages": pages}


def _parsed_or_problem(crawl: dict[str, Any], url_part: str, pattern: str) -> str:
    """A bounded result: either a document, or a parse problem with a readable reason."""
    reasons = _problems(crawl, url_part, "parse")
    if reasons:
        return _problem(crawl, url_part, "parse", pattern)
    return _document(crawl, url_part)["text"]


def _hits(crawl: dict[str, Any], site: str, prefix: str) -> list[str]:
    return [h.path for h in crawl["sites"][site].hits if h.path.startswith(prefix)]


# ---- the cases ---------------------------------------------------------------------------------

CASES: dict[str, Callable[[dict[str, Any]], None]] = {}


def case(name: str) -> Callable[[Callable[[dict[str, Any]], None]], Callable]:
    def add(fn: Callable[[dict[str, Any]], None]) -> Callable:
        CASES[name] = fn
        return fn
    return add


@case("run-goes-on")
def _(c: dict[str, Any]) -> None:
    for name in c["sites"]:
        if name in ("foreign", "robots-500", "robots-disallow-all", "robots-slow",
                    "robots-redirect-loop"):
            continue
        rows = query(c["warehouse"], "SELECT count(*) FROM fetches f JOIN documents d"
                     " USING (sha256) WHERE f.url LIKE ?",
                     [f"{c['sites'][name].base_url}{HEALTHY}%"])
        assert rows[0][0] >= 1, f"{name}: the healthy page did not reach the warehouse"
    assert c["seconds"] < 240


for code in (404, 410, 403, 401, 418, 599):
    def _status_case(c: dict[str, Any], code: int = code) -> None:
        _problem(c, f"/http/{code}.html", "fetch", rf"^HTTP {code}\b")
    case(f"http-{code}")(_status_case)


@case("http-500-retried")
def _(c: dict[str, Any]) -> None:
    _problem(c, "/http/500.html", "fetch", r"HTTP 500 .*after 2 attempts")


@case("http-503-retry-after-honoured")
def _(c: dict[str, Any]) -> None:
    _problem(c, "/http/503-retry-after.html", "fetch", r"HTTP 503 .*after 2 attempts")
    times = [h.at for h in c["sites"]["main"].hits if h.path == "/http/503-retry-after.html"]
    assert len(times) == 2 and times[1] - times[0] >= 0.9  # waited the second asked for


@case("http-429-retry-after-too-long")
def _(c: dict[str, Any]) -> None:
    _problem(c, "/http/429-retry-after-long.html", "fetch", r"HTTP 429.*Retry-After|HTTP 429")
    assert _hits(c, "main", "/http/429").__len__() == 1  # not waited for, not asked again


@case("http-flaky-then-ok")
def _(c: dict[str, Any]) -> None:
    assert "ripristinato" in _document(c, "/http/flaky.html")["text"].lower()
    assert not _problems(c, "/http/flaky.html")


@case("timeout-headers")
def _(c: dict[str, Any]) -> None:
    _problem(c, "/http/slow-headers.html", "fetch", r"timeout after 1s.*after 2 attempts")


@case("timeout-stalled-body")
def _(c: dict[str, Any]) -> None:
    _problem(c, "/http/stalled-body.html", "fetch", r"timeout after 1s|connection error")


@case("connection-cut-mid-body")
def _(c: dict[str, Any]) -> None:
    _problem(c, "/http/cut-body.html", "fetch", r"connection error|incomplete|closed")


@case("redirect-loop")
def _(c: dict[str, Any]) -> None:
    _problem(c, "/redirect/loop-a", "fetch", r"redirect loop")


@case("redirect-to-itself")
def _(c: dict[str, Any]) -> None:
    _problem(c, "/redirect/self", "fetch", r"redirect loop")
    assert len(_hits(c, "main", "/redirect/self")) <= 2


@case("redirect-chain-too-long")
def _(c: dict[str, Any]) -> None:
    _problem(c, "/redirect/long-1", "fetch", r"more than 3 redirects")
    assert len(_hits(c, "main", "/redirect/long-")) == 4  # max_redirects + 1 requests


@case("redirect-chain-within-limit")
def _(c: dict[str, Any]) -> None:
    assert _document(c, "/progetti/arrivo.html")["text"]
    assert not _problems(c, "/redirect/short-1")


@case("redirect-to-foreign-host")
def _(c: dict[str, Any]) -> None:
    _problem(c, "/redirect/foreign", "fetch", r"outside the allowed hosts")
    assert not c["sites"]["foreign"].hits


@case("link-to-foreign-host-not-followed")
def _(c: dict[str, Any]) -> None:
    assert not c["sites"]["foreign"].hits
    assert not _problems(c, "/progetti/esterno.html")


@case("redirect-to-private-address")
def _(c: dict[str, Any]) -> None:
    _problem(c, "/redirect/private", "fetch", r"192\.168\.1\.1.*(private|not allowed)")


@case("redirect-to-file-scheme")
def _(c: dict[str, Any]) -> None:
    _problem(c, "/redirect/file", "fetch", r"file")


@case("redirect-without-location")
def _(c: dict[str, Any]) -> None:
    _problem(c, "/redirect/no-location", "fetch", r"redirect without a Location")


@case("size-cap-declared")
def _(c: dict[str, Any]) -> None:
    _problem(c, "/size/declared.pdf", "fetch", r"Content-Length 50000000 bytes exceeds max_bytes")


@case("size-cap-streamed")
def _(c: dict[str, Any]) -> None:
    _problem(c, "/size/streamed.pdf", "fetch", r"more than max_bytes 4000000")


@case("gzip-bomb")
def _(c: dict[str, Any]) -> None:
    _problem(c, "/size/gzip-bomb.html", "fetch", r"more than max_bytes 4000000")


@case("calendar-trap")
def _(c: dict[str, Any]) -> None:
    months = _hits(c, "main", "/eventi/calendario")
    assert 1 <= len(months) <= 5  # bounded by max_depth 4, not by patience


@case("path-trap")
def _(c: dict[str, Any]) -> None:
    deepest = max(_hits(c, "main", "/progetti/trappola/"), key=len)
    assert deepest.count("progetti/") <= 5


@case("empty-html-body")
def _(c: dict[str, Any]) -> None:
    _problem(c, "/files/empty.html", "parse", r"empty")


@case("empty-pdf-body")
def _(c: dict[str, Any]) -> None:
    _problem(c, "/files/empty.pdf", "parse", r"empty body")


@case("pdf-encrypted")
def _(c: dict[str, Any]) -> None:
    _problem(c, "/files/encrypted.pdf", "parse", r"password|encrypt")


@case("pdf-truncated")
def _(c: dict[str, Any]) -> None:
    out = _parsed_or_problem(c, "/files/truncated.pdf", r"truncat|damaged|corrupt|cannot|not")
    assert out


@case("pdf-not-a-pdf")
def _(c: dict[str, Any]) -> None:
    _problem(c, "/files/not-a-pdf.pdf", "parse", r"not a PDF")


@case("pdf-flate-bomb")
def _(c: dict[str, Any]) -> None:
    _parsed_or_problem(c, "/files/flate-bomb.pdf", r"inflat|limit|too large|bytes")


@case("pdf-vector-heavy")
def _(c: dict[str, Any]) -> None:
    assert "Planimetria" in _document(c, "/files/vector-heavy.pdf")["text"]


@case("p7m-tampered")
def _(c: dict[str, Any]) -> None:
    doc = _document(c, "/files/tampered.txt.p7m")
    assert doc["intact"] is False and "920.000,00" in doc["text"]
    assert "the content was altered" in doc["metadata"]


@case("p7m-truncated")
def _(c: dict[str, Any]) -> None:
    _problem(c, "/files/truncated.txt.p7m", "parse", r"p7m|signed|envelope|truncat|ASN")


@case("docx-billion-laughs")
def _(c: dict[str, Any]) -> None:
    text = _parsed_or_problem(c, "/files/billion-laughs.docx", r"entit|docx|xml|limit")
    assert "lollollol" not in text


@case("docx-xxe")
def _(c: dict[str, Any]) -> None:
    text = _parsed_or_problem(c, "/files/xxe.docx", r"entit|docx|xml")
    assert bf.SECRET not in text
    assert not query(c["warehouse"], "SELECT 1 FROM documents WHERE text LIKE ?",
                     [f"%{bf.SECRET}%"])


@case("docx-zip-bomb")
def _(c: dict[str, Any]) -> None:
    _problem(c, "/files/zip-bomb.docx", "parse", r"bomb|inflat|too large|limit|MB")


@case("docx-zip-bomb-lying-sizes")
def _(c: dict[str, Any]) -> None:
    _problem(c, "/files/lying-zip-bomb.docx", "parse", r"CRC|corrupt|unreadable|bomb")


@case("docx-many-entries")
def _(c: dict[str, Any]) -> None:
    _parsed_or_problem(c, "/files/many-entries.docx", r"entries|files|zip|limit")


@case("odt-billion-laughs")
def _(c: dict[str, Any]) -> None:
    text = _parsed_or_problem(c, "/files/billion-laughs.odt", r"entit|odt|xml|limit")
    assert "lollollol" not in text


@case("odt-xxe")
def _(c: dict[str, Any]) -> None:
    text = _parsed_or_problem(c, "/files/xxe.odt", r"entit|odt|xml")
    assert bf.SECRET not in text


@case("charset-cp1252-served-as-utf8")
def _(c: dict[str, Any]) -> None:
    text = _document(c, "/charset/cp1252-as-utf8.html")["text"]
    assert "è già aperto" in text and "€ 609.734" in text


@case("charset-utf16-bom")
def _(c: dict[str, Any]) -> None:
    assert "Povertà educativa: € 12.000" in _document(c, "/charset/utf16.html")["text"]


@case("charset-iso-8859-15-meta")
def _(c: dict[str, Any]) -> None:
    assert "€ 7.500" in _document(c, "/charset/latin9.html")["text"]


@case("charset-unknown-name")
def _(c: dict[str, Any]) -> None:
    assert "Città metropolitana" in _document(c, "/charset/unknown-name.html")["text"]


@case("nul-bytes-in-html")
def _(c: dict[str, Any]) -> None:
    text = _document(c, "/charset/nul-bytes.html")["text"]
    assert "Progetto" in text and "\x00" not in text


@case("html-100000-nested-divs")
def _(c: dict[str, Any]) -> None:
    doc = _document(c, "/files/deep-divs.html")
    assert "euro 5.000,00" in doc["text"] and "nested deeper" in doc["metadata"]
    assert query(c["warehouse"], "SELECT count(*) FROM claims WHERE sha256 = ? AND kind = "
                 "'amount'", [doc["sha256"]])[0][0] >= 1


@case("robots-500-skips-host")
def _(c: dict[str, Any]) -> None:
    base = c["sites"]["robots-500"].base_url
    _problem(c, base + "/", "fetch", r"robots\.txt of .* could not be read.*HTTP 500")
    assert _hits(c, "robots-500", HEALTHY) == []


@case("robots-404-allows-all")
def _(c: dict[str, Any]) -> None:
    assert _hits(c, "robots-404", "/riservato/bozza.html")


@case("robots-garbage-bytes")
def _(c: dict[str, Any]) -> None:
    assert _hits(c, "robots-garbage", HEALTHY)


@case("robots-disallow-all")
def _(c: dict[str, Any]) -> None:
    base = c["sites"]["robots-disallow-all"].base_url
    _problem(c, base + "/", "fetch", r"disallowed by .*robots\.txt")
    assert _hits(c, "robots-disallow-all", "/") == ["/robots.txt"]


@case("robots-crawl-delay-capped")
def _(c: dict[str, Any]) -> None:
    base = c["sites"]["robots-crawl-delay-huge"].base_url
    _problem(c, base + "/robots.txt", "fetch", r"Crawl-delay.*3600")


@case("robots-redirect-loop")
def _(c: dict[str, Any]) -> None:
    base = c["sites"]["robots-redirect-loop"].base_url
    assert len(_hits(c, "robots-redirect-loop", "/robots.txt")) <= 10
    assert _problems(c, base + "/") or _hits(c, "robots-redirect-loop", HEALTHY)


@case("robots-timeout")
def _(c: dict[str, Any]) -> None:
    base = c["sites"]["robots-slow"].base_url
    _problem(c, base + "/", "fetch", r"robots\.txt of .* could not be read.*timeout")


@case("robots-utf8-bom")
def _(c: dict[str, Any]) -> None:
    base = c["sites"]["robots-bom"].base_url
    _problem(c, base + "/riservato/bozza.html", "fetch", r"disallowed by")


@case("robots-over-500-kib")
def _(c: dict[str, Any]) -> None:
    assert _hits(c, "robots-huge", HEALTHY)


@case("sitemap-billion-laughs")
def _(c: dict[str, Any]) -> None:
    paths = [h.path for h in c["sites"]["sitemap-billion-laughs"].hits]
    assert not any("lol" in p or len(p) > 200 for p in paths)  # never expanded
    assert _hits(c, "sitemap-billion-laughs", HEALTHY)  # the crawl went on


@case("sitemap-xxe")
def _(c: dict[str, Any]) -> None:
    hits = c["sites"]["sitemap-xxe"].hits
    assert not any(bf.SECRET in h.path for h in hits)
    assert not any(h.path == "/esterno.dtd" for h in hits)  # no network entity either
    assert not _problems(c, bf.SECRET)


@case("sitemap-gzip-bomb")
def _(c: dict[str, Any]) -> None:
    assert _hits(c, "sitemap-gzip-bomb", HEALTHY)


@pytest.mark.parametrize("name", list(CASES))
def test_fault(crawl: dict[str, Any], name: str) -> None:
    CASES[name](crawl)
