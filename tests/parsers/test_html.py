"""HTML pages: main text from trafilatura, Italian dates from labels trafilatura gets wrong."""

from __future__ import annotations

from datetime import date

import pytest

from parsers import ParseError, parse_bytes
from parsers.metadates import labelled_date, parse_date


def _page(body: str, head: str = "") -> bytes:
    filler = "<p>" + "Il progetto rafforza i servizi sociali del territorio. " * 6 + "</p>"
    return (
        f"<html><head><title>Notizia</title>{head}</head><body><nav>Home · Servizi · Contatti"
        f"</nav><main><h1>Titolo della notizia</h1>{filler}{body}</main>"
        "<footer>© 2024 Comune di Prova · P.IVA 01234560457</footer></body></html>"
    ).encode()


def test_update_date_in_a_block_trafilatura_drops() -> None:
    html = _page(
        '<div class="meta"><div class="label">Data ultima modifica:</div>'
        '<div class="value">Mercoledì, 19 Maggio, 2021</div></div>'
    )
    doc = parse_bytes(html, content_type="text/html")
    assert doc.updated == date(2021, 5, 19)
    assert doc.title == "Titolo della notizia" or doc.title == "Notizia"
    assert "Home · Servizi" not in doc.text


def test_written_publication_date_beats_the_footer_year() -> None:
    doc = parse_bytes(_page("<p class='date'>Pubblicato il 19 maggio 2021</p>"))
    assert doc.published == date(2021, 5, 19)


def test_body_dates_are_not_taken_as_publication_date() -> None:
    doc = parse_bytes(_page("<p>Data inizio 01/04/24, data fine 30/09/29.</p>"))
    assert doc.published is None


def test_meta_date_is_used_when_no_label() -> None:
    head = '<meta property="article:published_time" content="2019-03-02T10:00:00+01:00">'
    doc = parse_bytes(_page("", head=head))
    assert doc.published == date(2019, 3, 2)


def test_windows_1252_page_is_decoded() -> None:
    html = _page("<p>Attività per la città di Forlì</p>").decode().encode("cp1252")
    doc = parse_bytes(html, content_type="text/html; charset=windows-1252")
    assert "Attività per la città di Forlì" in doc.text


@pytest.mark.parametrize("body", [b"", b"   \n", b"<html><body></body></html>"])
def test_empty_pages_are_a_clear_error(body: bytes) -> None:
    with pytest.raises(ParseError):
        parse_bytes(body, content_type="text/html")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mercoledì, 19 Maggio, 2021", date(2021, 5, 19)),
        ("1° gennaio 2024", date(2024, 1, 1)),
        ("04/07/2017", date(2017, 7, 4)),
        ("01/04/24", date(2024, 4, 1)),
        ("31.12.2018", date(2018, 12, 31)),
        ("2019-03-02", date(2019, 3, 2)),
        ("31/02/2020", None),
        ("nel 2017", None),
    ],
)
def test_parse_date(text: str, expected: date | None) -> None:
    assert parse_date(text) == expected


def test_labelled_date_takes_the_first_label() -> None:
    text = "Pubblicato il 3 marzo 2020\nAggiornato il 5 aprile 2021"
    assert labelled_date(text, "published") == date(2020, 3, 3)
    assert labelled_date(text, "updated") == date(2021, 4, 5)


def test_html_tables_become_document_tables_with_spans() -> None:
    """HTML tables reach document_tables as PDF ones do; a card of <th> labels has no header."""
    page = (
        "<html><head><title>Indicatori</title></head><body><main>"
        "<h1>Risultati del progetto di inclusione</h1>"
        "<p>Il Comune di Esempio riassume qui gli indicatori del progetto, con i valori attesi "
        "e quelli raggiunti alla fine del 2023 dopo due anni di attività.</p>"
        "<table><tr><th>descrizione</th><th>tipo</th><th>valore previsto</th>"
        "<th>valore raggiunto</th></tr>"
        "<tr><td>Percorsi formativi attivati</td><td>RISULTATO</td><td>10</td><td>12</td></tr>"
        "<tr><td>Tirocini avviati</td><td>RISULTATO</td><td>20</td><td>18</td></tr></table>"
        "<p>Avanzamento finanziario del progetto al 31 dicembre 2023.</p>"
        "<table><tr><th>Importo programmato</th><td>€ 150.000,00</td></tr>"
        "<tr><th>Importo erogato</th><td>€ 36.500,93</td></tr></table>"
        "</main></body></html>"
    ).encode()
    doc = parse_bytes(page, url="http://127.0.0.1/indicatori.html", content_type="text/html")
    indicators, card = doc.tables
    assert indicators.header == ["descrizione", "tipo", "valore previsto", "valore raggiunto"]
    assert indicators.rows == [["Percorsi formativi attivati", "RISULTATO", "10", "12"],
                               ["Tirocini avviati", "RISULTATO", "20", "18"]]
    assert indicators.page is None
    assert doc.text[indicators.start:indicators.end].startswith("| descrizione |")
    assert doc.text[indicators.start:indicators.end].endswith("| 18 |")
    assert card.header == []
    assert card.rows == [["Importo programmato", "€ 150.000,00"],
                         ["Importo erogato", "€ 36.500,93"]]
