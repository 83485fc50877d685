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
