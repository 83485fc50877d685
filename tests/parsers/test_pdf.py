"""PDF parsing: text order, running heads, hyphenation, ruled tables with spans, and bad files."""

from __future__ import annotations

import time
import zlib
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from pdf_builders import flate_bomb, new_pdf, raw_pdf, ruled_table, running_pages, vector_drawing

from parsers import ParseError, parse_bytes
from parsers.layout import render_table
from parsers.pdf import PdfLimits, _bounded_inflate, parse_pdf

SITE = Path(__file__).resolve().parents[2] / "data" / "sample" / "site"


def test_sample_objective_tables_come_out_with_headers_rows_and_spans() -> None:
    doc = parse_pdf((SITE / "cremona-obiettivo-2017_3504.pdf").read_bytes())
    assert doc.pages == 2
    assert [t.header[:2] for t in doc.tables] == [
        ["Descrizione", "% avanzamento"],
        ["descrizione", "tipo"],
    ]
    activities, indicators = doc.tables
    assert len(activities.rows) == 10
    assert activities.rows[0][1:] == ["100", "01/01/2017", "01/01/2017", "31/10/2017", "31/10/2017"]
    assert [r[2:] for r in indicators.rows] == [
        ["2.00", "3.00"],
        ["2.00", "3.00"],
        ["30.00", "95.00"],
        ["20.00", "53.00"],
        ["4.00", "4.00"],
    ]
    for t in doc.tables:
        assert t.start is not None and t.end is not None
        assert doc.text[t.start : t.end] == render_table(t)
    # Cell text wrapped over several lines inside its cell is one line in the table.
    assert "rendicontazione)" in activities.rows[0][0]
    # The table rows are not repeated as loose text.
    assert doc.text.count("Nuove fonti di finanziamento") == 1


def test_running_header_kept_once_and_page_numbers_dropped() -> None:
    doc = parse_pdf((SITE / "cremona-obiettivo-2017_3504.pdf").read_bytes())
    assert doc.text.count("Provincia di Cremona - Piano della Performance 2017") == 1
    assert "Pagina 1 di 2" not in doc.text and "Pagina 2 di 2" not in doc.text


def test_headers_footers_and_hyphenation_on_generated_pages() -> None:
    def body(pdf, i: int) -> None:
        pdf.multi_cell(
            0,
            6,
            f"Capitolo {i}. Le attività di inclu-\nsione sociale del distretto "
            f"sono proseguite nel trimestre {i}.\nIl periodo 2014-\n2020 resta ({i}). Il centro "
            f"socio-\neducativo apre in Emilia-\nRomagna. Servizi socio-\ne sanitari ({i}).",
        )

    doc = parse_pdf(running_pages(4, body))
    assert doc.text.count("Comune di Esempio - Relazione sociale 2023") == 1
    assert "Pagina" not in doc.text
    assert "inclusione" in doc.text and "inclu-" not in doc.text
    assert "2014-\n2020" in doc.text  # numbers keep their hyphen and their line
    # pdfium joins a line-end break itself; the compound keeps its hyphen, a capital too.
    assert doc.text.count("centro socio-educativo apre in Emilia-Romagna.") == 4
    assert doc.text.count("Servizi socio-\ne sanitari") == 4  # elided compound as printed
    assert doc.text.index("Capitolo 1.") < doc.text.index("Capitolo 4.")


def test_two_columns_read_left_column_first() -> None:
    pdf = new_pdf()
    pdf.add_page()
    pdf.set_font("helvetica", "B", 14)
    pdf.set_xy(10, 15)
    pdf.cell(190, 8, "Notiziario dei servizi sociali - titolo su tutta la pagina")
    pdf.set_font("helvetica", "", 10)
    # Written line by line across both columns, as some generators do: the stream order
    # alternates left and right, the reading order must not.
    for k in range(12):
        y = 30 + 6 * k
        pdf.set_xy(10, y)
        pdf.cell(85, 6, f"Sinistra riga {k:02d} del primo articolo")
        pdf.set_xy(110, y)
        pdf.cell(85, 6, f"Destra riga {k:02d} del secondo articolo")
    doc = parse_pdf(bytes(pdf.output()))
    text = doc.text
    assert text.index("Notiziario") < text.index("Sinistra riga 00")
    assert text.index("Sinistra riga 11") < text.index("Destra riga 00")
    lefts = [text.index(f"Sinistra riga {k:02d}") for k in range(12)]
    assert lefts == sorted(lefts)


def test_generated_ruled_table_in_the_middle_of_prose() -> None:
    pdf = new_pdf()
    pdf.add_page()
    pdf.set_font("helvetica", "", 11)
    pdf.multi_cell(0, 6, "Premessa al quadro finanziario del progetto.")
    pdf.ln(3)
    ruled_table(
        pdf,
        ["Voce", "Importo programmato", "Importo erogato"],
        [["Personale", "€ 120.000,00", "€ 80.500,50"], ["Formazione", "€ 30.000,00", "€ 0,00"]],
    )
    pdf.ln(3)
    pdf.set_font("helvetica", "", 11)
    pdf.multi_cell(0, 6, "Conclusione dopo la tabella.")
    doc = parse_pdf(bytes(pdf.output()))
    assert len(doc.tables) == 1
    t = doc.tables[0]
    assert t.header == ["Voce", "Importo programmato", "Importo erogato"]
    assert t.rows == [
        ["Personale", "€ 120.000,00", "€ 80.500,50"],
        ["Formazione", "€ 30.000,00", "€ 0,00"],
    ]
    assert doc.text.index("Premessa") < t.start < t.end < doc.text.index("Conclusione")


def test_encrypted_pdf_is_a_clear_error() -> None:
    pdf = new_pdf()
    pdf.set_encryption(owner_password="proprietario", user_password="segreto")
    pdf.add_page()
    pdf.set_font("helvetica", "", 12)
    pdf.cell(0, 10, "Documento riservato")
    with pytest.raises(ParseError, match="encrypted"):
        parse_pdf(bytes(pdf.output()))


def test_corrupt_and_truncated_pdfs() -> None:
    with pytest.raises(ParseError, match="corrupt|unreadable|no text"):
        parse_pdf(b"%PDF-1.7\n" + bytes(range(256)) * 40)
    good = (SITE / "venezia-scheda-progetto.pdf").read_bytes()
    # Truncated: either pdfium repairs what is left, or the error says why; never a crash.
    for cut in (len(good) // 3, len(good) // 2, len(good) - 200):
        try:
            doc = parse_pdf(good[:cut])
        except ParseError as exc:
            assert str(exc)
        else:
            assert doc.text


def test_zero_bytes_and_html_named_pdf_through_parse_bytes() -> None:
    with pytest.raises(ParseError, match="empty body"):
        parse_bytes(b"", url="http://127.0.0.1/x.pdf")
    with pytest.raises(ParseError, match="not a PDF"):
        parse_bytes(
            (SITE / "allegati" / "delibera-rotta.pdf").read_bytes(),
            url="http://127.0.0.1/allegati/delibera-rotta.pdf",
            content_type="application/pdf",
        )
    with pytest.raises(ParseError, match="no %PDF- header"):
        parse_pdf(b"<html>errore</html>")


def test_five_hundred_pages_give_a_bounded_result() -> None:
    pdf = new_pdf()
    pdf.set_font("helvetica", "", 10)
    for i in range(500):
        pdf.add_page()
        pdf.set_xy(20, 40)
        pdf.cell(0, 6, f"Determina dirigenziale, allegato foglio {i + 1}: elenco dei beneficiari.")
    data = bytes(pdf.output())
    assert len(pdfium.PdfDocument(data)) == 500
    doc = parse_pdf(data, limits=PdfLimits(max_pages=400))
    assert doc.pages == 500
    assert doc.metadata["pages_read"] == 400
    assert "400 of 500" in doc.metadata["truncated"]
    assert "foglio 400:" in doc.text and "foglio 401:" not in doc.text


def test_time_limit_stops_between_pages() -> None:
    pdf = new_pdf()
    pdf.set_font("helvetica", "", 10)
    for i in range(30):
        pdf.add_page()
        pdf.cell(0, 6, f"Voce di elenco numero {i}")
    doc = parse_pdf(bytes(pdf.output()), limits=PdfLimits(max_seconds=0.0))
    assert "time limit" in doc.metadata["truncated"]
    assert doc.metadata["pages_read"] < 30


def test_decompression_bomb_is_refused_before_pdfium_inflates_it() -> None:
    data = flate_bomb(inflated_mb=24)
    assert len(data) < 100_000
    start = time.monotonic()
    with pytest.raises(ParseError, match="decompression bomb"):
        parse_pdf(data, limits=PdfLimits(max_stream_bytes=16 * 1024 * 1024))
    assert time.monotonic() - start < 20  # bounded work, generous for a busy machine


@pytest.mark.timeout(30)
@pytest.mark.parametrize("tail", [b"\n", b"\r\n", b"\n" * 40 + b"junk after the stream"])
def test_inflate_count_ends_on_bytes_after_the_stream(tail: bytes) -> None:
    # Over 1 MiB inflated, so the count takes several steps; then bytes zlib never consumes.
    raw = bytes(range(256)) * 8192
    assert _bounded_inflate(zlib.compress(raw) + tail, 10**9) == len(raw)


@pytest.mark.timeout(30)
def test_inflate_count_of_a_cut_stream_is_what_it_holds() -> None:
    raw = bytes(range(256)) * 8192
    comp = zlib.compress(raw)
    held = _bounded_inflate(comp[: len(comp) // 2], 10**9)
    assert 0 < held < len(raw)


@pytest.mark.timeout(120)  # a hang guard, not a speed target: bench_pdf.py prints the time
def test_vector_heavy_plan_drawing_parses_with_its_caption() -> None:
    data = vector_drawing(min_stream_bytes=2 * 1024 * 1024)
    assert len(data) >= 2 * 1024 * 1024
    doc = parse_bytes(data, content_type="application/pdf")
    assert "Planimetria del centro diurno" in doc.text
    assert doc.tables == []


def test_image_declaring_giant_size_is_refused() -> None:
    image = (
        b"5 0 obj <</Type/XObject/Subtype/Image/Width 200000/Height 200000"
        b"/ColorSpace/DeviceRGB/BitsPerComponent 8/Length 1>>\nstream\nx\nendstream\nendobj\n"
    )
    data = raw_pdf(b"", extra_objects=image)
    with pytest.raises(ParseError, match="200000"):
        parse_pdf(data)


def test_page_without_text_or_images_is_an_error_not_empty_text() -> None:
    pdf = new_pdf()
    pdf.add_page()
    pdf.rect(20, 20, 50, 50)
    with pytest.raises(ParseError, match="no text layer"):
        parse_pdf(bytes(pdf.output()))


def _aligned_rows(pdf, rows: list[list[str]], xs: list[int], y0: float) -> None:
    pdf.set_font("helvetica", "", 10)
    for k, row in enumerate(rows):
        for x, cell in zip(xs, row, strict=True):
            pdf.set_xy(x, y0 + 7 * k)
            pdf.cell(40, 6, cell)


ROWS = [
    ["Indicatore", "Tipo", "Previsto", "Raggiunto"],
    ["Utenti presi in carico", "RISULTATO", "120", "134"],
    ["Tirocini attivati", "RISULTATO", "30", "28"],
    ["Incontri di rete", "PROCESSO", "12", "15"],
]


def test_table_without_rulings_is_read_by_pdfplumber() -> None:
    pdf = new_pdf()
    pdf.add_page()
    pdf.set_font("helvetica", "", 11)
    pdf.set_xy(10, 20)
    pdf.multi_cell(0, 6, "Tabella degli indicatori senza bordi, colonne allineate.")
    _aligned_rows(pdf, ROWS, [15, 80, 125, 165], 40)
    doc = parse_pdf(bytes(pdf.output()))
    assert len(doc.tables) == 1
    t = doc.tables[0]
    assert t.header == ROWS[0]
    assert t.rows == ROWS[1:]
    assert doc.text[t.start : t.end] == render_table(t)
    assert doc.text.count("Tirocini attivati") == 1


def test_table_with_only_horizontal_rules_is_read_by_pdfplumber() -> None:
    pdf = new_pdf()
    pdf.add_page()
    _aligned_rows(pdf, ROWS, [15, 80, 125, 165], 40)
    for k in range(len(ROWS) + 1):
        pdf.line(12, 39.5 + 7 * k, 195, 39.5 + 7 * k)
    doc = parse_pdf(bytes(pdf.output()))
    assert len(doc.tables) == 1
    assert doc.tables[0].rows[-1] == ROWS[-1]


def test_year_columns_make_a_header_and_amount_rows_do_not() -> None:
    from parsers.layout import looks_like_header

    assert looks_like_header(["Voce", "2021", "2022", "2023"])
    assert not looks_like_header(["Importo erogato", "€ 36.500,93"])
    assert not looks_like_header(["Tirocini", "120", "134"])
    assert looks_like_header(["descrizione", "tipo", "valore previsto", "valore raggiunto"])
