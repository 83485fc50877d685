"""Many small municipal sites on loopback addresses, one each, served by one asyncio process.

    .venv/bin/python bench/national_sites.py N

Run as its own process by bench/bench_national_crawl.py, so that the servers' CPU is not
counted in the crawler's. Each site has a robots.txt (``Crawl-delay`` and a ``Sitemap`` line),
a sitemap listing its five pages, and the pages themselves (a home page linking the other four).
Keep-alive HTTP/1.1, a few hundred bytes per answer: as cheap as serving can be in Python.

Site ``n`` listens on 127.x.y.z (``address(n)``: its own host, as a municipality's site is,
so a crawl may split the sites between processes by host) on a port of its own. Prints one
JSON line ``{"sites": ["127.0.1.1:PORT", ...], "control": PORT}`` when listening.
``GET /stats`` on the control port answers the requests served, the CPU seconds of this
process and, per host, the shortest gap seen between two request arrivals (the politeness the
crawler kept).
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time

PAGES = ("/", "/progetti/1.html", "/progetti/2.html", "/progetti/3.html", "/progetti/4.html")
CRAWL_DELAY = 0.5
# This server notes a request when its event loop gets to it, a few milliseconds after it
# arrived when the loop is busy: a gap shorter than the delay by less than this is that noise.
JITTER = 0.01


def _answer(status: str, ctype: str, body: bytes) -> bytes:
    head = (f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n"
            "\r\n").encode()
    return head + body


def address(n: int) -> str:
    """Site ``n``'s own loopback address (127.0.0.0/8 is all loopback on Linux)."""
    return f"127.{n // 62500 % 250}.{n // 250 % 250 + 1}.{n % 250 + 1}"


def site_routes(host: str, port: int) -> dict[bytes, bytes]:
    """The whole answer (status line to body) for every path of the site at ``host:port``."""
    base = f"http://{host}:{port}"
    robots = (f"User-agent: *\nCrawl-delay: {CRAWL_DELAY:g}\nDisallow: /privato/\n"
              f"Sitemap: {base}/sitemap.xml\n").encode()
    sitemap = ('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/'
               '0.9">' + "".join(f"<url><loc>{base}{p}</loc></url>" for p in PAGES)
               + "</urlset>").encode()
    links = "".join(f'<li><a href="{p}">Progetto di inclusione sociale {n}</a></li>'
                    for n, p in enumerate(PAGES[1:], 1))
    routes = {
        b"/robots.txt": _answer("200 OK", "text/plain", robots),
        b"/sitemap.xml": _answer("200 OK", "application/xml", sitemap),
        b"/": _answer("200 OK", "text/html; charset=utf-8", (
            f"<html><head><title>Comune {port}</title></head><body><h1>Comune {port}</h1>"
            f"<ul>{links}</ul></body></html>").encode()),
    }
    text = "Interventi di inclusione sociale e contrasto alla povertà. " * 6
    for n, path in enumerate(PAGES[1:], 1):
        routes[path.encode()] = _answer("200 OK", "text/html; charset=utf-8", (
            f"<html><head><title>Progetto {n}</title></head><body><h1>Progetto {n} del "
            f'comune {port}</h1><p>{text}</p><a href="/">Home</a></body></html>').encode())
    return routes


NOT_FOUND = _answer("404 Not Found", "text/plain", b"not found")


class Stats:
    def __init__(self) -> None:
        self.requests = 0
        self.last: dict[int, float] = {}
        self.min_gap: dict[int, float] = {}
        self.min_later_gap: dict[int, float] = {}  # gaps after a connection's first request
        self.first: dict[int, bool] = {}  # whether the last request opened its connection

    def hit(self, port: int, first_on_connection: bool) -> None:
        now = time.monotonic()
        self.requests += 1
        last = self.last.get(port)
        if last is not None:
            gap = now - last
            if gap < self.min_gap.get(port, float("inf")):
                self.min_gap[port] = gap
            if not self.first.get(port) and gap < self.min_later_gap.get(port, float("inf")):
                self.min_later_gap[port] = gap
        self.last[port] = now
        self.first[port] = first_on_connection

    def as_json(self) -> bytes:
        gaps = sorted(self.min_gap.values())
        later = sorted(self.min_later_gap.values())
        return json.dumps({
            # A connection's first request is noted later than the rest (accepting it and
            # starting its handler come first on a busy loop), so gaps from it look shorter.
            "min_later_gap": later[0] if later else None,
            "requests": self.requests,
            "cpu_seconds": time.process_time(),
            "hosts": len(self.last),
            "min_gap": gaps[0] if gaps else None,
            "gaps_below_delay": sum(1 for g in gaps if g < CRAWL_DELAY - JITTER),
        }).encode()


async def serve_site(port: int, routes: dict[bytes, bytes], stats: Stats,
                     reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    first = True
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            stats.hit(port, first)
            first = False
            path = head.split(b" ", 2)[1].split(b"?", 1)[0]
            writer.write(routes.get(path, NOT_FOUND))
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, IndexError):
        pass
    finally:
        writer.close()


async def serve_control(stats: Stats, reader: asyncio.StreamReader,
                        writer: asyncio.StreamWriter) -> None:
    try:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(_answer("200 OK", "application/json", stats.as_json()))
        await writer.drain()
    finally:
        writer.close()


async def main(n: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if n * 2 + 64 > hard:
        raise SystemExit(f"{n} sites need about {n * 2 + 64} open files; the limit is {hard}")
    stats = Stats()
    servers = []
    ports = []
    for site in range(n):
        host = address(site)

        def handler(r: asyncio.StreamReader, w: asyncio.StreamWriter,
                    site: int = site) -> asyncio.Future:
            return serve_site(site, holder_routes[site], stats, r, w)

        server = await asyncio.start_server(handler, host, 0, backlog=64)
        port = server.sockets[0].getsockname()[1]
        holder_routes[site] = site_routes(host, port)
        servers.append(server)
        ports.append(f"{host}:{port}")
    control = await asyncio.start_server(lambda r, w: serve_control(stats, r, w), "127.0.0.1", 0)
    sys.stdout.write(json.dumps({"sites": ports,
                                 "control": control.sockets[0].getsockname()[1]}) + "\n")
    sys.stdout.flush()
    await asyncio.Event().wait()  # until the benchmark ends this process


holder_routes: dict[int, dict[bytes, bytes]] = {}  # site number -> its answers

if __name__ == "__main__":
    try:
        asyncio.run(main(int(sys.argv[1])))
    except KeyboardInterrupt:
        pass
