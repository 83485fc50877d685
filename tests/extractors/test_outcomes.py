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


def test_count_written_after_the_thing():
    text = (
        "A fine settembre gli accessi allo sportello di via Roma sono stati 2.418. "
        "Le domande accolte nel primo bando sono circa 730, mentre "
        "i nuclei seguiti dal servizio sociale\nsono attualmente 96."
    )
    assert [(v, u) for v, u, _ in got(text)] == [
        (2418, "accessi"),
        (730, "domande"),
        (96, "nuclei"),
    ]


def test_count_after_the_thing_is_never_a_share_money_or_duration():
    text = (
        "Le persone occupate sono 4 su 10. Le famiglie beneficiarie sono 40% del totale. "
        "I progetti finanziati sono 300 mila euro. Gli utenti seguiti sono 12 anni."
    )
    assert got(text) == []


def test_plural_noun_after_a_number_in_a_sentence_that_delivers():
    text = (
        "La cooperativa apre nel quartiere Sant'Anna tre botteghe solidali. "
        "Entro la scadenza sono pervenute 5 offerte. "
        "La Provincia mette a disposizione due immobili "
        "e ha distribuito 2.600 confezioni di latte. "
        "Il servizio prevede 4 uscite serali al mese."
    )
    assert [(v, u) for v, u, _ in got(text)] == [
        (3, "botteghe"),
        (5, "offerte"),
        (2, "immobili"),
        (2600, "confezioni"),
        (4, "uscite"),
    ]


def test_plural_noun_needs_a_delivery_verb_and_is_never_time_money_or_a_share():
    text = (
        "In città ci sono 40 parchi pubblici. "
        "Il servizio, attivato in primavera, è aperto 5 pomeriggi e 3 sere, dalle 9 alle 13. "
        "Sono previsti 2 lotti e 3 requisiti; i contributi erogati sono di 300 euro mensili. "
        "Sono state consegnate il 15 dicembre tre tessere. "
        "Le famiglie accolte hanno in media 3 figli; "
        "sono stati coinvolti 12 comuni e 8.000 residenti."
    )
    assert [(v, u) for v, u, _ in got(text)] == [(3, "tessere")]


def test_a_table_column_named_after_the_thing_counted_gives_the_unit():
    text = (
        "| Servizio | Soggetto | Spesa (€) | Utenti raggiunti |\n|---|---|---|---|\n"
        "| Assistenza domiciliare | Cooperativa Alfa | 12.000,00 | 85 |\n"
        "| Mensa sociale | Associazione Beta | 8.500,00 | 240 |\n"
    )
    claims = run(outcomes, text)
    assert [(c.value, c.unit, c.status) for c in claims] == [
        (85, "utenti", "achieved"),
        (240, "utenti", "achieved"),
    ]
    assert claims[0].attrs["row"] == "assistenza domiciliare"


def test_pupils_after_school_and_one_service_centre():
    text = (
        "Sono stati aperti 6 doposcuola e sono seguiti 52 alunni; "
        "il piano prevede l'apertura di 1 centro servizi."
    )
    assert [(v, u) for v, u, _ in got(text)] == [
        (6, "doposcuola"),
        (52, "alunni"),
        (1, "centro servizi"),
    ]


def test_a_number_word_inside_a_longer_word_hides_no_count():
    assert [(v, u) for v, u, _ in got("Sono state seguite oltre mille famiglie.")] == [
        (1000, "famiglie")
    ]


def test_plural_noun_after_a_preposition_of_place_or_measure_or_an_act_rule_is_no_count():
    text = (
        "Sono stati aperti 4 empori solidali nei 3 quartieri a nord, in 2 zone periferiche, "
        "e il contributo è erogato in 2 soluzioni; l'avviso prevede 3 graduatorie e 2 finestre. "
        "L'ex scuola è stata riconvertita in 9 monolocali."
    )
    assert [(v, u) for v, u, _ in got(text)] == [(4, "empori"), (9, "monolocali")]


def test_a_share_after_di_cui_counts_the_same_thing():
    text = "Sono state consegnate il 15 dicembre tre tessere, di cui due rinnovate."
    assert [(v, u) for v, u, _ in got(text)] == [(3, "tessere"), (2, "tessere rinnovate")]


def test_elliptical_counts_take_the_thing_of_the_count_they_continue():
    text = (
        "Le domande presentate sono state 1.450: 870 nella zona di Alfa e 580 in quella di Beta. "
        "Sono stati consegnati 14 pulmini, cui se ne aggiungeranno altri 4 entro l'estate."
    )
    assert [(v, u) for v, u, _ in got(text)] == [
        (1450, "domande"), (870, "domande"), (580, "domande"), (14, "pulmini"), (4, "pulmini"),
    ]


def test_label_then_number_list_after_a_count():
    text = (
        "Il programma conta 25 progetti così ripartiti: [Asse A] Casa e abitare 10; "
        "[Asse B] Lavoro 9; [Asse C] Scuola e cultura 6."
    )
    assert [(v, u) for v, u, _ in got(text)] == [
        (25, "progetti"), (10, "progetti casa e abitare"), (9, "progetti lavoro"),
        (6, "progetti scuola e cultura"),
    ]


def test_partitions_headings_and_back_references_are_no_counts():
    text = (
        "3 CONVENZIONE QUADRO tra le parti\n"
        "Sono stati selezionati 36 tirocinanti, divisi in tre gruppi da 12 partecipanti. "
        "I 36 giovani in questione inizieranno a marzo."
    )
    assert [(v, u) for v, u, _ in got(text)] == [(36, "tirocinanti"), (12, "partecipanti")]


def test_elliptical_counts_after_a_thing_and_a_colon_and_across_years():
    text = (
        "Sono arrivate 58 richieste, di cui 41 accolte e 17 respinte. "
        "I voucher consegnati: 210 nel centro e 95 in periferia. "
        "Il centro ha accolto 400 persone nel 2023 e 350 nel 2022."
    )
    assert [(v, u) for v, u, _ in got(text)] == [
        (58, "richieste"), (41, "richieste accolte"), (17, "richieste respinte"),
        (210, "voucher"), (95, "voucher"), (400, "persone"), (350, "persone"),
    ]


def test_a_money_column_of_an_indicator_table_holds_no_counts():
    text = (
        "| Azione | Spesa prevista (€) | Utenti previsti | Utenti raggiunti |\n|---|---|---|---|\n"
        "| Doposcuola | 9.000 | 25 | 22 |\n"
    )
    assert [(v, u) for v, u, _ in got(text)] == [(25, "utenti"), (22, "utenti")]


def test_an_indicator_block_outside_a_table_gives_target_and_achieved():
    text = (
        "Indicatore: Numero di famiglie sostenute\nValore atteso: 80\nValore raggiunto: 91\n\n"
        "Indicatore: Tempo medio di attesa\nTarget: 10\n"
    )
    assert got(text) == [
        (80, "famiglie sostenute", "expected"), (91, "famiglie sostenute", "achieved"),
    ]


def test_a_list_on_the_next_lines_counts_only_when_it_adds_up():
    text = "Sono nati 12 laboratori.\nMusica 5;\nTeatro 4;\nSport 3.\n"
    assert [(v, u) for v, u, _ in got(text)] == [
        (12, "laboratori"), (5, "laboratori musica"), (4, "laboratori teatro"),
        (3, "laboratori sport"),
    ]
    text = "Sono nati 12 laboratori.\nMusica 5;\nTeatro 4.\n"
    assert [(v, u) for v, u, _ in got(text)] == [(12, "laboratori")]
