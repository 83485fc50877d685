"""The garbled-text test: unmapped glyphs, private-use and symbol characters, few letters."""

from __future__ import annotations

from parsers.garble import garbled_reason

PROSE = (
    "Il Comune di Esempio • ha attivato nel 2023 il servizio di assistenza domiciliare — "
    "già previsto dal Piano di zona — per 45 famiglie: importo € 120.000,00 (fondi PNRR)."
)


def test_ordinary_italian_text_tables_and_indexes_are_not_garbled() -> None:
    assert garbled_reason(PROSE) is None
    amounts = "| 120.000,00 | 80.500,50 | 01/01/2017 | 31/12/2017 | 95,00 % |\n"
    assert garbled_reason(amounts * 3) is None
    index = "Indice ......................... 3\nPremessa ..................... 5"
    assert garbled_reason(index) is None
    assert garbled_reason("Firmato \ue000") is None  # too little text to judge


def test_unmapped_glyph_codes_are_garbled() -> None:
    text = "(cid:12)(cid:45)(cid:3)(cid:77) " * 10 + "del Comune"
    reason = garbled_reason(text)
    assert reason is not None and "(cid:n)" in reason


def test_private_use_and_symbol_characters_are_garbled() -> None:
    shifted = "".join(chr(0xE000 + ord(c)) for c in PROSE)
    assert "private-use" in (garbled_reason(shifted) or "")
    symbols = "".join(chr(0x2200 + ord(c) % 0x100) for c in PROSE)
    assert "symbols" in (garbled_reason(symbols) or "")
    replaced = "\ufffd" * 50 + " di "
    assert "replacement" in (garbled_reason(replaced) or "")


def test_a_few_private_use_bullets_do_not_make_a_page_garbled() -> None:
    page = "\n".join(f"\uf0b7 {PROSE}" for _ in range(5))
    assert garbled_reason(page) is None


def test_text_that_is_mostly_punctuation_is_garbled() -> None:
    reason = garbled_reason("$%&/()=?^*+#@!<>;:" * 4 + " ab cd")
    assert reason is not None and "letters or digits" in reason


def test_long_pages_are_judged_on_slices_spread_over_them() -> None:
    garbage = "".join(chr(0xE000 + ord(c)) for c in PROSE)
    assert garbled_reason((PROSE + "\n") * 60) is None
    # A readable heading above a garbled body: still a garbled page.
    assert garbled_reason(PROSE + "\n" + (garbage + "\n") * 60) is not None
