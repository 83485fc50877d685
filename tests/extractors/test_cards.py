"""Key-value cards: the Venezia project card as PDF and as HTML, and labels in plain lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from extractors import cards
from extractors.base import Context
from parsers import parse_bytes

SITE = Path(__file__).resolve().parents[2] / "data" / "sample" / "site"

EXPECTED = {
    ("cup", "project"): "F74H24002780007",
    ("code", "local_project_code"): "VE4.4.8.1.a",
    ("date", "start"): "2024-04-01",
    ("date", "end"): "2029-09-30",
    ("amount", "admitted"): 1149465.93,
    ("amount", "committed"): 118741.13,
    ("amount", "paid"): 36500.93,
    ("amount", "co-financing"): 0.0,
    ("fund", "fund"): "FSE+",
    ("organisation", "beneficiary"): "Area Coesione sociale",
}


@pytest.mark.parametrize("name", ["venezia-scheda-progetto.pdf", "venezia-scheda-progetto.html"])
def test_venezia_card(name: str) -> None:
    doc = parse_bytes((SITE / name).read_bytes(), url=f"http://127.0.0.1:8765/{name}")
    claims = list(cards.extract(Context.of(doc)))
    for c in claims:
        assert c.text == doc.text[c.start : c.end]
    got = {(c.kind, c.role): c.value for c in claims}
    for key, value in EXPECTED.items():
        assert got.get(key) == value, key
    allocated = sorted(c.attrs["label"] for c in claims if c.role == "allocated")
    assert allocated == ["Importo programmato", "Risorse PN Metro"]
    assert all(c.value == 1149465.93 for c in claims if c.role == "allocated")
    paid = next(c for c in claims if c.role == "paid")
    assert paid.text == "€ 36.500,93" and paid.currency == "EUR"
    start = next(c for c in claims if c.role == "start")
    assert start.text == "01/04/24" and start.precision == "day"


def test_label_colon_value_and_label_amount_lines() -> None:
    text = (
        "Soggetto attuatore: Cooperativa Sociale Il Faro\n"
        "CUP: B51H17000050006\n"
        "Importo erogato € 12.000,00\n"
        "Data fine: 31/12/2025\n"
    )
    claims = list(cards.extract(Context(text=text)))
    got = {(c.kind, c.role): (c.value, c.text) for c in claims}
    assert got[("organisation", "implementer")] == (
        "Cooperativa Sociale Il Faro",
        "Cooperativa Sociale Il Faro",
    )
    assert got[("cup", "project")] == ("B51H17000050006", "B51H17000050006")
    assert got[("amount", "paid")] == (12000.0, "€ 12.000,00")
    assert got[("date", "end")] == ("2025-12-31", "31/12/2025")


def test_prose_is_not_a_card() -> None:
    text = (
        "Il beneficiario del contributo sarà individuato con avviso pubblico.\n"
        "La data di inizio delle attività sarà comunicata entro il 30/06/2024.\n"
        "Fondo\n"
        "Il fondo sociale europeo sostiene anche questa misura, con molte altre iniziative.\n"
    )
    assert list(cards.extract(Context(text=text))) == []


def test_bad_values_under_labels_are_skipped() -> None:
    text = "CUP\nnon disponibile\nData inizio\nda definire\nImporto erogato\n-\n"
    assert list(cards.extract(Context(text=text))) == []


def test_a_list_of_comuni_under_a_label_gives_each_comune() -> None:
    text = (
        "Comuni aderenti: Mesagne, Latiano (capofila) e Oria\n"
        "Comuni dell'Ambito\n"
        "San Pietro Vernotico; Torchiarolo; Paperopoli\n"
    )
    claims = list(cards.extract(Context(text=text)))
    assert [(c.value, c.text, c.role) for c in claims] == [
        ("Comune di Mesagne", "Mesagne", "member"),
        ("Comune di Latiano", "Latiano", "member"),
        ("Comune di Oria", "Oria", "member"),
        ("Comune di San Pietro Vernotico", "San Pietro Vernotico", "member"),
        ("Comune di Torchiarolo", "Torchiarolo", "member"),
    ]
    for c in claims:
        assert text[c.start : c.end] == c.text


def test_a_programme_value_takes_the_canonical_programme_it_names() -> None:
    text = (
        "Programma: PNRR - M5C2 - Investimento 1.2 - percorsi di autonomia\n"
        "Programma operativo\n"
        "Un programma locale senza nome noto\n"
    )
    claims = [c for c in cards.extract(Context(text=text)) if c.kind == "programme"]
    assert [c.value for c in claims] == ["PNRR Missione 5", "Un programma locale senza nome noto"]
    assert claims[0].text.startswith("PNRR - M5C2")
    assert all(c.role == "programme" for c in claims)


def test_a_card_programme_value_is_claimed_as_the_programmes_extractor_claims_it():
    text = "Scheda\nProgramma: PNRR\nProgramma: PNRR - M5C2 - Investimento 1.3\n"
    got = [c.value for c in cards.extract(Context(text=text)) if c.kind == "programme"]
    assert got == ["PNRR Missione 5"]
