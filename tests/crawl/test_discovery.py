"""Links, sitemaps and feeds read from bytes as sites serve them."""

from __future__ import annotations

import gzip
from datetime import datetime

from crawl.discovery import decode_html, html_links, parse_date, parse_feed, parse_sitemap


def test_links_with_anchor_text_base_and_feeds() -> None:
    page = b"""<html><head><base href="http://x.it/sez/">
      <link rel="alternate" type="application/rss+xml" href="/feed.xml"></head>
      <body><a href="a.html">Progetto <b>PON</b></a>
      <a href="/doc.pdf"><img alt="Determina 12"></a>
      <a href="#top">su</a><a href="mailto:a@x.it">mail</a>
      <iframe src="/viewer/atto.pdf"></iframe></body></html>"""
    found = html_links(page, "http://x.it/index.html")
    assert [(link.url, link.text) for link in found.links] == [
        ("http://x.it/sez/a.html", "Progetto PON"),
        ("http://x.it/doc.pdf", "Determina 12"),
        ("http://x.it/viewer/atto.pdf", ""),
    ]
    assert found.feeds == ["http://x.it/feed.xml"]


def test_windows_1252_page_served_as_utf8() -> None:
    body = "<p>Contributo di € 609.734 per la povertà “estrema”</p>".encode("windows-1252")
    text, encoding = decode_html(body, "text/html; charset=utf-8")
    assert encoding == "windows-1252"
    assert "€ 609.734" in text and "povertà" in text and "“estrema”" in text


def test_meta_charset_and_xml_declaration() -> None:
    body = ('<?xml version="1.0" encoding="iso-8859-1"?><html><head>'
            '<meta charset="iso-8859-1"></head><body><a href="/x">Città</a></body></html>'
            ).encode("latin-1")
    assert html_links(body, "http://x.it/").links[0].text == "Città"


def test_sitemap_index_urlset_gzip_and_text() -> None:
    index = b"""<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <sitemap><loc>http://x.it/s1.xml.gz</loc></sitemap></sitemapindex>"""
    assert parse_sitemap(index, "http://x.it/sitemap.xml") == (
        "index", [parse_sitemap(index, "")[1][0]])
    urlset = b"""<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <url><loc>http://x.it/a</loc><lastmod>2024-03-01T10:00:00+01:00</lastmod></url>
      <url><loc>http://x.it/b</loc><lastmod>2024-03-02</lastmod></url></urlset>"""
    kind, entries = parse_sitemap(gzip.compress(urlset), "http://x.it/s1.xml.gz")
    assert kind == "urlset"
    assert [(e.url, e.lastmod) for e in entries] == [
        ("http://x.it/a", datetime(2024, 3, 1, 9, 0)),
        ("http://x.it/b", datetime(2024, 3, 2, 23, 59, 59)),
    ]
    kind, entries = parse_sitemap(b"http://x.it/c\nhttp://x.it/d\n", "http://x.it/s.txt")
    assert [e.url for e in entries] == ["http://x.it/c", "http://x.it/d"]


def test_xml_entities_are_not_expanded() -> None:
    bomb = b"""<?xml version="1.0"?><!DOCTYPE u [<!ENTITY e SYSTEM "file:///etc/passwd">]>
      <urlset><url><loc>http://x.it/&e;</loc></url></urlset>"""
    _, entries = parse_sitemap(bomb, "http://x.it/")
    assert all("root:" not in e.url for e in entries)


def test_rss_and_atom() -> None:
    rss = b"""<?xml version="1.0"?><rss version="2.0"><channel>
      <item><title>Avviso  REI</title><link>http://x.it/rei</link>
      <pubDate>Tue, 14 Nov 2023 09:00:00 +0100</pubDate></item></channel></rss>"""
    (entry,) = parse_feed(rss, "http://x.it/feed")
    assert (entry.url, entry.title, entry.lastmod) == (
        "http://x.it/rei", "Avviso REI", datetime(2023, 11, 14, 8, 0))
    atom = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">
      <entry><title>PN Metro</title><link rel="enclosure" href="/x.pdf"/>
      <link href="/notizie/pn-metro"/><updated>2024-01-05T12:00:00Z</updated></entry></feed>"""
    (entry,) = parse_feed(atom, "http://x.it/atom")
    assert entry.url == "http://x.it/notizie/pn-metro"
    assert entry.lastmod == datetime(2024, 1, 5, 12, 0)


def test_dates() -> None:
    assert parse_date("") is None and parse_date("ieri") is None
    assert parse_date("2024-05-19T10:00:00Z") == datetime(2024, 5, 19, 10, 0)


def test_meta_robots_nofollow_page_gives_no_links() -> None:
    page = b'<html><head><meta name="robots" content="noindex, nofollow"></head>' \
        b'<body><a href="/a">PON</a></body></html>'
    assert html_links(page, "http://x.it/").links == []


def test_links_declared_as_downloads() -> None:
    page = (b'<html><body><a href="/documento?id=13" type="application/pdf">Testo</a>'
            b'<a href="/modulo?id=2" download>Modulo</a>'
            b'<a href="/video?id=4" type="video/mp4">Video</a>'
            b'<a href="/notizia?id=5">Notizia</a></body></html>')
    links = {link.url.rsplit("/", 1)[1]: link.declared
             for link in html_links(page, "http://x.it/").links}
    assert links == {"documento?id=13": True, "modulo?id=2": True, "video?id=4": False,
                     "notizia?id=5": False}
