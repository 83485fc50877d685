from extractors import programmes
from tests.extractors.conftest import run


def labels(text: str) -> list[str]:
    return [c.value for c in run(programmes, text)]


def test_canonical_labels():
    text = (
        "Con il PON Inclusione (Avviso 3/2016) e l'Avviso 1/2019 PaIS; SIA, REI, Reddito di "
        "cittadinanza, Assegno di inclusione; PON Metro 2014-2020 e PN Metro Plus 2021-2027; "
        "FSE, FSE+, FESR; POR FSE Toscana; PNRR Missione 5 Componente 2; Fondo Povertà."
    )
    assert labels(text) == [
        "PON Inclusione", "Avviso 3/2016", "Avviso 1/2019 PaIS", "SIA", "REI",
        "Reddito di cittadinanza", "Assegno di inclusione", "PON Metro", "PN Metro Plus",
        "FSE", "FSE+", "FESR", "POR FSE", "FSE", "PNRR Missione 5", "Fondo Povertà",
    ]


def test_longer_mention_wins():
    # ... and a longer name holding a fund acronym also names the fund.
    assert labels("a valere sul PON FSE Inclusione 2014-2020") == ["PON Inclusione", "FSE"]
    assert labels("il Sostegno per l'inclusione attiva (SIA)") == ["SIA", "SIA"]


def test_no_false_programmes():
    assert labels("La siae, la sia pure, il reincarico, il fse minuscolo.") == []


def test_trigger_dispatch_finds_what_a_full_scan_finds():
    from evaluation.corpus import default_root, load_set, read

    for set_name in ("dev", "heldout"):
        for doc in load_set(default_root(), set_name):
            text = read(doc).text
            hits = {(pos, label) for pos, (label, _) in programmes.DISPATCH.hits(text)}
            for label, rx in programmes.PROGRAMMES:
                for m in rx.finditer(text):
                    assert (m.start(), label) in hits, (doc.name, m.group(0))


def test_find_gives_spans_and_labels_in_text_order():
    text = "Fondi del PON Inclusione e poi della Missione 5 del PNRR."
    found = programmes.find(text)
    assert [label for _, _, label in found] == ["PON Inclusione", "PNRR Missione 5"]
    assert text[found[0][0] : found[0][1]] == "PON Inclusione"


def test_programmes_of_the_2021_2027_cycle_and_national_measures():
    text = (
        "Il servizio è pagato dal PN Inclusione e lotta alla povertà 2021-2027 e dal PR Lazio "
        "FSE+; chi esce dall'Assegno di inclusione può chiedere il Supporto per la formazione e "
        "il lavoro. Resta il Fondo nazionale per le politiche sociali (FNPS)."
    )
    assert [c.value for c in run(programmes, text)] == [
        "PN Inclusione",
        "PR FSE+",
        "FSE+",
        "Assegno di inclusione",
        "Supporto per la formazione e il lavoro",
        "Fondo nazionale per le politiche sociali",
        "Fondo nazionale per le politiche sociali",
    ]


def test_regional_reis_is_not_the_national_rei():
    text = "Il REIS, Reddito di inclusione sociale della Regione, non è il Reddito di inclusione."
    assert [c.value for c in run(programmes, text)] == ["REIS", "REIS", "REI"]


def test_card_naming_the_mission_without_the_plan():
    text = "| Missione | M5 - Inclusione e coesione |\n| Componente | C3 - Interventi speciali |"
    assert [c.value for c in run(programmes, text)] == ["PNRR Missione 5"]


def test_the_plan_named_in_general_is_its_one_named_mission():
    text = (
        "Scheda del Piano Nazionale di Ripresa e Resilienza\n"
        "| Missione | M5 - Inclusione e coesione |"
    )
    assert [c.value for c in run(programmes, text)] == ["PNRR Missione 5", "PNRR Missione 5"]
    # A bare PNRR names no part: no label (the guidelines list only "PNRR Missione 5").
    assert [c.value for c in run(programmes, "Fondi PNRR per la scuola.")] == []


def test_case_quote_and_long_name_variants():
    text = (
        "Pon Metro 2014-2020; PN-METRO PLUS; Pon “Inclusione”; PO Fse Molise; il Programma "
        "Operativo Nazionale (PON) Città metropolitane; PROGRAMMA NAZIONALE “METRO PLUS E CITTÀ "
        "MEDIE SUD 2021-2027”; il Programma Nazionale Inclusione e Lotta alla povertà; il PON Sia."
    )
    assert labels(text) == [
        "PON Metro", "PN Metro Plus", "PON Inclusione", "POR FSE", "FSE", "PON Metro",
        "PN Metro Plus", "PN Inclusione", "PON Inclusione",
    ]


def test_funds_and_measures_of_the_guidelines():
    text = (
        "Progetto FAMI, Fondo Asilo Migrazione e Integrazione; risorse REACT-EU e FEAD; il Fondo "
        "complementare al PNRR; il Piano straordinario di potenziamento dei Centri per l'Impiego."
    )
    assert labels(text) == [
        "FAMI", "FAMI", "REACT-EU", "FEAD", "Fondo complementare",
        "Piano straordinario di potenziamento dei Centri per l'Impiego",
    ]


def test_numbered_calls():
    text = (
        "L'Avviso 3 del 2016 e l'Avviso pubblico n. 4/2017; l'Avviso 1/2019 (PaIS) e "
        "l'Avviso 2/22. Con decreto del 5 maggio 2020 è adottato l'Avviso n. 7. L'avviso 9 resta."
    )
    assert labels(text) == [
        "Avviso 3/2016", "Avviso 4/2017", "Avviso 1/2019 PaIS", "Avviso 2/2022", "Avviso 7/2020",
    ]
