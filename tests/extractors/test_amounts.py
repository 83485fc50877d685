from extractors import amounts
from tests.extractors.conftest import run


def values(text: str) -> list[tuple[float, str | None]]:
    return [(c.value, c.role) for c in run(amounts, text)]


def test_currency_sign_and_words_with_roles():
    text = "Alla zona sono stati assegnati € 250.000 per i servizi; euro 12.345,67 liquidati."
    assert values(text) == [(250000.0, "allocated"), (12345.67, "paid")]


def test_role_after_amount_when_nothing_before():
    assert values("€ 75.000 destinati al pronto intervento sociale.") == [(75000.0, "allocated")]


def test_scales_and_number_words():
    text = (
        "Valgono 486 milioni di euro, poi 126,9 milioni di euro, € 1,2 mln, 150mila euro, "
        "5 mila euro e tredici milioni e mezzo di euro; un milione di euro a parte."
    )
    got = [c.value for c in run(amounts, text)]
    assert got == [486e6, 126.9e6, 1.2e6, 150000.0, 5000.0, 13.5e6, 1e6]


def test_amount_written_in_words_in_brackets_is_one_amount():
    got = run(amounts, "Il contratto vale Euro 45.000,00 (quarantacinquemila/00) oltre IVA.")
    assert [(c.value, c.text) for c in got] == [(45000.0, "Euro 45.000,00")]


def test_card_labels_on_previous_line():
    text = (
        "Importo programmato\n€ 1.149.465,93\nImporto ammesso a finanziamento\n€ 1.149.465,93\n"
        "Importo Giuridicamente Vincolante\n€ 118.741,13\nImporto erogato\n- € 36.500,93\n"
        "Risorse del programma\n1.149.465,93\n"
    )
    assert values(text) == [
        (1149465.93, "allocated"),
        (1149465.93, "admitted"),
        (118741.13, "committed"),
        (36500.93, "paid"),
        (1149465.93, "allocated"),
    ]


def test_cofinancing_and_total():
    text = "La quota di cofinanziamento è di 20.000 euro. Il costo complessivo è pari a € 220.000."
    assert values(text) == [(20000.0, "co-financing"), (220000.0, "total")]


def test_not_amounts():
    text = (
        "Nel triennio 2017-2019 e nel periodo 2014-2020, Priorità 4, Azione 4.4.8.1, il 40% "
        "dei posti; tel. 0585 123456, P.IVA 00123450456, Prot. n. 12.345 del 3/5/2020, "
        "determinazione n. 1.234,00 e 700 domande per 12 mesi."
    )
    assert run(amounts, text) == []


def test_bare_decimal_needs_a_money_label_or_grouping():
    assert run(amounts, "La media è 3,50 punti.") == []
    assert [c.value for c in run(amounts, "Spesa sostenuta: 3,50")] == [3.5]


def test_table_cells_under_currency_header():
    text = (
        "| Voce | Importo (€) | Note |\n|---|---|---|\n| Formazione | 12.500 | - |\n"
        "| Tirocini | 3.000,50 | - |\n\n| Anno | Dotazione (milioni di euro) |\n|---|---|\n"
        "| 2023 | 1,5 |\n"
    )
    assert [c.value for c in run(amounts, text)] == [12500.0, 3000.5, 1500000.0]


def test_currency_is_eur():
    assert {c.currency for c in run(amounts, "Sono 10 euro.")} == {"EUR"}


def test_a_share_takes_its_own_role_not_the_totals():
    text = "Le risorse complessive sono € 356.210,00, di cui € 301.400,00 già rendicontati."
    assert values(text)[1] == (301400.0, "paid")


def test_total_of_an_allocation_is_allocated():
    text = "Il progetto è stato finanziato dal Ministero per un totale di € 287.650,00."
    assert values(text) == [(287650.0, "allocated")]


def test_a_year_before_a_currency_word_and_its_figure_is_not_an_amount():
    text = (
        "La spesa si ripartisce così: annualità 2025 euro 1.200,50; esercizio 2026: € 800,00; "
        "per il 2027 euro 3.000,00 impegnati."
    )
    assert [c.value for c in run(amounts, text)] == [1200.5, 800.0, 3000.0]


def test_a_number_before_a_currency_word_that_heads_another_number_is_not_money():
    # "euro" here introduces the next figure, so the count before it is not an amount.
    text = "Lotti 3 euro 45.000,00 ciascuno; restano 500 euro di avanzo."
    assert [c.value for c in run(amounts, text)] == [45000.0, 500.0]


def test_role_word_right_after_the_amount_beats_the_verb_before_it():
    text = (
        "All'Unione sono stati assegnati € 800.000 e altri 40mila euro, più 12 mila euro di "
        "cofinanziamento e € 3.000 a titolo di compartecipazione."
    )
    assert values(text) == [
        (800000.0, "allocated"), (40000.0, "allocated"), (12000.0, "co-financing"),
        (3000.0, "co-financing"),
    ]


def test_a_participle_after_the_amount_gives_its_role():
    text = "Il centro riceve 2,3 mln di euro, finanziati dalla Regione."
    assert values(text) == [(2.3e6, "allocated")]


def test_a_total_word_right_before_beats_a_participle_after():
    text = "Il centro costa in tutto 2,3 mln di euro, finanziati dalla Regione e dal Comune."
    assert values(text) == [(2.3e6, "total")]


def test_money_added_to_an_amount_makes_it_a_part():
    text = (
        "L'emporio vale complessivamente 640.000 euro, coperti dal fondo regionale, ai quali "
        "l'Unione aggiunge 25mila euro per il trasporto."
    )
    assert values(text)[0] == (640000.0, "allocated")
    text = "Il servizio vale in tutto 300.000 euro, a cui si sommano 12mila euro dei soci."
    assert values(text)[0] == (300000.0, "allocated")
    text = "Per i locali la Provincia ha investito 70mila euro, ai quali si aggiungono i volontari."
    assert values(text) == [(70000.0, "allocated")]


def test_list_of_shares_each_takes_the_word_after_it():
    text = "La dotazione è di € 90.000, di cui € 60.000 impegnati e € 25.000 liquidati."
    assert values(text) == [(90000.0, "allocated"), (60000.0, "committed"), (25000.0, "paid")]


def test_share_without_own_word_takes_the_role_of_its_whole():
    text = (
        "Per il servizio sono stanziati complessivamente € 500.000, di cui € 300.000 dal Fondo "
        "regionale e € 200.000 dal bilancio comunale."
    )
    assert values(text) == [(500000.0, "allocated"), (300000.0, "allocated"),
                            (200000.0, "allocated")]


def test_a_verb_governs_the_total_it_names():
    text = (
        "Si dispone di impegnare la spesa complessiva di euro 31.200,00 sul bilancio. "
        "Il progetto è ammesso a contributo per l'importo totale di € 75.000,00. "
        "Le risorse complessive sono pari a € 410.000,00."
    )
    assert values(text) == [(31200.0, "committed"), (75000.0, "admitted"), (410000.0, "total")]


def test_items_of_a_list_after_a_colon_take_the_role_of_its_head():
    text = (
        "Si liquida la somma di euro 9.000,00 come segue: quota 2024 euro 4.000,00; "
        "quota 2025 euro 5.000,00."
    )
    assert values(text) == [(9000.0, "paid"), (4000.0, "paid"), (5000.0, "paid")]


def test_a_verb_of_distribution_directly_before_the_amount():
    text = "Al Distretto Nord vanno 220.000 euro, al Distretto Sud 180.000 euro."
    assert values(text) == [(220000.0, "allocated"), (180000.0, "allocated")]


def test_table_cells_take_the_role_of_the_caption_above_the_table():
    text = (
        "Tabella 2 - Somme erogate ai comuni (in euro)\n\n"
        "| Comune | Importo |\n|---|---|\n| Arezzo | 12.500,00 |\n| Cortona | 7.250,00 |\n"
    )
    assert values(text) == [(12500.0, "paid"), (7250.0, "paid")]


def test_a_share_list_wrapped_over_lines_keeps_the_role_of_its_whole():
    text = (
        "Art. 5 - Sono assegnati alla Zona € 900.000, di cui €\n600.000 dal Fondo nazionale e "
        "€ 300.000 dal Fondo regionale.\n"
    )
    assert values(text) == [(900000.0, "allocated"), (600000.0, "allocated"),
                            (300000.0, "allocated")]


def test_a_sentence_wrapped_over_lines_keeps_its_keyword():
    text = (
        "OGGETTO: Presa d'atto dello stanziamento regionale per il progetto \"Abitare\n"
        "insieme\" - somma di € 88.000,00.\n"
    )
    assert values(text) == [(88000.0, "allocated")]


def test_a_wrapped_line_does_not_reach_into_the_previous_sentence():
    text = "Il fondo è stato liquidato.\nSi ricorda che € 1.000,00 restano in cassa.\n"
    assert values(text) == [(1000.0, None)]


def test_a_currency_word_with_its_own_figure_after_stays_with_the_first_figure():
    text = (
        "L'iniziativa costa in tutto 96.400,00 euro: 80.000,00 euro provengono dal PR FSE+ e "
        "16.400,00 euro sono a carico del bilancio comunale."
    )
    assert values(text) == [(96400.0, "total"), (80000.0, "allocated"), (16400.0, "co-financing")]


def test_own_budget_or_a_foundation_makes_an_allocation_co_financing():
    text = (
        "La Provincia partecipa con un contributo di € 12.000,00 a carico del proprio bilancio. "
        "Si aggiunge un fondo di 9.000 euro messo a disposizione dalla Fondazione Monte Verde. "
        "L'ente deve impegnare € 3.000,00 a carico del bilancio 2026."
    )
    assert values(text) == [
        (12000.0, "co-financing"), (9000.0, "co-financing"), (3000.0, "committed")
    ]


def test_own_funds_of_a_later_clause_do_not_reach_back():
    text = (
        "La spesa, pari a euro 70.000,00, è coperta dal Fondo regionale, e i partner mettono "
        "risorse proprie per le sedi."
    )
    assert values(text) == [(70000.0, "allocated")]


def test_items_of_a_bulleted_list_take_the_role_of_the_head_line():
    text = (
        "2. di impegnare la somma complessiva di € 30.000,00 sul capitolo 901 come segue:\n"
        "- esercizio 2025: € 10.000,00;\n"
        "- esercizio 2026: € 20.000,00;\n"
    )
    assert values(text) == [(30000.0, "committed"), (10000.0, "committed"), (20000.0, "committed")]


def test_a_whole_split_into_a_list_is_a_total_and_its_items_are_not():
    text = (
        "I fondi disponibili ammontano a € 90.000,00, così suddivisi:\n"
        "- € 70.000,00 a valere sul Fondo Povertà;\n"
        "- € 20.000,00 quale quota di cofinanziamento dell'Unione.\n"
    )
    assert values(text) == [(90000.0, "total"), (70000.0, "allocated"), (20000.0, "co-financing")]


def test_shares_take_the_role_named_far_back_in_the_sentence():
    text = (
        "Con decreto la Regione ha assegnato all'Ambito il finanziamento di € 500.000,00 per "
        "aprire un emporio solidale e un centro diurno nella ex scuola di via dei Tigli, di cui "
        "€ 400.000,00 per i lavori e € 100.000,00 per gli arredi."
    )
    assert values(text) == [
        (500000.0, "allocated"), (400000.0, "allocated"), (100000.0, "allocated")
    ]


def test_verbs_of_cost_and_of_financing_name_roles():
    text = (
        "Il servizio costa circa 40mila euro. Vi si aggiungono i 12.000 euro del PR FSE+ che "
        "finanziano il trasporto. La spesa, pari a 8mila euro, è coperta dal Fondo nazionale."
    )
    assert values(text) == [(40000.0, "total"), (12000.0, "allocated"), (8000.0, "allocated")]


def test_awarding_a_service_is_a_commitment_and_hours_of_work_are_no_commitment():
    text = (
        "1. di aggiudicare il servizio per complessivi € 64.000,00. Al volontario spetta un "
        "rimborso di € 300,00 per un impegno di 15 ore settimanali."
    )
    assert values(text) == [(64000.0, "committed"), (300.0, None)]


def test_pipe_rows_take_the_role_of_their_label_cell():
    text = (
        "| Voce | 2024 | 2025 |\n"
        "|---|---|---|\n"
        "| Somme liquidate ai beneficiari (€) | 10.500,00 | 12.250,50 |\n"
        "| Totale | 10.500,00 | 12.250,50 |\n"
    )
    got = values(text)
    assert got[:2] == [(10500.0, "paid"), (12250.5, "paid")]


def test_a_bare_importo_label_on_a_card_is_the_allocated_amount():
    text = (
        "| CUP | J11B22000990006 |\n"
        "| Importo | € 280.000,00 |\n"
        "| di cui acquisto arredi | € 30.000,00 |\n"
    )
    assert values(text) == [(280000.0, "allocated"), (30000.0, "allocated")]
    assert values("- Importo\n- € 75.000,00\n") == [(75000.0, "allocated")]
    assert values("per l'importo di € 5.000,00 oltre IVA.") == [(5000.0, None)]


def test_a_number_heading_the_next_line_after_a_sentence_in_euro_is_no_amount():
    text = "La spesa prevista è di 40mila euro.\n2. Orari di apertura dello sportello"
    assert values(text) == [(40000.0, None)]
    assert [c.value for c in run(amounts, "Rimborso forfettario: eur. 250")] == [250.0]


def test_a_foundation_as_subject_or_the_comune_as_giver_make_co_financing():
    text = (
        "Il servizio ha il sostegno della Fondazione Lago Blu, che ha finanziato i corsi per "
        "14.000 euro. Il Comune aggiunge una quota di 6mila euro messa a disposizione dal "
        "Comune stesso; gli altri settemila euro li versa la parrocchia, a titolo di "
        "cofinanziamento, per gli arredi."
    )
    assert values(text) == [
        (14000.0, "co-financing"), (6000.0, "co-financing"), (7000.0, "co-financing")
    ]


def test_a_clause_joined_by_e_without_comma_keeps_the_amount_allocated():
    text = (
        "La festa costa 10mila euro, coperti per 8mila euro dal Fondo regionale destinato "
        "alle feste e per il resto con risorse del bilancio comunale."
    )
    assert values(text) == [(10000.0, "total"), (8000.0, "allocated")]


def test_a_share_opened_by_its_whole_is_no_total():
    text = (
        "Dell'importo complessivo, € 300.000,00 sono destinati agli alloggi e € 90.000,00 "
        "alle borse lavoro."
    )
    assert values(text) == [(300000.0, "allocated"), (90000.0, "allocated")]
    text = "Del totale, 40mila euro vanno alle borse di studio e 10mila euro ai trasporti."
    assert values(text) == [(40000.0, "allocated"), (10000.0, "allocated")]
    text = "Sul finanziamento regionale di 200.000 euro, 30mila euro sono già stati liquidati."
    assert values(text) == [(200000.0, "allocated"), (30000.0, "paid")]


def test_a_share_opened_by_its_whole_without_a_keyword_gets_no_role():
    text = "Del totale, 12mila euro serviranno per la mensa."
    assert values(text) == [(12000.0, None)]


def test_a_quota_charged_to_the_body_after_the_amount_is_co_financing():
    text = "Il piano costa 500.000 euro; la quota di € 60.000 per la mensa è a carico del Comune."
    assert values(text) == [(500000.0, "total"), (60000.0, "co-financing")]
    assert values("Il Comune partecipa con 20mila euro di risorse proprie.") == [
        (20000.0, "co-financing")
    ]


def test_a_second_payer_adding_money_is_co_financing():
    text = (
        "Il laboratorio è sostenuto dalla Regione con 80.000 euro e dal Comune di Lucca con "
        "altri 15.000 euro."
    )
    assert values(text) == [(80000.0, "allocated"), (15000.0, "co-financing")]


def test_a_member_joining_with_a_quota_is_co_financing():
    text = "Si chiede all'Unione di aderire al servizio con una quota di 15mila euro per il 2027."
    assert values(text) == [(15000.0, "co-financing")]
    text = "Ogni Comune dell'Ambito concorre alla spesa con un contributo di € 4.000,00."
    assert values(text) == [(4000.0, "co-financing")]


def test_a_foundation_as_subject_of_an_active_verb_gives_co_financing():
    text = "La Fondazione Alfa ha sostenuto gli arredi con un contributo di 30.000 euro."
    assert values(text) == [(30000.0, "co-financing")]
    text = "Il consiglio della Fondazione ha deliberato un contributo di € 20.000,00 per i corsi."
    assert values(text) == [(20000.0, "co-financing")]
    # The foundation receives the money here: the payment stays a payment.
    text = "Il Comune ha pagato 5.000 euro alla Fondazione Alfa, che ha gestito il servizio."
    assert values(text) == [(5000.0, "paid")]


def test_a_state_participle_later_in_the_clause_names_the_role():
    text = (
        "2. di assegnare all'Ambito la somma di € 9.000,00 per i trasporti, già impegnata sul "
        "capitolo 1203 del bilancio;"
    )
    assert values(text) == [(9000.0, "committed")]
    text = "Restano € 4.000,00 per i rimborsi, già stati liquidati ai volontari."
    assert values(text) == [(4000.0, "paid")]


def test_admission_to_funding_in_an_act_is_admitted():
    text = (
        "- la Regione, con nota del 3 marzo, ha comunicato l'ammissione a finanziamento del "
        "progetto presentato dall'Ambito per un importo di € 120.000,00;"
    )
    assert values(text) == [(120000.0, "admitted")]
    text = "La Giunta prende atto che il progetto è stato ammesso a finanziamento per € 420.000,00."
    assert values(text) == [(420000.0, "admitted")]


def test_verbs_of_having_money_are_allocations():
    text = "La cooperativa può contare su 250.000 euro del fondo nazionale per il 2025."
    assert values(text) == [(250000.0, "allocated")]
    text = "Per la cucina il Comune ha investito 60mila euro."
    assert values(text) == [(60000.0, "allocated")]


def test_a_totale_row_is_a_total_unless_the_caption_names_a_role():
    table = (
        "| Anno | Residuo da spendere (€) |\n"
        "|---|---|\n"
        "| 2024 | 1.000,00 |\n"
        "| Totale | 3.500,00 |\n"
    )
    assert values("Tabella 2 - Quadro delle somme\n\n" + table)[-1] == (3500.0, "total")
    assert values("Somme assegnate come segue:\n\n" + table)[-1] == (3500.0, "allocated")


def test_more_verbs_and_phrases_of_co_financing_and_payment():
    assert values("La quota a carico dell'Ente è di € 5.000,00.") == [(5000.0, "co-financing")]
    assert values("Il Comune cofinanzia l'intervento con 8mila euro.") == [
        (8000.0, "co-financing")
    ]
    text = "Alla cooperativa sono stati versati 12.000 euro come primo acconto."
    assert values(text) == [(12000.0, "paid")]


def test_a_cost_named_in_apposition_is_the_total_and_its_parts_take_their_payers():
    text = (
        "Il costo del servizio, stimato in € 90.000,00, sarà coperto per € 72.000,00 dal Fondo "
        "Povertà e per € 18.000,00 con fondi comunali."
    )
    assert values(text) == [(90000.0, "total"), (72000.0, "allocated"), (18000.0, "co-financing")]


def test_the_body_own_money_after_another_part_stays_with_its_own_part():
    text = (
        "La mensa costa circa 50mila euro, coperti per 35mila euro dal fondo regionale e per il "
        "resto con risorse comunali."
    )
    assert values(text) == [(50000.0, "total"), (35000.0, "allocated")]


def test_accounting_verbs_of_an_act_give_the_role():
    text = "3. di imputare la spesa di € 48.000,00 al capitolo 1402 del bilancio 2025;"
    assert values(text) == [(48000.0, "committed")]
    text = "4. di dare atto che la spesa trova copertura per € 12.000,00 nel fondo regionale;"
    assert values(text) == [(12000.0, "allocated")]
    assert values("Per l'anno 2025 sono previsti 20.000 euro per le borse lavoro.") == [
        (20000.0, "allocated")
    ]


def test_an_act_done_on_the_money_governs_the_words_that_name_it():
    assert values("di liquidare il contributo concesso di € 5.000,00 all'associazione Gamma;") == [
        (5000.0, "paid")
    ]
    assert values("di impegnare le risorse assegnate pari a € 40.000,00 sul capitolo 1200;") == [
        (40000.0, "committed")
    ]
    assert values("La Regione ha ammesso il progetto al finanziamento di € 300.000,00.") == [
        (300000.0, "admitted")
    ]
    # A comma closes the verb's clause: the allocation named after it stands.
    text = "Dopo aver liquidato gli acconti, la Regione ha assegnato € 70.000,00 al Comune."
    assert values(text) == [(70000.0, "allocated")]


def test_codes_years_ranges_percentages_and_counts_are_not_amounts():
    text = (
        "Nel triennio 2021-2023 l'Azione 2.3.1.4 (decisione C(2021) 4512, Priorità 3) ha "
        "coperto il 40% dei 12 comuni, per 7 mila abitanti e 2 milioni di visite; "
        "ISEE fino a 7.500 euro e buono di trecento euro."
    )
    assert [c.value for c in run(amounts, text)] == [7500.0, 300.0]


def test_table_and_amount_readers_agree_on_a_scaled_cell():
    from extractors.registry import extract_document
    from models.records import Document

    text = "| Regione | Dotazione (milioni di euro) |\n|---|---|\n| Molise | 17,6 |\n"
    got = [(c.value, c.role) for c in extract_document(Document(text=text)) if c.kind == "amount"]
    assert got == [(17_600_000.0, "allocated")]
