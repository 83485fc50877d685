"""URL normalisation, host rules and topic matching."""

from __future__ import annotations

import pytest

from crawl.urls import (
    TopicMatcher,
    absolute,
    attachment_type,
    clean,
    disposition_filename,
    host_allowed,
    is_attachment,
    looks_like_attachment,
    normalize,
)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("http://Comune.Example.IT:80/progetti/", "http://comune.example.it/progetti"),
        ("https://x.it:443/a?utm_source=fb&id=3#sez", "https://x.it/a?id=3"),
        ("https://x.it/a?b=2&a=1&fbclid=zz", "https://x.it/a?a=1&b=2"),
        ("https://x.it", "https://x.it/"),
    ],
)
def test_normalize_collapses_spellings(a: str, b: str) -> None:
    assert normalize(a) == normalize(b)


def test_clean_keeps_trailing_slash_but_drops_tracking() -> None:
    assert clean("http://x.it/dir/?utm_campaign=a#top") == "http://x.it/dir/"
    assert normalize("http://x.it/dir/?pagina=2") != normalize("http://x.it/dir/?pagina=3")


def test_hosts_and_links() -> None:
    assert host_allowed("https://www.comune.venezia.it/x", ["*.comune.venezia.it"])
    assert host_allowed("https://comune.venezia.it/x", ["*.comune.venezia.it"])
    assert not host_allowed("https://evilcomune.venezia.it.example.com/", ["comune.venezia.it"])
    assert host_allowed("http://127.0.0.1:8765/a", ["127.0.0.1"])
    assert absolute("http://x.it/a/b.html", "../c.pdf#p=2") == "http://x.it/c.pdf"
    assert absolute("http://x.it/", "mailto:urp@x.it") is None
    assert absolute("http://x.it/", "javascript:void(0)") is None
    assert absolute("http://x.it/", "#top") is None
    assert absolute("http://x.it/", "file:///etc/passwd") == "file:///etc/passwd"


@pytest.mark.parametrize(
    "url",
    ["http://x.it/a/determina.PDF", "http://x.it/atto.pdf.p7m", "http://x.it/b.docx",
     "http://x.it/c.odt", "http://x.it/d.doc"],
)
def test_attachments(url: str) -> None:
    assert is_attachment(url)


def test_not_attachments() -> None:
    assert not is_attachment("http://x.it/pdf/elenco.html")
    assert not is_attachment("http://x.it/download?file=a.pdf")


@pytest.mark.parametrize(
    ("url", "text", "declared"),
    [
        ("http://x.it/download?file=a.pdf", "", False),  # the file is named in the query
        ("http://x.it/scarica?id=12", "Scarica", False),  # a download endpoint
        ("http://x.it/download.php?id=3", "", False),
        ("http://x.it/News/Allegato/881", "", False),
        ("http://x.it/visualizza?id=14", "Delibera n. 14 (PDF, 80 kB)", False),  # anchor text
        ("http://x.it/documento?id=13", "Testo", True),  # <a type="application/pdf">
    ],
)
def test_links_that_lead_to_documents(url: str, text: str, declared: bool) -> None:
    assert looks_like_attachment(url, text, declared)


@pytest.mark.parametrize(
    ("url", "text", "declared"),
    [
        ("http://x.it/pagina?id=15", "Dettaglio", False),
        ("http://x.it/download/logo.png", "Scarica il logo in PDF", True),  # another file type
        ("http://x.it/scaricabarile", "", False),  # a word that only starts like 'scarica'
        ("http://x.it/guida.html", "Guida alla compilazione del PDF", False),
    ],
)
def test_links_that_do_not(url: str, text: str, declared: bool) -> None:
    assert not looks_like_attachment(url, text, declared)


def test_documents_recognised_by_response_headers() -> None:
    assert disposition_filename('attachment; filename="determina-12.pdf"') == "determina-12.pdf"
    assert disposition_filename("inline; filename*=UTF-8''delibera%20n.%2013.pdf.p7m") == (
        "delibera n. 13.pdf.p7m")
    assert disposition_filename('attachment; filename="..\\..\\atto.pdf"') == "atto.pdf"
    assert disposition_filename("attachment") is None and disposition_filename(None) is None
    # A declared document type is kept; a generic one gives way to the file name's.
    assert attachment_type("application/pdf", None) == "application/pdf"
    assert attachment_type("application/octet-stream", "atto.pdf") == "application/pdf"
    assert attachment_type(None, "delibera.pdf.p7m") == "application/pkcs7-mime"
    assert attachment_type("application/force-download", "relazione.odt") == (
        "application/vnd.oasis.opendocument.text")
    # Not documents: an HTML page (even one named .pdf), an archive.
    assert attachment_type("text/html", "atto.pdf") is None
    assert attachment_type("application/octet-stream", "atti.zip") is None
    assert attachment_type("text/html", None) is None


def test_topic_words_not_substrings() -> None:
    topic = TopicMatcher(["SIA", "CUP", "povertà", "PN Metro", "progett*", "FSE+"])
    assert topic.matches("Sostegno per l'inclusione attiva (SIA)")
    assert topic.matches("http://x.it/news/pn-metro-plus")
    assert topic.matches("Contrasto alla POVERTA")
    assert topic.matches("http://x.it/poverta%CC%80")  # percent-encoded combining accent
    assert topic.matches("I progetti finanziati")
    assert topic.matches("Programma FSE+ 2021-2027")
    assert not topic.matches("Viaggio in Asia", "Corsi per l'occupazione")
    assert not topic.matches("http://x.it/turismo/spiagge")
    assert not TopicMatcher([]).matches("anything")
