from extractors import outcomes
from tests.extractors.conftest import run


def got(text: str) -> list[tuple[int, str, str | None]]:
    return [(c.value, c.unit, c.status) for c in run(outcomes, text)]


def test_counts_with_unit_and_status():
    text = (
        "Sono stati attivati 14 tirocini di inclusione e accolte circa 350 domande. "
        "Il prossimo anno saranno assunti n. 2 educatori."
    )
    assert got(text) == [
        (14, "tirocini di inclusione", "achieved"),
        (350, "domande", "achieved"),
        (2, "educatori", "planned"),
    ]


def test_number_words():
    assert got("Il piano prevede sei progetti e dodici laboratori.") == [
        (6, "progetti", "planned"),
        (12, "laboratori", "planned"),
    ]


def test_results_list_is_achieved():
    text = "Risultati:\n1. Inserimento di n. 1 psicologo.\n2. Avvio di 9 percorsi formativi.\n"
    assert [(v, s) for v, _, s in got(text)] == [(1, "achieved"), (9, "achieved")]


def test_never_durations_ages_money_percentages_comuni_inhabitants():
    text = (
        "Per 18 mesi, ragazzi di 16 anni, 5 mila euro, € 300, il 40% dei posti, 12 comuni, "
        "30.000 abitanti, 3 ore settimanali, nel 2019 utenti."
    )
    assert got(text) == []


def test_indicator_table():
    text = (
        "| Indicatore | Tipo | Valore previsto | Valore raggiunto |\n|---|---|---|---|\n"
        "| n. colloqui di orientamento (almeno 30) | risultato | 30.00 | 41.00 |\n"
        "| quota di utenti occupati (%) | risultato | 10.00 | 12.00 |\n"
    )
    assert got(text) == [
        (30, "colloqui di orientamento", "expected"),
        (41, "colloqui di orientamento", "achieved"),
    ]


def test_units_written_as_a_word_or_with_digits_are_counted():
    text = (
        "Sono state attivate tre unità di strada per le notti d'inverno; "
        "il Comune ha acquistato 4 unità abitative e ha assunto due unità di personale."
    )
    assert [(v, u) for v, u, _ in got(text)] == [
        (3, "unità di strada"),
        (4, "unità abitative"),
        (2, "unità di personale"),
    ]


def test_a_unit_of_measure_is_not_a_count():
    assert got("Il valore si esprime in unità di misura standard e vale 3 unità di misura.") == []


def test_one_person_after_a_preposition_is_not_a_count():
    text = (
        "I ragazzi sono affiancati da un tutor aziendale e possono rivolgersi a un operatore; "
        "è stata assunta una mediatrice."
    )
    assert [(v, u) for v, u, _ in got(text)] == [(1, "mediatrice")]


def test_accesses_and_centres_are_counted():
    text = "Nel 2025 lo sportello ha contato 2.310 accessi e sono stati aperti due centri diurni."
    assert [(v, u) for v, u, _ in got(text)] == [(2310, "accessi"), (2, "centri diurni")]
