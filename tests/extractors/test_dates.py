from datetime import date

from extractors import dates
from tests.extractors.conftest import run


def got(text: str, published: date | None = None) -> list[tuple[str, str | None, str]]:
    return [(c.value, c.role, c.precision) for c in run(dates, text, published)]


def test_numeric_day_first_and_two_digit_years():
    text = "Firmato in data 04/07/2017; poi il 31.12.2018, il 09-05-2022 e il 2024-04-01."
    assert [v for v, _, _ in got(text)] == ["2017-07-04", "2018-12-31", "2022-05-09", "2024-04-01"]
    assert got(text)[0][1] == "signed"


def test_card_labels_give_start_and_end():
    text = "Data inizio\n01/04/24\nData fine\n- 30/09/29\n"
    assert got(text) == [("2024-04-01", "start", "day"), ("2029-09-30", "end", "day")]


def test_written_dates_and_month_precision():
    text = "Dal 1° gennaio 2024 e fino a marzo del 2025. Ultima modifica: Martedì, 8 Ottobre, 2019"
    assert got(text) == [
        ("2024-01-01", "start", "day"),
        ("2025-03", "end", "month"),
        ("2019-10-08", "updated", "day"),
    ]


def test_relative_days_resolved_from_publication_date():
    text = (
        "La gara si è chiusa il 19 dicembre scorso. I corsi sono partiti ieri, 20 febbraio. "
        "Le domande vanno presentate entro il 31 ottobre prossimo."
    )
    assert got(text, published=date(2018, 2, 21)) == [
        ("2017-12-19", "end", "day"),
        ("2018-02-20", "start", "day"),
        ("2018-10-31", "deadline", "day"),
    ]
    # Without a publication date the year is unknown: no claim.
    assert got(text) == []


def test_never_years_durations_percentages_clock_times():
    text = (
        "Nel 2019, per 18 mesi, il 40% dei fondi; ore 10.30 e alle 9:30; triennio 2017-2019; "
        "Azione 4.4.8.1; importo 1.149.465,93; Avviso 3/2016; tel. 0586.820.111."
    )
    assert got(text) == []


def test_invalid_calendar_dates_are_skipped():
    assert got("Il 31/02/2020 e il 45/13/2020 non esistono.") == []


def test_published_role():
    assert got("Pubblicato il 5 marzo 2020")[0][1] == "published"


def test_a_weak_keyword_loses_to_a_stronger_one_and_prepositions_mark_starts():
    assert got("L'avviso è pubblicato all'albo pretorio dal 4 marzo 2024.")[0][1] == "published"
    assert got("Da aprile 2019 le domande si presentano online.")[0][1] == "start"
    assert got("La convenzione vale dal 01.09.2021 al 31.08.2024.") == [
        ("2021-09-01", "start", "day"),
        ("2024-08-31", "end", "day"),
    ]


def test_weekday_with_scorso_or_prossimo_counts_from_publication():
    # Published on Wednesday 13 March 2024.
    text = (
        "Il tavolo si è riunito venerdì scorso in municipio; lo scorso mercoledì era stato "
        "firmato l'accordo e lo sportello aprirà lunedì prossimo."
    )
    claims = run(dates, text, published=date(2024, 3, 13))
    assert [(c.value, c.text) for c in claims] == [
        ("2024-03-08", "venerdì scorso"),
        ("2024-03-06", "lo scorso mercoledì"),
        ("2024-03-18", "lunedì prossimo"),
    ]
    assert all(c.attrs.get("relative") for c in claims)


def test_relative_weekday_needs_a_publication_date_and_yields_to_a_printed_day():
    assert run(dates, "La riunione di giovedì scorso è stata rinviata.") == []
    text = "Aprirà martedì prossimo, 19 marzo, il nuovo centro diurno."
    claims = run(dates, text, published=date(2024, 3, 13))
    assert [(c.value, c.text) for c in claims] == [("2024-03-19", "19 marzo")]


def test_bare_relative_days_move_the_publication_date():
    text = (
        "Il bilancio sociale è stato illustrato ieri ai sindacati; l'altro ieri lo aveva visto la "
        "commissione. Da oggi si raccolgono le adesioni e domani si riunisce la consulta."
    )
    claims = run(dates, text, published=date(2024, 3, 13))
    assert [(c.text, c.value) for c in claims] == [
        ("ieri", "2024-03-12"),
        ("l'altro ieri", "2024-03-11"),
        ("oggi", "2024-03-13"),
        ("domani", "2024-03-14"),
    ]
    assert claims[2].role == "start"
    assert all(c.attrs.get("relative") for c in claims)


def test_bare_relative_days_need_a_date_and_are_not_read_as_nowadays():
    assert run(dates, "Il piano è stato approvato ieri dalla Giunta.") == []
    text = "Ancora oggi il welfare d'oggi chiede, oggi più che mai, servizi vicini alle famiglie."
    assert run(dates, text, published=date(2024, 3, 13)) == []


def test_relative_day_with_a_printed_day_keeps_the_printed_one():
    text = "L'intesa è stata firmata ieri, 12 marzo, in Prefettura."
    claims = run(dates, text, date(2024, 3, 13))
    assert [(c.text, c.value, c.role) for c in claims] == [("12 marzo", "2024-03-12", "signed")]


def test_month_without_year_takes_its_year_from_tense_and_publication():
    text = (
        "La prima fase, terminata a luglio, ha coinvolto 40 famiglie; la seconda partirà a "
        "febbraio e durerà tra marzo e aprile. Il centro è aperto dal dicembre scorso."
    )
    claims = run(dates, text, published=date(2023, 11, 6))
    assert [(c.text, c.value, c.precision) for c in claims] == [
        ("luglio", "2023-07", "month"),
        ("febbraio", "2024-02", "month"),
        ("marzo", "2024-03", "month"),
        ("aprile", "2024-04", "month"),
        ("dicembre scorso", "2022-12", "month"),
    ]


def test_month_names_that_are_not_months_alone():
    text = "Sede in via XX Settembre; riunione il 2 ottobre; report di giugno 2023; Maggio Rossi."
    claims = run(dates, text, published=date(2023, 11, 6))
    assert [c.value for c in claims] == ["2023-10-02", "2023-06"]
    assert run(dates, "I lavori finiranno a giugno.") == []


def roles(text: str, published: date | None = None) -> list[tuple[str, str | None]]:
    return [(v, r) for v, r, _ in got(text, published)]


def test_end_of_an_application_period_is_a_deadline():
    text = (
        "Le candidature si inviano dal 3 marzo 2025 al 4 aprile 2025. "
        "Le iscrizioni ai laboratori restano aperte fino al 20 maggio 2025. "
        "Il servizio resta attivo fino al 30 giugno 2025."
    )
    assert roles(text) == [
        ("2025-03-03", "start"), ("2025-04-04", "deadline"), ("2025-05-20", "deadline"),
        ("2025-06-30", "end"),
    ]


def test_an_agreement_that_expires_ends_its_term():
    text = (
        "Il contratto con la cooperativa decorre dal 1° ottobre 2024 e scade il 30 settembre "
        "2026. Il bando scade il 15 novembre 2024."
    )
    assert roles(text) == [
        ("2024-10-01", "start"), ("2026-09-30", "end"), ("2024-11-15", "deadline"),
    ]


def test_the_date_of_the_act_itself_is_when_it_was_signed():
    text = (
        "DECRETO DEL SINDACO N. 41 / 2024 del 12/03/2024\n\nOggetto: nomina.\n\n"
        "Il servizio proseguirà fino al 31/12/2024.\n\nLivorno, 12 marzo 2024\nIl Sindaco\n"
    )
    assert roles(text) == [("2024-03-12", "signed"), ("2024-12-31", "end"),
                           ("2024-03-12", "signed")]


def test_a_dateline_without_a_signatory_is_not_a_signature():
    assert roles("Livorno, 12 marzo 2024\nIl nuovo sportello apre in centro.") == [
        ("2024-03-12", None)
    ]


def test_opening_formula_of_minutes_is_the_signing_date():
    text = "L'anno 2022, il giorno 7 del mese di giugno, nella sala consiliare si è riunita."
    assert roles(text) == [("2022-06-07", "signed")]


def test_a_verb_of_starting_in_the_future():
    text = "I corsi inizieranno giovedì 9 gennaio."
    assert roles(text, published=date(2025, 1, 2)) == [("2025-01-09", "start")]


def test_only_the_acts_own_number_line_is_signed():
    text = (
        "DECRETO DEL DIRETTORE N. 77 DEL 09/10/2025\n"
        "Richiamato il proprio decreto n. 12 del 14/02/2025;\n"
        "VISTA la nota prot. n. 5521 del 30/09/2025 della Regione;\n"
        "Prot. n. 9930 del 10/10/2025\n"
    )
    assert roles(text) == [
        ("2025-10-09", "signed"),
        ("2025-02-14", None),
        ("2025-09-30", None),
        ("2025-10-10", "signed"),
    ]


def test_a_fine_mese_is_a_time_of_the_month_not_an_end():
    text = "A fine gennaio i nuclei beneficiari erano 310; i laboratori termineranno a fine maggio."
    assert roles(text, date(2024, 2, 8)) == [("2024-01", None), ("2024-05", "end")]


def test_place_line_signed_after_a_closing_line_or_above_a_signatory_after_a_blank():
    text = "Letto e sottoscritto digitalmente.\nMatera, 3 aprile 2026\n"
    assert roles(text) == [("2026-04-03", "signed")]
    text = (
        "Art. 9 - Norme finali\n\nSondrio, 12/02/2026\n\n"
        "Per l'Unione dei Comuni - Il Segretario\n"
    )
    assert roles(text) == [("2026-02-12", "signed")]


def test_minutes_opening_with_il_giorno_is_signed_but_a_news_line_is_not():
    text = "Il giorno 9 maggio 2026, alle ore 15.30, in sala consiliare si è riunita la Consulta."
    assert roles(text) == [("2026-05-09", "signed")]
    news = "Il giorno 9 maggio 2026 ci sarà la festa del quartiere."
    assert roles(news) == [("2026-05-09", None)]


def test_press_release_date_is_published():
    text = "Ufficio Stampa\nComunicato stampa del 4 marzo 2026\n\nNuovi alloggi per anziani soli"
    assert roles(text) == [("2026-03-04", "published")]


def test_closing_and_resuming_verbs():
    text = "I laboratori sono iniziati il 3 febbraio 2026 e si chiuderanno il 30 giugno 2026."
    assert roles(text) == [("2026-02-03", "start"), ("2026-06-30", "end")]
    assert roles("Le visite domiciliari sono riprese a ottobre 2025.") == [("2025-10", "start")]


def test_entro_il_termine_is_a_deadline():
    text = "Entro il termine del 5 maggio 2026 sono arrivate nove proposte."
    assert roles(text) == [("2026-05-05", "deadline")]


def test_entro_after_an_active_start_or_end_verb_takes_the_verb_role():
    pub = date(2026, 2, 10)
    assert roles("I cantieri si chiuderanno entro settembre.", pub) == [("2026-09", "end")]
    assert roles("Gli sportelli partiranno entro aprile.", pub) == [("2026-04", "start")]
    # A passive or an obligation sets a deadline.
    assert roles("Le visite saranno completate entro il 20 marzo prossimo.", pub) == [
        ("2026-03-20", "deadline")
    ]
    assert roles("Il percorso dovrà\nconcludersi entro maggio 2026.", pub) == [
        ("2026-05", "deadline")
    ]


def test_primo_as_the_first_day_of_a_month():
    pub = date(2026, 10, 20)
    assert got("Dal primo novembre apre il dormitorio.", pub) == [("2026-11-01", "start", "day")]


def test_a_bare_participle_after_the_month_or_a_noun_in_iva_gives_no_tense():
    pub = date(2026, 10, 20)
    # The nearest January: the words after the month are no verbs of the sentence.
    text = "Le borse lavoro finanziano da gennaio il laboratorio, gestito dalla cooperativa."
    assert roles(text, pub) == [("2027-01", "start")]
    # A finite future verb beats a participle nearer the month.
    text = "Il piano sarà discusso in un incontro fissato a febbraio."
    assert [v for v, _ in roles(text, pub)] == ["2027-02"]
    # A participle alone before the month is past.
    assert [v for v, _ in roles("Attività conclusa a marzo.", pub)] == ["2026-03"]


def test_a_time_of_a_month_earlier_in_the_sentence_is_no_end_keyword():
    text = "Gli iscritti a fine marzo erano 80, con il servizio che dal 2 febbraio 2026 è gratuito."
    assert roles(text) == [("2026-02-02", "start")]


def test_signature_on_the_same_line_after_a_full_stop():
    text = "La relazione va alla Regione.\nBrescia, 4 marzo 2026. Il Dirigente del Settore."
    assert roles(text) == [("2026-03-04", "signed")]


def test_a_slash_between_two_months_is_a_range():
    text = "OGGETTO: servizio di mensa sociale - periodo giugno 2025 / maggio 2027."
    assert roles(text) == [("2025-06", "start"), ("2027-05", "end")]


def test_a_partire_dal_after_a_publication_is_the_publication_date():
    text = (
        "L'avviso è pubblicato all'Albo pretorio del Comune per trenta giorni consecutivi "
        "a partire dal 02/03/2026."
    )
    assert roles(text) == [("2026-03-02", "published")]
    assert roles("Il contributo spetta a partire dal 02/03/2026.") == [("2026-03-02", "start")]
