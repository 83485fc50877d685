"""The facts the end-to-end test checks, read through extract_document from texts in our words."""

from datetime import date

from extractors.registry import extract_document
from models.records import Document


def claims_of(text: str, published: date | None = None) -> list:
    doc = Document(text=text, published=published)
    claims = extract_document(doc)
    for c in claims:
        assert doc.text[c.start : c.end] == c.text
    return claims


def test_livorno_facts():
    text = (
        "Il Comune di Livorno fa il punto su SIA e REI: € 609.734 sono assegnati alla zona per "
        "il triennio 2017-2019 grazie al PON Inclusione 2014-2020. Sono arrivate circa 700 "
        "domande. Il protocollo con il Centro per l'Impiego di Livorno è stato firmato il "
        "04/07/2017, mentre la formazione è partita ieri, 20 febbraio."
    )
    claims = claims_of(text, published=date(2018, 2, 21))
    amounts = [(c.value, c.role) for c in claims if c.kind == "amount"]
    assert amounts == [(609734.0, "allocated")]
    assert (700, "domande") in [(c.value, c.unit) for c in claims if c.kind == "outcome"]
    dates = {(c.value, c.role) for c in claims if c.kind == "date"}
    assert ("2017-07-04", "signed") in dates and ("2018-02-20", "start") in dates
    assert "PON Inclusione" in {c.value for c in claims if c.kind == "programme"}
    orgs = {c.value for c in claims if c.kind == "organisation"}
    assert "Centro per l'Impiego di Livorno" in orgs


def test_massa_facts():
    text = (
        "Per l'Avviso 3/2016 la zona ha ottenuto euro 496.931,00: capofila il Comune di Massa, "
        "con il Comune di Carrara e il Comune di Montignoso come partner. Risultati: assunto "
        "n. 1 assistente sociale, svolti 11 percorsi formativi e 33 work experience."
    )
    claims = claims_of(text)
    assert [c.value for c in claims if c.kind == "amount"] == [496931.0]
    orgs = {(c.value, c.role) for c in claims if c.kind == "organisation"}
    assert orgs == {
        ("Comune di Massa", "lead"),
        ("Comune di Carrara", "partner"),
        ("Comune di Montignoso", "partner"),
    }
    outcomes = {(c.value, c.unit) for c in claims if c.kind == "outcome"}
    assert outcomes == {
        (1, "assistente sociale"),
        (11, "percorsi formativi"),
        (33, "work experience"),
    }


def test_venezia_card():
    text = (
        "Scheda progetto\nCodice Unico Progetto - CUP\nF74H24002780007\nData inizio\n01/04/24\n"
        "Data fine\n30/09/29\nFondo\nFSE+\nImporto programmato\n€ 1.149.465,93\n"
        "Importo ammesso a finanziamento\n€ 1.149.465,93\nImporto Giuridicamente Vincolante\n"
        "€ 118.741,13\nImporto erogato\n€ 36.500,93\nPN Metro Plus\n"
    )
    claims = claims_of(text)
    assert [c.value for c in claims if c.kind == "cup"] == ["F74H24002780007"]
    assert [(c.value, c.role) for c in claims if c.kind == "date"] == [
        ("2024-04-01", "start"),
        ("2029-09-30", "end"),
    ]
    assert [(c.value, c.role) for c in claims if c.kind == "amount"] == [
        (1149465.93, "allocated"),
        (1149465.93, "admitted"),
        (118741.13, "committed"),
        (36500.93, "paid"),
    ]
    assert {c.value for c in claims if c.kind == "programme"} == {"FSE+", "PN Metro Plus"}


def test_a_changed_rule_changes_the_version_every_claim_records(tmp_path) -> None:
    import shutil
    from pathlib import Path

    from extractors import base

    root = tmp_path / "extractors"
    shutil.copytree(Path(base.__file__).parent, root)
    before = {n: base.fingerprint_in(root, n) for n in ("amounts", "organisations", "dates")}
    assert before["amounts"] == base.fingerprint("amounts")
    toml = root / "patterns" / "amounts.toml"
    toml.write_text(toml.read_text("utf-8") + "\n# one more rule\n", "utf-8")
    after = {n: base.fingerprint_in(root, n) for n in before}
    assert after["amounts"] != before["amounts"]
    assert after["organisations"] == before["organisations"]
    (root / "common.py").write_text((root / "common.py").read_text("utf-8") + "\n", "utf-8")
    assert base.fingerprint_in(root, "dates") != before["dates"]
