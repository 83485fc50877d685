import re

import pytest

from extractors import organisations
from extractors.base import load_patterns
from extractors.organisations.names import PATTERNS
from tests.extractors.conftest import run


def orgs(text: str) -> list[tuple[str, str | None]]:
    return [(c.value, c.role) for c in run(organisations, text)]


def test_comune_validated_against_istat_list():
    text = "Il Comune di Pontremoli e il Comune di Paperopoli hanno aderito."
    values = [v for v, _ in orgs(text)]
    assert values[0] == "Comune di Pontremoli"
    assert "Comune di Paperopoli" not in values


def test_comuni_list_is_read_from_the_package_not_typed():
    table = organisations.comuni()
    assert len(table) > 7000
    assert table["forli"] == "Forlì"


def test_cpi_spellings_share_one_canonical_name():
    text = "Il CPI di Pisa, poi il Centro per l’impiego di Pisa e il C.P.I. di Pisa."
    assert {v for v, _ in orgs(text)} == {"Centro per l'Impiego di Pisa"}


def test_lead_and_partners():
    text = (
        "Il progetto ha come capofila il Comune di Lucca. Il Comune di Capannori e il Comune di "
        "Altopascio sono partner del progetto."
    )
    assert orgs(text) == [
        ("Comune di Lucca", "lead"),
        ("Comune di Capannori", "partner"),
        ("Comune di Altopascio", "partner"),
    ]


def test_funder_and_delivery():
    text = (
        "L'iniziativa è finanziata dalla Fondazione Cariparma. Il servizio è affidato alla "
        "Cooperativa sociale “Il Girasole”."
    )
    assert orgs(text) == [
        ("Fondazione Cariparma", "funder"),
        ("Cooperativa Il Girasole", "delivery"),
    ]


def test_many_kinds_of_body():
    text = (
        "Partecipano l'INPS, l'ANPAL, il Ministero del lavoro e delle politiche sociali, "
        "la Regione Toscana, la Provincia di Cremona, l'Ambito territoriale n. 12, "
        "la Zona distretto Lunigiana, l'Unione dei Comuni della Garfagnana, "
        "la Società della Salute della Valdinievole, l'ULSS 3 Serenissima, l'A.usl, "
        "l'Università di Pisa, il Consorzio Sociale Zenit e l'Associazione Arcobaleno, "
        "oltre all'Agenzia per la Coesione Territoriale."
    )
    values = [v for v, _ in orgs(text)]
    assert values == [
        "INPS",
        "Agenzia Nazionale per le Politiche Attive del Lavoro",  # GUIDELINES.md
        "Ministero del Lavoro e delle Politiche Sociali",
        "Regione Toscana",
        "Provincia di Cremona",
        "Ambito territoriale n. 12",
        "Zona distretto Lunigiana",
        "Unione dei Comuni Garfagnana",
        "Società della Salute Valdinievole",
        "ULSS 3 Serenissima",
        # "l'A.usl" alone names no authority (GUIDELINES: no unnamed bodies)
        "Università degli Studi di Pisa",  # GUIDELINES.md
        "Consorzio Zenit",
        "Associazione Arcobaleno",
        "Agenzia per la Coesione Territoriale",
    ]


def test_comuni_list_gives_one_claim_each():
    values = [v for v, _ in orgs("Aderiscono i Comuni di Livorno, Collesalvetti e Capraia Isola.")]
    assert values == ["Comune di Livorno", "Comune di Collesalvetti", "Comune di Capraia Isola"]


def test_not_people_classes_or_offices():
    text = (
        "L'assessora Maria Rossi, la Giunta comunale, il Settore Servizi Sociali, l'Ufficio di "
        "Piano, i Comuni dell'Ambito, gli enti del Terzo settore e la Regione hanno lavorato."
    )
    assert orgs(text) == []


def test_trigger_dispatch_finds_what_a_full_scan_finds():
    """Trying rules only at trigger hits loses no match a scan of every rule would find."""
    from evaluation.corpus import default_root, load_set, read

    for set_name in ("dev", "heldout"):
        for doc in load_set(default_root(), set_name):
            text = read(doc).text
            dispatched = {(id(r), m.start(), m.end()) for r, m in organisations._matches(text)}
            for rule in organisations.RULES:
                for m in rule.regex.finditer(text):
                    assert (id(rule), m.start(), m.end()) in dispatched, (doc.name, m.group(0))


def test_a_semicolon_ends_the_reach_of_a_role():
    text = (
        "Il Comune di Massa è capofila; il Comune di Carrara e il Comune di Montignoso "
        "partecipano come partner."
    )
    assert orgs(text) == [
        ("Comune di Massa", "lead"),
        ("Comune di Carrara", "partner"),
        ("Comune di Montignoso", "partner"),
    ]


def test_health_authority_number_after_its_place_is_kept():
    text = (
        "Le visite domiciliari sono garantite dalla ASL Roma 1, mentre a Perugia collabora "
        "l'Azienda USL Umbria 1 per la presa in carico."
    )
    values = [v for v, _ in orgs(text)]
    assert "ASL Roma 1" in values
    assert "Azienda USL Umbria 1" in values


def test_a_count_after_a_health_authority_is_not_its_number():
    values = [v for v, _ in orgs("Con l'ASL Bari 12 operatori hanno seguito i casi.")]
    assert values == ["ASL di Bari"]


def test_capitalised_letterhead_name_is_title_cased():
    text = "UNIONE DEI COMUNI VALLE DEL SAVIO\nSettore servizi alla persona"
    assert [v for v, _ in orgs(text)] == ["Unione dei Comuni Valle del Savio"]


def test_a_single_capitalised_word_stays_as_written():
    assert organisations.unshout("CISS") == "CISS"
    assert organisations.unshout("ALTA VALLE DELL'ADIGE") == "Alta Valle dell'Adige"


def test_a_short_second_mention_takes_the_full_name_given_before():
    text = (
        "Aderisce la Caritas diocesana di Rieti. Nel 2023 la Caritas ha aperto una mensa.\n"
        "Il Comune di Massa e il Comune di Massa Marittima collaborano."
    )
    values = [v for v, _ in orgs(text)]
    assert values == [
        "Caritas diocesana di Rieti",
        "Caritas diocesana di Rieti",
        "Comune di Massa",
        "Comune di Massa Marittima",
    ]


def test_a_short_mention_with_two_fuller_candidates_stays_short():
    text = "Partecipano la ASL Roma 1 e la ASL Roma 2; la ASL Roma coordina."
    assert [v for v, _ in orgs(text)] == ["ASL Roma 1", "ASL Roma 2", "ASL di Roma"]


def names(text: str) -> list[str]:
    return [c.value for c in run(organisations, text)]


def test_list_after_plural_body_word_gives_one_comune_each():
    text = "Aderiscono i Comuni di Bibbiena, Poppi, Castel San Niccolò e Chiusi della Verna."
    assert names(text) == [
        "Comune di Bibbiena",
        "Comune di Poppi",
        "Comune di Castel San Niccolò",
        "Comune di Chiusi della Verna",
    ]


def test_list_after_colon_without_final_e_and_wrapped_item():
    text = "Comuni della Zona: Cortona, Foiano della\nChiana, Lucignano\nReferente: ufficio piani"
    assert names(text) == [
        "Comune di Cortona",
        "Comune di Foiano della Chiana",
        "Comune di Lucignano",
    ]


def test_list_of_places_where_activities_happen_is_no_body():
    text = "I laboratori si terranno nei comuni di Celle Ligure e Varazze da marzo."
    assert names(text) == []
    assert names("Le squadre lavorano tra i comuni di Celle Ligure e Varazze.") == []


def test_list_of_unknown_names_gives_nothing():
    assert names("i Comuni di Paperopoli, Topolinia e Zootropia") == []


def test_letterhead_in_capitals():
    assert names("CITTÀ DI MATERA\nDetermina dirigenziale n. 4") == ["Comune di Matera"]
    assert names("COMUNE DI RAGUSA\nSettore servizi sociali") == ["Comune di Ragusa"]


def test_housing_agency_acronym_then_place():
    text = "Gli alloggi sono dell'ALER Brescia; altri li cede l'ATER di Trieste."
    assert names(text) == ["ALER Brescia", "ATER di Trieste"]


def test_university_health_agency():
    text = "La presa in carico spetta all'Azienda sanitaria universitaria Giuliano Isontina."
    assert names(text) == ["Azienda sanitaria universitaria Giuliano Isontina"]


def test_fondazione_della_and_caritas_adjective():
    text = (
        "Contribuisce la Fondazione della Comunità Novarese; ascolta le famiglie la Caritas "
        "diocesana ambrosiana."
    )
    assert names(text) == [
        "Fondazione della Comunità Novarese",
        "Caritas diocesana ambrosiana",
    ]


def test_ambito_code_and_ats_code_are_the_same_ambito():
    assert names("risorse assegnate all'ATS VEN_12 Venezia per il servizio") == [
        "Ambito territoriale VEN_12 Venezia"
    ]
    assert names("l'Ambito territoriale VEN_12 Venezia ha approvato") == [
        "Ambito territoriale VEN_12 Venezia"
    ]
    assert names("la ATS di Brescia e il Comune di Brescia") == [
        "ATS di Brescia",
        "Comune di Brescia",
    ]


def test_ambito_socio_territoriale():
    assert names("l'Ambito socio-territoriale Matera, di cui il Comune è capofila") == [
        "Ambito territoriale Matera"
    ]


def test_sds_letterhead_with_two_areas_and_unione_named_directly():
    text = "SOCIETÀ DELLA SALUTE BASSA VAL DI CECINA - VAL DI FINE\nVia Roma 3\n"
    assert names(text) == ["Società della Salute Bassa Val di Cecina - Val di Fine"]
    # A dash followed by a document title is not part of the name.
    assert names("Società della Salute Pisana - Verbale della seduta") == [
        "Società della Salute Pisana"
    ]
    assert names("l'Unione Valdarno e Valdisieve mette a disposizione due alloggi") == [
        "Unione Valdarno e Valdisieve"
    ]
    assert names("DELIBERAZIONE DELLA GIUNTA DELL'UNIONE N. 12") == []


def test_short_mentions_take_the_full_name():
    text = (
        "L'Unione dei Comuni Mugello coordina. L'Unione Mugello assegna i fondi.\n"
        "Si collabora con il Centro per l'Impiego competente, cioè il Centro per l'Impiego di "
        "Borgo San Lorenzo."
    )
    assert set(names(text)) == {
        "Unione dei Comuni Mugello",
        "Centro per l'Impiego di Borgo San Lorenzo",
    }


def test_a_name_never_takes_the_next_line_capitalised_word():
    text = "Firmato il patto con la Caritas\nAggiornato il 3 maggio\nLa Caritas Aretina gestirà."
    assert set(names(text)) == {"Caritas Aretina"}
    # A lower-case word on the next line still continues: PDF lines wrap.
    assert names("per la Caritas\ndiocesana di Chiavari il direttore") == [
        "Caritas diocesana di Chiavari"
    ]


def test_no_unchecked_name_starts_on_the_next_line():
    text = "Accordo firmato con la Fondazione\nAggiornato il 2 aprile\nAUSL\nContatti"
    assert names(text) == []
    # A comune is checked against the ISTAT list, so it may wrap.
    assert names("il Comune di\nSiena") == ["Comune di Siena"]


def test_lower_case_phrase_inside_a_name_before_a_capitalised_word():
    text = "Partecipa la Fondazione Casa del Sole per i ragazzi Calabria, con due educatori."
    assert names(text) == ["Fondazione Casa del Sole per i ragazzi Calabria"]
    # A phrase that says what the body does ends the name.
    text = "Contribuisce la Fondazione Monte Verde per il progetto Alba con 10.000 euro."
    assert names(text) == ["Fondazione Monte Verde"]
    # With no capitalised word after it the phrase is not part of the name.
    assert names("la Fondazione Monte Verde per i ragazzi del quartiere") == [
        "Fondazione Monte Verde"
    ]


def test_housing_words_that_are_not_bodies():
    assert names("gli alloggi ERP di Livorno sono assegnati") == []
    assert names("FESTIVAL DI MUSICA, ARTE E CULTURA") == []
    assert names("l'ACER Reggio Emilia gestisce gli alloggi") == ["ACER Reggio Emilia"]


def test_everyday_names_of_comuni_with_an_inner_connector():
    text = "Il Comune di Reggio Emilia e la CITTÀ DI REGGIO CALABRIA aderiscono alla rete."
    assert names(text) == ["Comune di Reggio nell'Emilia", "Comune di Reggio di Calabria"]


def test_schools_hospitals_and_foundations_named_after_a_place():
    text = (
        "Collaborano l'Istituto comprensivo “Gianni Rodari” di Alba, l'Istituto di Istruzione "
        "Superiore Enrico Fermi, l'Azienda Ospedaliera di Padova e la Fondazione di Venezia."
    )
    assert names(text) == [
        "Istituto comprensivo Gianni Rodari di Alba",
        "Istituto di istruzione superiore Enrico Fermi",
        "Azienda ospedaliera di Padova",
        "Fondazione di Venezia",
    ]


def test_lower_case_associazione_and_legal_form_first():
    text = (
        "Aderiscono l'associazione Sole Nascente APS, l'OdV Porte Aperte e "
        "un'associazione temporanea di scopo tra le cooperative; in associazione con altri enti."
    )
    assert names(text) == ["Associazione Sole Nascente", "Associazione Porte Aperte"]


def test_one_name_per_region():
    text = "Finanziato dalla Regione Sicilia e, per la quota restante, dalla Regione Siciliana."
    assert names(text) == ["Regione Siciliana", "Regione Siciliana"]


def test_health_authorities_of_special_statute_and_their_acronyms():
    text = (
        "Con l'APSS di Trento, l'ASReM e l'AUSL della Romagna; l'Azienda provinciale per i "
        "servizi sanitari ha messo a disposizione due psicologi."
    )
    assert names(text) == [
        "Azienda provinciale per i servizi sanitari di Trento",
        "Azienda sanitaria regionale del Molise",
        "Azienda USL della Romagna",
        "Azienda provinciale per i servizi sanitari di Trento",
    ]


def test_comunita_di_valle_and_associations_called_comunita():
    text = (
        "Gestisce il servizio la Comunità della Valle dei Laghi con la Comunità di Sant'Egidio; "
        "i ragazzi vivono in una Comunità Alloggio e la Comunità Europea non c'entra."
    )
    assert names(text) == ["Comunità della Valle dei Laghi", "Comunità di Sant'Egidio"]


def test_comuni_listed_after_tra_cui_are_bodies():
    text = (
        "L'ambito raccoglie dodici Comuni tra cui Bosa, Macomer e Sindia; "
        "i Comuni della valle, tra i quali Pinzolo, Tione di Trento e Storo, hanno aderito."
    )
    assert names(text) == [
        "Comune di Bosa", "Comune di Macomer", "Comune di Sindia",
        "Comune di Pinzolo", "Comune di Tione di Trento", "Comune di Storo",
    ]


def test_comune_and_job_centre_whose_name_has_an_article():
    text = "Il Comune dell'Aquila, il Centro per l'Impiego della Spezia e la CITTÀ DELL'AQUILA."
    assert names(text)[:2] == ["Comune di L'Aquila", "Centro per l'Impiego di La Spezia"]


def test_legal_form_after_the_name():
    text = (
        "Aggiudicataria è Il Girotondo società cooperativa sociale Onlus; collaborano "
        "Mani Unite ODV e, come capogruppo, RTI Cooperativa sociale Delta."
    )
    assert names(text) == [
        "Cooperativa Il Girotondo", "Associazione Mani Unite", "Cooperativa Delta",
    ]


def test_acronym_defined_in_brackets_is_the_same_body():
    text = (
        "Tra l'Azienda Sanitaria Locale di Lecce (di seguito ASL LE) e la Caritas. "
        "La ASL LE mette a disposizione due infermieri. L'ASL Caserta - Distretto 14 collabora."
    )
    assert names(text) == ["ASL di Lecce", "Caritas", "ASL di Lecce", "ASL di Caserta"]


def test_health_district_is_part_of_its_authority_but_socio_sanitario_is_a_body():
    text = "Il Distretto sanitario di Bosa e il Distretto Socio-Sanitario di Ghilarza-Bosa."
    assert names(text) == ["Distretto socio-sanitario di Ghilarza-Bosa"]


def test_housing_agencies_written_in_full_take_their_acronym():
    text = (
        "Con l'Istituto Autonomo Case Popolari di Trapani e l'Agenzia Territoriale per la Casa "
        "del Piemonte Centrale (ATC) sono stati ristrutturati gli alloggi."
    )
    assert names(text) == ["IACP di Trapani", "ATC Piemonte Centrale"]


def test_bodies_named_without_a_type_word():
    text = (
        "Partecipano la Camera di Commercio di Pordenone-Udine, il Libero Consorzio Comunale "
        "di Trapani, l'Auser di Mestre, il Banco Alimentare del Lazio, l'Agenzia Piemonte "
        "Lavoro, la Prefettura - Ufficio Territoriale del Governo di Enna e il CPIA di Lodi."
    )
    assert names(text) == [
        "Camera di Commercio di Pordenone-Udine",
        "Libero Consorzio Comunale di Trapani",
        "Auser di Mestre",
        "Banco Alimentare del Lazio",
        "Agenzia Piemonte Lavoro",
        "Prefettura di Enna",
        "CPIA di Lodi",
    ]


def test_a_name_wrapped_at_the_margin_of_running_text_goes_on():
    line = "Le attività sono state sostenute con un contributo erogato dalla Fondazione"
    assert len(line) >= 70
    assert names(line + "\nCassa di Risparmio di Fermo, che ha coperto le borse.") == [
        "Fondazione Cassa di Risparmio di Fermo"
    ]
    assert names("La Fondazione\nPubblicato il 3 maggio 2024") == []


def test_names_with_elisions_demonyms_numbers_and_english_words():
    text = (
        "Aderiscono l'Unione dei Comuni della Bassa reggiana, l'ASST dei Sette Laghi, l'ASST "
        "della Valtellina e dell'Alto Lario, la Società di San Vincenzo de' Paoli, la Cooperativa "
        "sociale Alfa 92, Fiori del Male società cooperativa sociale e Home for All APS."
    )
    assert names(text) == [
        "Unione dei Comuni Bassa Reggiana",
        "ASST dei Sette Laghi",
        "ASST della Valtellina e dell'Alto Lario",
        "Cooperativa Alfa 92",
        "Cooperativa Fiori del Male",
        "Associazione Home for All",
    ]


def test_lower_case_consortium_foundation_and_labour_agencies_written_in_full():
    text = (
        "Con il consorzio Sol Levante, la fondazione Aurora Ets, l'Agenzia Sarda per le Politiche "
        "Attive del Lavoro (di seguito “ASPAL”) e l'Azienda Calabria Lavoro; l'ASPAL firma."
    )
    assert names(text) == [
        "Consorzio Sol Levante",
        "Fondazione Aurora",
        "Agenzia Sarda per le Politiche Attive del Lavoro",
        "Azienda Calabria Lavoro",
        "Agenzia Sarda per le Politiche Attive del Lavoro",
    ]


def test_province_named_after_two_comuni_and_comuni_written_apart():
    text = (
        "La Provincia di Pesaro-Urbino, la Prefettura di Forlì-Cesena e il Comune di Porto "
        "Venere."
    )
    assert names(text) == [
        "Provincia di Pesaro-Urbino", "Prefettura di Forlì-Cesena", "Comune di Portovenere",
    ]


def test_casa_della_comunita_is_a_building():
    assert names("Il punto d'accesso è nella Casa della Comunità di Bra.") == []


# --- organisations 1.8.0: every rule's own examples, then member lists and canonical names ---

_RULES = PATTERNS["rules"]  # organisations.toml, organisations_public.toml, ..._third_sector.toml
_CASES = [
    pytest.param(rule["name"], text, expected, id=f"{rule['name']}-{key}{i}")
    for rule in _RULES
    for expected, key in ((True, "match"), (False, "no_match"))
    for i, text in enumerate(rule[key])
]


def test_every_rule_has_a_name_a_reason_and_examples():
    seen = set()
    for rule in _RULES:
        assert rule["name"] not in seen, rule["name"]
        seen.add(rule["name"])
        assert rule["why"].strip() and rule["match"] and rule["no_match"], rule["name"]


@pytest.mark.parametrize(("rule_name", "text", "expected"), _CASES)
def test_rule_examples(rule_name: str, text: str, expected: bool):
    """A rule gives a claim on each of its ``match`` texts and none on its ``no_match`` texts."""
    fired = {c.attrs.get("rule") for c in run(organisations, text)}
    assert (rule_name in fired) is expected


_CUES = load_patterns("organisations_members")


@pytest.mark.parametrize("cue", _CUES["cues"], ids=lambda c: c["name"])
def test_member_cue_examples(cue: dict):
    rx = re.compile(rf"\b(?:{cue['pattern']})", re.I)
    assert all(rx.search(t) for t in cue["match"])
    assert not any(rx.search(t) for t in cue["no_match"])


@pytest.mark.parametrize("key", ["place_before", "amount_after"])
def test_member_list_guards(key: str):
    rx = re.compile(_CUES[key]["pattern"], re.I)
    assert all(rx.search(t) for t in _CUES[key]["match"])
    assert not any(rx.search(t) for t in _CUES[key]["no_match"])


@pytest.mark.parametrize("key", ["match", "no_match"])
def test_member_column_examples(key: str):
    for text in _CUES["member_column"][key]:
        fired = {c.attrs.get("rule") for c in run(organisations, text)}
        assert ("members_table_column" in fired) is (key == "match"), text


def claims(text: str) -> list[tuple[str, str, str]]:
    return [(c.value, c.text, c.attrs["rule"]) for c in run(organisations, text)]


def test_members_after_si_tratta_di_with_a_short_form_read_by_province():
    text = (
        "Sono cinque i comuni che hanno chiuso le prese in carico. Si tratta di: Potenza, "
        "Rionero, Bella e Tursi. Per l'altra provincia: Policoro, Scanzano Ionico."
    )
    got = claims(text)
    assert [v for v, _, _ in got] == [
        "Comune di Potenza", "Comune di Rionero in Vulture", "Comune di Bella", "Comune di Tursi",
        "Comune di Policoro", "Comune di Scanzano Jonico",
    ]
    assert got[1][1] == "Rionero"  # the text is the place as written
    assert {r for _, _, r in got} == {"members_si_tratta_di"}


def test_members_in_brackets_after_capofila_and_after_a_district():
    text = (
        "Le imprese del Distretto D4 (capofila Sciacca, Menfi, Caltabellotta) hanno accolto i "
        "tirocinanti. Possono candidarsi i residenti in uno dei Comuni del Distretto D4 ( Sciacca, "
        "Sambuca di Sicilia)."
    )
    values = [v for v, _, _ in claims(text)]
    assert values.count("Distretto socio-sanitario D4") == 2
    for place in ("Sciacca", "Menfi", "Caltabellotta", "Sambuca di Sicilia"):
        assert f"Comune di {place}" in values


def test_places_of_residence_and_single_names_are_no_members():
    text = (
        "Il bando è rivolto ai residenti nei comuni di Menfi, Sciacca e Ribera. Il capofila "
        "Ribera ha sede in piazza."
    )
    assert claims(text) == []


def test_a_list_of_comuni_each_with_a_sum_names_the_recipients():
    text = "Le quote: Bari (120.000 euro), Lecce (95.000 euro) e Brindisi (€ 60.000)."
    assert [v for v, _, _ in claims(text)] == [
        "Comune di Bari", "Comune di Lecce", "Comune di Brindisi",
    ]


def test_abbreviated_comuni():
    text = "Aderiscono i Comuni di San Valentino in A.C., Loreto A. e Pianella."
    assert [v for v, _, _ in claims(text)] == [
        "Comune di San Valentino in Abruzzo Citeriore", "Comune di Loreto Aprutino",
        "Comune di Pianella",
    ]
    assert claims("Il rimborso al comune di S.Giovanni Teatino.")[0][0] == (
        "Comune di San Giovanni Teatino"
    )


def test_one_name_per_ambito_in_a_document():
    text = (
        "Nola, Piano di Zona N23: approvato il piano. L'Ambito N23 Nola-Pomigliano ha ottenuto "
        "i fondi. Accordo tra Comuni dell'Ambito sociale D/3 e le Scuole del Distretto socio "
        "sanitario D/3."
    )
    assert [v for v, _, _ in claims(text)] == [
        "Ambito territoriale N23 Nola-Pomigliano", "Ambito territoriale N23 Nola-Pomigliano",
        "Ambito territoriale D/3", "Ambito territoriale D/3",
    ]


def test_sicilian_district_numbers_take_their_letter():
    text = "Lavorano nel distretto 7 che comprende anche il comune di Sciacca."
    assert [v for v, _, _ in claims(text)] == [
        "Distretto socio-sanitario D7", "Comune di Sciacca",
    ]
    assert [v for v, _, _ in claims("Il distretto 7 e il comune di Prato.")] == [
        "Distretto 7", "Comune di Prato",
    ]


def test_names_stop_at_a_comune_a_code_or_a_new_sentence():
    text = (
        "Parla il presidente del Distretto Socio Sanitario di Cesena Mario Bianchi. "
        "ASL BA Componente delegato. Con l'Azienda Sanitaria Provinciale di Enna Premesso che"
    )
    assert [v for v, _, _ in claims(text)] == [
        "Distretto socio sanitario di Cesena", "ASL BA", "ASP di Enna",
    ]


def test_eu_bodies_and_lower_case_public_bodies():
    text = (
        "Il programma, approvato dalla commissione europea, è finanziato dall’Unione Europea. "
        "Possono partecipare i cittadini dell'Unione europea. Il ministero del lavoro ha "
        "assegnato alla città di Verona un fondo."
    )
    assert [v for v, _, _ in claims(text)] == [
        "Commissione europea", "Unione europea", "Ministero del Lavoro e delle Politiche Sociali",
        "Comune di Verona",
    ]
    assert claims(text)[1][1] == "Unione Europea"  # "finanziato dall'" is not quoted


def test_firms_by_legal_form_and_headings_in_capitals():
    text = (
        "ADESIONE CONVENZIONE GAMMA SPA PER LA FORNITURA. L'incarico va alla ditta Delta Servizi "
        "s.r.l. di Como; la ASP CITTA’ DI FERRARA gestisce."
    )
    assert [v for v, _, _ in claims(text)] == ["GAMMA", "Delta Servizi", "ASP Città di Ferrara"]


def test_generic_and_context_words_are_no_bodies():
    text = "PROGETTO DI COMUNITÀ LOCALE NELL’AMBITO DEL PROGETTO ALFA; la comunità locale."
    assert claims(text) == []


def test_member_lists_in_bullets_or_with_dashes_and_names_that_go_on():
    text = "I Comuni dell'Ambito sono:\n- Sciacca\n- Menfi\nAderiscono: Bivona - Cianciana."
    assert [v for v, _, _ in claims(text)] == [
        "Comune di Sciacca", "Comune di Menfi", "Comune di Bivona", "Comune di Cianciana",
    ]
    # "Alto" is a comune, "Alto Isonzo" is not: the run is no list of comuni
    assert claims("i Comuni dell'area Collio - Alto Isonzo, insieme") == []


def test_a_body_named_only_as_the_owner_of_premises_is_a_place():
    text = "Lo sportello aprirà nei locali della sede della Misericordia di Empoli."
    assert claims(text) == []
    text = "La Misericordia di Empoli gestisce lo sportello nella sede della Misericordia di Vinci."
    assert [v for v, _, _ in claims(text)] == ["Misericordia di Empoli"]
    text = "La Misericordia di Empoli apre nella sede della Misericordia di Empoli."
    assert [v for v, _, _ in claims(text)] == ["Misericordia di Empoli"] * 2


# --- organisations 1.9.0: names in capitals, names that close with a noun, wrapped names ---


@pytest.mark.parametrize(("text", "expected"), [
    # capitals: a preposition with an article ends a name; "PER" only before what a body does
    ("AFFIDAMENTO DEL SERVIZIO DELL'AMBITO S5 ALLA COOPERATIVA SOCIALE LA RETE SOLIDALE PER IL "
     "SERVIZIO DI TRASPORTO", ["Ambito territoriale S5", "Cooperativa La Rete Solidale"]),
    ("FONDAZIONE ALFA PER L'INCLUSIONE ETS", ["Fondazione Alfa per l'Inclusione"]),
    ("ADESIONE DELL'AMBITO DISTRETTUALE DI VOGHERA ALL'AVVISO REGIONALE",
     ["Ambito territoriale Voghera"]),
    ("1. IL CONSORZIO E IL SUO PERSONALE", []),
    # a body word closing a name is a noun of it
    ("la cooperativa sociale Terra Comune gestisce il servizio", ["Cooperativa Terra Comune"]),
    ("con la Fondazione Alta Valle per la Comunità, che finanzia", [
        "Fondazione Alta Valle per la Comunità"]),
    ("il servizio svolto dalla Cooperativa Alfa per il Comune.", ["Cooperativa Alfa"]),
    # legal forms after the name are dropped
    ("COMUNITÀ SOCIALE BERGAMASCA A.S.C. - DETERMINA", ["Comunità Sociale Bergamasca"]),
    # health authorities numbered after the place, with a direction, in any case
    ("E L'ASL SALERNO 3 SUD PER LA GESTIONE", ["ASL Salerno 3 Sud"]),
    ("con l'ASL Napoli 3 Sud e il Comune di Nola", ["ASL Napoli 3 Sud", "Comune di Nola"]),
    # sub-district numbers and Sardinian PLUS
    ("il Distretto socio-sanitario LT 2.1, che", ["Distretto socio-sanitario LT 2.1"]),
    ("assegnati all'Ambito PLUS Sarcidano-Barbagia di Seulo",
     ["Ambito territoriale Sarcidano-Barbagia di Seulo"]),
    ("in qualità di gestore dell'Ambito PLUS 21, il Comune", ["Ambito territoriale PLUS 21"]),
    # names wrapped at a line end, and "Inps" as newspapers write it
    ("le azioni condotte con il Centro\nper l'Impiego di Prato", ["Centro per l'Impiego di Prato"]),
    ("i controlli dell'Inps sulle domande", ["INPS"]),
    ("con l'Istituto Nazionale della\nPrevidenza Sociale e", ["INPS"]),
    ("l'Agenzia per la\nCoesione Territoriale ha", ["Agenzia per la Coesione Territoriale"]),
    ("la quota trasferita dal Ministero del\nLavoro e delle Politiche Sociali agli Ambiti",
     ["Ministero del Lavoro e delle Politiche Sociali"]),
])
def test_names_in_capitals_closing_nouns_and_wrapped(text: str, expected: list[str]):
    assert [c.value for c in run(organisations, text)] == expected


@pytest.mark.parametrize("key", ["match", "no_match"])
def test_letterhead_address_examples(key: str):
    for text in PATTERNS["letterhead"][key]:
        types = {c.type for c in run(organisations, text)}
        assert bool(types & {"provincia", "citta_metropolitana"}) is (key == "no_match"), text
