"""Running lines: page numbers go, the words of a sentence that ends with one stay."""

from __future__ import annotations

from parsers.layout import strip_running_lines


def test_a_lone_footer_with_a_page_number_goes() -> None:
    (page,) = strip_running_lines([["Testo della delibera.", "Comune di Rimini - Pagina 1"]])
    assert page == ["Testo della delibera."]


def test_a_sentence_ending_with_the_page_number_keeps_its_words() -> None:
    (page,) = strip_running_lines(
        [["Tabella dei contratti.", "Elenco aggiornato al 31/01/2023. Pagina 1."]]
    )
    assert page == ["Tabella dei contratti.", "Elenco aggiornato al 31/01/2023."]


def test_repeated_headers_are_kept_once_and_page_numbers_dropped() -> None:
    pages = [
        ["Provincia di Cremona - Piano della Performance", f"Testo {n}.", f"Pagina {n} di 3"]
        for n in (1, 2, 3)
    ]
    out = strip_running_lines(pages)
    assert out[0] == ["Provincia di Cremona - Piano della Performance", "Testo 1."]
    assert out[1] == ["Testo 2."] and out[2] == ["Testo 3."]


def test_compound_prefixes_keep_their_hyphen_and_word_breaks_lose_it() -> None:
    from parsers.layout import join_hyphenated

    assert join_hyphenated(["il centro socio-", "educativo diurno"]) == [
        "il centro socio-educativo",
        "diurno",
    ]
    assert join_hyphenated(["percorsi di inclu-", "sione attiva"]) == ["percorsi di inclusione",
                                                                       "attiva"]
    assert join_hyphenated(["équipe psico-socio-", "sanitaria"]) == ["équipe psico-socio-sanitaria"]
    assert join_hyphenated(["parere medico-", "legale."]) == ["parere medico-legale."]
    # A listed prefix followed by the rest of one word is one word.
    assert join_hyphenated(["colloquio con lo psico-", "logo"]) == ["colloquio con lo psicologo"]


def test_capitals_and_digits_after_the_break_keep_the_hyphen() -> None:
    from parsers.layout import join_hyphenated

    assert join_hyphenated(["Regione Emilia-", "Romagna e Comuni"]) == ["Regione Emilia-Romagna",
                                                                        "e Comuni"]
    assert join_hyphenated(["emergenza Covid-", "19 conclusa"]) == ["emergenza Covid-19",
                                                                    "conclusa"]
    assert join_hyphenated(["programma PON-", "inclusione"]) == ["programma PON-inclusione"]


def test_numbers_and_elided_compounds_stay_as_printed() -> None:
    from parsers.layout import join_hyphenated

    assert join_hyphenated(["nel periodo 2014-", "2020"]) == ["nel periodo 2014-", "2020"]
    assert join_hyphenated(["servizi socio-", "e sanitari"]) == ["servizi socio-", "e sanitari"]
    assert join_hyphenated(["fine riga -", "altro"]) == ["fine riga -", "altro"]


def test_the_prefix_list_is_data() -> None:
    from parsers.layout import _hyphenation

    prefixes, stems, conjunctions = _hyphenation()
    assert {"socio", "psico", "medico", "sanitario", "economico"} <= prefixes
    assert "pro" not in prefixes  # "pro-" + "getto" is a syllable break
    assert "log" in stems and "e" in conjunctions


def test_pdfium_line_end_marks_follow_the_same_rule() -> None:
    from parsers.layout import clean_cell, resolve_line_breaks

    assert resolve_line_breaks("di inclu\ufffesione e socio\ufffeeducativo") == (
        "di inclusione e socio-educativo"
    )
    assert resolve_line_breaks("servizi socio\ufffee sanitari") == "servizi socio-\ne sanitari"
    assert resolve_line_breaks("Emilia\ufffeRomagna") == "Emilia-Romagna"
    cell = clean_cell("Centro socio\ufffeeducativo\nper mino-\nri")
    assert cell == "Centro socio-educativo per minori"


def test_the_mark_of_bounded_text_is_read_the_same_way() -> None:
    from parsers.layout import resolve_line_breaks

    assert resolve_line_breaks("servizio socio\x02educativo, inclu\x02sione") == (
        "servizio socio-educativo, inclusione"
    )
