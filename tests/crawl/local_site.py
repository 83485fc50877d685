"""A small municipal web site served on 127.0.0.1 for crawler tests and benchmarks.

It answers conditional requests like a well-behaved server (ETag and Last-Modified on every
static page), and logs every request so tests can assert what the crawler asked for.
"""

from __future__ import annotations

import hashlib
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

LAST_MODIFIED = formatdate(1_700_000_000, usegmt=True)  # 14 Nov 2023


@dataclass
class Page:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    validators: bool = True  # send ETag / Last-Modified and answer 304


# A dynamic route returns (status, headers, body); body None means "no body".
Dynamic = Callable[["Handler", "LocalSite"], tuple[int, dict[str, str], bytes | None]]


@dataclass
class Hit:
    path: str
    status: int
    conditional: bool
    at: float


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        pass

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes: without this, Nagle's algorithm and
        # delayed ACKs add ~40 ms to every keep-alive response.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        site = self.server.site
        path = urlsplit(self.path).path
        route = site.routes.get(self.path) or site.routes.get(path)
        conditional = bool(self.headers.get("If-None-Match") or
                           self.headers.get("If-Modified-Since"))
        hit = Hit(self.path, 0, conditional, time.monotonic())
        site.record(hit)  # on arrival, so slow answers are counted too
        try:
            if route is None:
                status, headers, body = 404, {"Content-Type": "text/html"}, b"<h1>Non trovato</h1>"
            elif callable(route):
                status, headers, body = route(self, site)
            else:
                status, headers, body = self._static(route)
            hit.status = status
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if body is not None and "Content-Length" not in headers and \
                    headers.get("Connection") != "close":
                self.send_header("Content-Length", str(len(body)))
            elif body is None:
                self.send_header("Content-Length", "0")
            self.end_headers()
            if body:
                self.wfile.write(body)
            if headers.get("Connection") == "close":
                self.close_connection = True
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _static(self, page: Page) -> tuple[int, dict[str, str], bytes | None]:
        headers = {"Content-Type": page.content_type, **page.headers}
        if page.validators and page.status == 200:
            etag = '"' + hashlib.sha1(page.body).hexdigest()[:16] + '"'
            headers["ETag"] = etag
            headers["Last-Modified"] = LAST_MODIFIED
            if self.headers.get("If-None-Match") == etag or (
                not self.headers.get("If-None-Match")
                and self.headers.get("If-Modified-Since") == LAST_MODIFIED
            ):
                return 304, {"ETag": etag}, None
        return page.status, headers, page.body


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    site: LocalSite

    def handle_error(self, request, client_address) -> None:  # client went away: fine
        pass


class LocalSite:
    """Serve ``routes`` (path -> Page or dynamic function) on 127.0.0.1 in a background thread."""

    def __init__(self, routes: dict[str, Page | Dynamic] | None = None,
                 address: str = "127.0.0.1") -> None:
        """``address``: any of 127.0.0.0/8 gives the site a host of its own."""
        self.routes: dict[str, Page | Dynamic] = routes or {}
        self.address = address
        self.hits: list[Hit] = []
        self.state: dict[str, int] = Counter()
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def record(self, hit: Hit) -> None:
        with self._lock:
            self.hits.append(hit)

    def count(self, key: str) -> int:
        """Bump and return a per-key counter (for routes that change between requests)."""
        with self._lock:
            self.state[key] += 1
            return self.state[key]

    def start(self) -> str:
        self._server = _Server((self.address, 0), Handler)
        self._server.site = self
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self.base_url

    @property
    def base_url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def paths_hit(self) -> Counter[str]:
        with self._lock:
            return Counter(h.path for h in self.hits)

    def reset_log(self) -> None:
        with self._lock:
            self.hits.clear()


# ---- the municipal test site ----------------------------------------------------------------

def _html(title: str, body: str, head: str = "") -> bytes:
    return (
        "<!doctype html><html lang=\"it\"><head><meta charset=\"utf-8\">"
        f"<title>{title}</title>{head}</head><body><h1>{title}</h1>{body}</body></html>"
    ).encode()


FAKE_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
SIGNED = b"\x30\x80\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02\xa0\x80" + b"determina firmata" * 20
SLOW_SECONDS = 2.0
BIG = 300_000  # bytes; tests set max_bytes below this


def _flaky(handler: Handler, site: LocalSite) -> tuple[int, dict[str, str], bytes | None]:
    """Fails with 500 on its first request only, then behaves like a static page."""
    if site.count("instabile") == 1:
        return 500, {"Content-Type": "text/html"}, b"<h1>Errore temporaneo</h1>"
    return handler._static(Page(_html("Servizio ripristinato", "<p>Sportello sociale.</p>")))


def _slow(handler: Handler, site: LocalSite) -> tuple[int, dict[str, str], bytes | None]:
    time.sleep(SLOW_SECONDS)
    return 200, {"Content-Type": "text/html"}, _html("Pagina lenta", "<p>In ritardo.</p>")


def _loop_a(handler: Handler, site: LocalSite) -> tuple[int, dict[str, str], bytes | None]:
    return 302, {"Location": "/giro/b"}, None


def _loop_b(handler: Handler, site: LocalSite) -> tuple[int, dict[str, str], bytes | None]:
    return 302, {"Location": "/giro/a"}, None


def _to_private(handler: Handler, site: LocalSite) -> tuple[int, dict[str, str], bytes | None]:
    return 302, {"Location": "http://192.168.1.1/interno.html"}, None


def _big_streamed(handler: Handler, site: LocalSite) -> tuple[int, dict[str, str], bytes | None]:
    """No Content-Length: the crawler must stop reading once the cap is passed."""
    return 200, {"Content-Type": "application/pdf", "Connection": "close"}, b"%PDF-1.4\n" + \
        b"0" * BIG


def municipal_site() -> LocalSite:
    """The site the crawler tests run against; URLs are filled in by the fixture."""
    return LocalSite()


def install_municipal_routes(site: LocalSite) -> None:
    base = site.base_url
    cp1252_page = (
        "<html><head><title>Contrasto alla povertà</title></head><body>"
        "<p>Il Comune ha destinato € 609.734 all’inclusione attiva: è già aperto lo sportello "
        "e più di settecento famiglie hanno presentato domanda.</p>"
        "<p><a href=\"/misure/m-17.html\">Misure contro la povertà</a></p>"
        "</body></html>"
    ).encode("windows-1252")
    index = _html(
        "Comune di Esempio",
        """
        <ul>
          <li><a href="/notizie/sia-rei.html">Notizie SIA e REI</a></li>
          <li><a href="/progetti/massa.html?utm_source=newsletter&amp;utm_medium=email#top">
              Progetto PON Inclusione</a></li>
          <li><a href="/progetti/massa.html/">Scheda del progetto (di nuovo)</a></li>
          <li><a href="/atti/determina-12.pdf">Determina n. 12</a></li>
          <li><a href="/atti/delibera-firmata.pdf.p7m">Delibera firmata</a></li>
          <li><a href="/mancante.html">Progetto archiviato</a></li>
          <li><a href="/instabile.html">Sportello sociale</a></li>
          <li><a href="/lento.html">Sociale: pagina lenta</a></li>
          <li><a href="/giro/a">Progetto in giro</a></li>
          <li><a href="/allegati/grande.pdf">Allegato molto grande</a></li>
          <li><a href="/allegati/grande-flusso.pdf">Allegato senza lunghezza</a></li>
          <li><a href="/archivio/cp1252.html">Archivio sociale</a></li>
          <li><a href="/scheda-progetto">Scheda progetto (PDF)</a></li>
          <li><a href="/riservato/bozza.html">Progetto riservato</a></li>
          <li><a href="/vai-interno">Progetto nella rete interna</a></li>
          <li><a href="http://10.0.0.1/atti/determina.pdf">Determina sul server interno</a></li>
          <li><a href="http://192.168.1.1/">Router</a></li>
          <li><a href="file:///etc/passwd">File locale</a></li>
          <li><a href="mailto:urp@example.org">Scrivici</a></li>
          <li><a href="https://www.example.org/pon-inclusione">Sito esterno sul PON</a></li>
          <li><a href="/orari.html">Orari degli uffici</a></li>
        </ul>""",
        head='<link rel="alternate" type="application/rss+xml" href="/feed.rss" title="Notizie">',
    )
    site.routes.update({
        "/robots.txt": Page(
            f"User-agent: *\nDisallow: /riservato/\n\nSitemap: {base}/sitemap.xml\n".encode(),
            content_type="text/plain",
        ),
        "/sitemap.xml": Page(
            f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>{base}/</loc></url>
  <url><loc>{base}/notizie/sia-rei.html</loc><lastmod>2023-11-14T08:00:00+00:00</lastmod></url>
  <url><loc>{base}/notizie/protocollo-cpi.html</loc><lastmod>2023-11-10</lastmod></url>
  <url><loc>{base}/riservato/interno.html</loc></url>
</urlset>""".encode(),
            content_type="application/xml",
        ),
        "/feed.rss": Page(
            f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Notizie dal Comune</title><link>{base}/</link>
  <item><title>Avviso per il reddito di inclusione</title>
        <link>{base}/notizie/avviso-rei.html</link>
        <pubDate>Tue, 14 Nov 2023 09:00:00 GMT</pubDate></item>
</channel></rss>""".encode(),
            content_type="application/rss+xml",
        ),
        "/": Page(index),
        "/notizie/sia-rei.html": Page(_html("Sostegno per l'inclusione attiva", (
            "<p>Assegnati 609.734 euro del PON Inclusione 2014-2020.</p>"
            '<a href="/atti/relazione-sia.pdf">Relazione</a>'))),
        "/notizie/protocollo-cpi.html": Page(_html("Protocollo con il Centro per l'impiego",
                                                   "<p>Équipe multidisciplinari.</p>")),
        "/notizie/avviso-rei.html": Page(_html("Avviso REI", "<p>Domande entro marzo.</p>")),
        "/progetti/massa.html": Page(_html("Progetto Avviso 3/2016", (
            "<p>Finanziamento di 496.931,00 euro.</p>"
            '<a href="/progetti/massa.html#risultati">Risultati</a>'))),
        "/atti/determina-12.pdf": Page(FAKE_PDF, content_type="application/pdf"),
        "/atti/relazione-sia.pdf": Page(FAKE_PDF + b"%relazione\n", content_type="application/pdf"),
        "/atti/delibera-firmata.pdf.p7m": Page(SIGNED, content_type="application/pkcs7-mime"),
        "/instabile.html": _flaky,
        "/lento.html": _slow,
        "/giro/a": _loop_a,
        "/giro/b": _loop_b,
        "/allegati/grande.pdf": Page(b"%PDF-1.4\n" + b"0" * BIG, content_type="application/pdf"),
        "/allegati/grande-flusso.pdf": _big_streamed,
        "/archivio/cp1252.html": Page(cp1252_page, content_type="text/html; charset=utf-8"),
        "/misure/m-17.html": Page(_html("Misura 17", "<p>Carta acquisti.</p>")),
        "/scheda-progetto": Page(FAKE_PDF + b"%scheda\n", content_type="text/html"),
        "/riservato/bozza.html": Page(_html("Bozza", "<p>Non pubblica.</p>")),
        "/riservato/interno.html": Page(_html("Interno", "<p>Non pubblica.</p>")),
        "/vai-interno": _to_private,
        "/orari.html": Page(_html("Orari", (
            '<a href="/turismo/spiagge.html">Spiagge</a>'
            '<a href="/progetti/pon-metro.html">PON Metro</a>'))),
        "/turismo/spiagge.html": Page(_html("Spiagge", "<p>Mare.</p>")),
        "/progetti/pon-metro.html": Page(_html("PON Metro", "<p>Asse 3.</p>")),
    })
