"""Table claims: indicator rows → outcomes, activity dates → roles, money columns → amount roles."""

from __future__ import annotations

from pathlib import Path

import pytest

from extractors import tables
from extractors.base import Context, full_version
from models.records import Document
from parsers import parse_bytes

SITE = Path(__file__).resolve().parents[2] / "data" / "sample" / "site"


@pytest.fixture(scope="module")
def cremona() -> tuple[Document, list]:
    doc = parse_bytes(
        (SITE / "cremona-obiettivo-2017_3504.pdf").read_bytes(),
        url="http://127.0.0.1:8765/cremona-obiettivo-2017_3504.pdf",
    )
    return doc, list(tables.extract(Context.of(doc)))


def test_every_claim_quotes_its_span(cremona) -> None:
    doc, claims = cremona
    assert claims
    for c in claims:
        assert c.text == doc.text[c.start : c.end]
        assert c.extractor == f"tables@{full_version('tables', tables.VERSION)}"
        assert c.role


def test_indicator_rows_become_outcomes_with_target_and_achieved(cremona) -> None:
    _, claims = cremona
    outcomes = [c for c in claims if c.kind == "outcome"]
    # The row measured "in %" (30 expected, 95 achieved) is a share, not a count: no outcome.
    assert [(c.attrs["target"], c.attrs["achieved"]) for c in outcomes] == [
        (2.0, 3.0),
        (2.0, 3.0),
        (20.0, 53.0),
        (4.0, 4.0),
    ]
    assert all(c.type == "risultato" and c.status == "achieved" for c in outcomes)
    assert outcomes[0].value == 3.0
    assert outcomes[0].text.startswith("Nuove fonti di finanziamento")
    assert outcomes[0].text.endswith("3.00")


def test_activity_dates_carry_start_end_and_schedule(cremona) -> None:
    _, claims = cremona
    dates = [c for c in claims if c.kind == "date"]
    assert len(dates) == 40  # 10 activities × planned/actual × start/end
    first = dates[:4]
    assert [(c.role, c.attrs["schedule"], c.value) for c in first] == [
        ("start", "planned", "2017-01-01"),
        ("start", "actual", "2017-01-01"),
        ("end", "planned", "2017-10-31"),
        ("end", "actual", "2017-10-31"),
    ]
    assert first[0].attrs["progress"] == 100.0
    assert first[0].attrs["activity"].startswith("A) FARE LEGAMI")


def test_two_dates_under_one_header_cell_are_read_in_header_order() -> None:
    text = (
        "| Descrizione | % avanzamento | Inizio prev. Inizio eff. | Fine prev. Fine eff. |\n"
        "|---|---|---|---|\n"
        "| Avvio sportello | 80 | 01/02/2019 15/02/2019 | 30/06/2019 31/07/2019 |\n"
    )
    claims = list(tables.extract(Context(text=text)))
    got = [(c.role, c.attrs["schedule"], c.value) for c in claims]
    assert got == [
        ("start", "planned", "2019-02-01"),
        ("start", "actual", "2019-02-15"),
        ("end", "planned", "2019-06-30"),
        ("end", "actual", "2019-07-31"),
    ]
    assert all(c.text == text[c.start : c.end] for c in claims)


def test_financial_columns_give_amount_roles() -> None:
    text = (
        "Quadro economico\n\n"
        "| Voce | Importo programmato | Importo ammesso | Impegnato | Erogato |\n"
        "|---|---|---|---|---|\n"
        "| Tirocini | € 50.000,00 | 48.000,00 | 30.000,00 | 12.345,67 |\n"
        "| Totale | 70.000,00 | 68.000,00 | 40.000,00 | 20.000,00 |\n"
    )
    claims = list(tables.extract(Context(text=text)))
    first = [(c.role, c.value, c.attrs["item"]) for c in claims[:4]]
    assert first == [
        ("allocated", 50000.0, "Tirocini"),
        ("admitted", 48000.0, "Tirocini"),
        ("committed", 30000.0, "Tirocini"),
        ("paid", 12345.67, "Tirocini"),
    ]
    assert claims[0].text == "€ 50.000,00" and claims[0].currency == "EUR"
    assert len(claims) == 8
    # The "Totale" row sums the column: a total, of the column's kind.
    assert [(c.role, c.attrs["of"]) for c in claims[4:]] == [
        ("total", "allocated"), ("total", "admitted"), ("total", "committed"), ("total", "paid"),
    ]


def test_tables_without_known_headers_give_nothing() -> None:
    text = "| Nome | Telefono |\n|---|---|\n| Ufficio | 0586 000000 |\n"
    assert list(tables.extract(Context(text=text))) == []


def test_rates_and_durations_are_not_outcomes() -> None:
    from extractors.base import Context
    from models.records import Document

    text = (
        "| Indicatore | Unità di misura | Valore atteso | Valore realizzato |\n"
        "|---|---|---|---|\n"
        "| Famiglie prese in carico | numero | 150 | 172 |\n"
        "| Tempo medio di risposta | giorni | 30 | 26 |\n"
        "| Beneficiari con patto firmato | % | 70 | 74 |\n"
    )
    claims = list(tables.extract(Context.of(Document(text=text))))
    assert [(c.kind, c.value) for c in claims if c.kind == "outcome"] == [("outcome", 172.0)]


def test_a_value_as_of_a_date_is_the_achieved_column() -> None:
    text = (
        "| Misura | U.M. | Target 2024 | Valore al 30/06/2024 |\n"
        "|---|---|---|---|\n"
        "| Colloqui di orientamento svolti | n. | 120 | 134 |\n"
        "| Famiglie prese in carico | n. | 60 | 41 |\n"
    )
    claims = [c for c in tables.extract(Context(text=text)) if c.kind == "outcome"]
    assert [(c.attrs["target"], c.attrs["achieved"], c.status) for c in claims] == [
        (120.0, 134.0, "achieved"),
        (60.0, 41.0, "not_achieved"),
    ]
    assert claims[0].value == 134.0


def test_a_baseline_as_of_a_date_is_not_the_achieved_column() -> None:
    text = (
        "| Misura | Valore al 31/12/2021 (baseline) | Target 2024 | Valore raggiunto |\n"
        "|---|---|---|---|\n"
        "| Alloggi assegnati | 10 | 25 | 27 |\n"
    )
    claims = [c for c in tables.extract(Context(text=text)) if c.kind == "outcome"]
    assert [(c.attrs["target"], c.attrs["achieved"]) for c in claims] == [(25.0, 27.0)]


def test_indicator_rows_of_money_or_hours_are_not_outcome_counts() -> None:
    text = (
        "| Indicatore | Valore atteso 2025 | Valore raggiunto 2025 |\n"
        "|---|---|---|\n"
        "| Famiglie seguite dal centro per le famiglie | 60 | 64 |\n"
        "| Somme del Fondo regionale liquidate (€) | 90.000,00 | 87.500,25 |\n"
        "| Ore di educativa domiciliare svolte | 4.200 | 4.350 |\n"
        "| Numero di ore di mediazione | 300 | 310 |\n"
    )
    claims = [c for c in tables.extract(Context(text=text)) if c.kind == "outcome"]
    assert [(c.value, c.attrs["indicator"]) for c in claims] == [
        (64.0, "Famiglie seguite dal centro per le famiglie")
    ]


def test_money_columns_take_the_scale_of_their_header_or_caption() -> None:
    text = (
        "| Regione | Dotazione (milioni di euro) | Quota (%) |\n|---|---|---|\n"
        "| Molise | 17,6 | 2,1 |\n\n"
        "Importi in migliaia di euro\n\n| Ambito | Assegnato | Erogato |\n|---|---|---|\n"
        "| Ovest | 1.320 | 410,5 |\n\n"
        "| Ambito | Assegnato (€) |\n|---|---|\n| Est | 1.320 |\n"
    )
    claims = tables.extract(Context(text=text))
    got = [(c.value, c.role) for c in claims if c.kind == "amount"]
    assert got == [
        (17_600_000.0, "allocated"),
        (1_320_000.0, "allocated"),
        (410_500.0, "paid"),
        (1320.0, "allocated"),
    ]


def test_aligned_text_tables_keep_cell_spans_and_end_at_a_changed_row() -> None:
    from extractors.pipetables import aligned_tables

    text = (
        "Premessa su una riga sola.\n"
        "Azione                 Previsto   Raggiunto\n"
        "Sportelli aperti             4           5\n"
        "Famiglie seguite           120         131\n"
        "Nota finale  con due celle soltanto\n"
    )
    found = list(aligned_tables(text))
    assert len(found) == 1
    table = found[0]
    assert [c.text for c in table.header] == ["Azione", "Previsto", "Raggiunto"]
    assert [[c.text for c in r] for r in table.rows] == [
        ["Sportelli aperti", "4", "5"], ["Famiglie seguite", "120", "131"]]
    for row in table.all_rows:
        for c in row:
            assert text[c.start : c.end] == c.text


def test_an_aligned_indicator_table_gives_target_and_achieved() -> None:
    text = (
        "Indicatore                                   Target 2025   Risultato 2025\n"
        "Nuclei presi in carico                               200              214\n"
        "Tempo medio di risposta (giorni)                      10               12\n"
        "Pasti distribuiti                                  4.000            3.870\n"
    )
    claims = list(tables.extract(Context(text=text)))
    got = {(c.attrs["indicator"], c.attrs["target"], c.attrs["achieved"]) for c in claims}
    assert got == {("Nuclei presi in carico", 200.0, 214.0), ("Pasti distribuiti", 4000.0, 3870.0)}
    assert {c.status for c in claims} == {"achieved", "not_achieved"}


def test_a_row_typed_risultato_is_not_an_achieved_header() -> None:
    text = (
        "| Indicatore | Tipo | Previsto | Raggiunto |\n|---|---|---|---|\n"
        "| n. patti sottoscritti | RISULTATO | 40 | 45 |\n"
    )
    claims = list(tables.extract(Context(text=text)))
    assert [(c.attrs["target"], c.attrs["achieved"]) for c in claims] == [(40.0, 45.0)]


def test_an_aligned_row_with_an_empty_cell_keeps_its_columns() -> None:
    text = (
        "Indicatore                          Valore atteso    Valore raggiunto\n"
        "Famiglie seguite                               120                 131\n"
        "Voucher erogati                                                     48\n"
        "Sportelli aperti                                 4\n"
    )
    claims = list(tables.extract(Context(text=text)))
    got = [(c.attrs["indicator"], c.attrs["target"], c.attrs["achieved"]) for c in claims]
    assert got == [("Famiglie seguite", 120.0, 131.0), ("Voucher erogati", None, 48.0),
                   ("Sportelli aperti", 4.0, None)]
    for c in claims:
        assert text[c.start : c.end] == c.text


def test_a_bare_risultato_header_is_the_achieved_column() -> None:
    text = "| Indicatore | Target | Risultato |\n|---|---|---|\n| Utenti accolti | 30 | 34 |\n"
    claims = list(tables.extract(Context(text=text)))
    assert [(c.attrs["target"], c.attrs["achieved"]) for c in claims] == [(30.0, 34.0)]
