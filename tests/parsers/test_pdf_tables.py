"""Tables over a page break: one table with its rows' pages, unless the columns differ."""

from __future__ import annotations

from fpdf import FPDF
from fpdf.enums import TableHeadingsDisplay
from pdf_builders import FIXED

from parsers.layout import render_table
from parsers.pdf import parse_pdf

HEADER = ["Intervento", "Beneficiari", "Importo impegnato"]
ROWS = [[f"Laboratorio di quartiere n. {k}", f"{10 + k}", f"€ {1000 + 25 * k},00"]
        for k in range(1, 61)]


class _Report(FPDF):
    """A4 pages with a running head and a page-number footer, page breaks left to fpdf2."""

    def header(self) -> None:
        self.set_font("helvetica", "I", 8)
        self.cell(0, 5, "Comune di Esempio - Rendiconto dei servizi sociali 2024",
                  new_x="LMARGIN", new_y="NEXT")
        self.ln(4)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("helvetica", "I", 8)
        self.cell(0, 5, f"Pagina {self.page_no()}", align="C")


def _report() -> _Report:
    pdf = _Report(format="A4")
    pdf.core_fonts_encoding = "windows-1252"
    pdf.set_creation_date(FIXED)
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    pdf.set_font("helvetica", "", 11)
    pdf.multi_cell(0, 6, "Quadro degli interventi finanziati nel corso dell'anno.")
    pdf.ln(2)
    return pdf


def _table(pdf: FPDF, header: list[str] | None, rows: list[list[str]],
           repeat: bool = True) -> None:
    pdf.set_font("helvetica", "", 9)
    mode = TableHeadingsDisplay.ON_TOP_OF_EVERY_PAGE if repeat else TableHeadingsDisplay.NONE
    with pdf.table(line_height=6, repeat_headings=mode,
                   first_row_as_headings=header is not None) as table:
        if header is not None:
            table.row(header)
        for r in rows:
            table.row(r)


def _check_spans(doc) -> None:
    for t in doc.tables:
        assert doc.text[t.start : t.end] == render_table(t)


def test_table_with_repeated_header_over_three_pages_is_one_table() -> None:
    pdf = _report()
    _table(pdf, HEADER, ROWS + ROWS[:40])
    pdf.multi_cell(0, 6, "Chiusura del rendiconto.")
    doc = parse_pdf(bytes(pdf.output()))
    assert doc.pages == 3
    assert len(doc.tables) == 1
    t = doc.tables[0]
    assert t.header == HEADER
    assert t.rows == ROWS + ROWS[:40]  # the repeated header rows are gone
    assert t.page == 1
    assert t.row_pages is not None and len(t.row_pages) == len(t.rows)
    assert t.row_pages == sorted(t.row_pages) and set(t.row_pages) == {1, 2, 3}
    assert doc.metadata["continued_tables"] == [[1, 2, 3]]
    _check_spans(doc)
    assert doc.text.count("| Intervento |") == 1
    assert doc.text.index("Quadro") < t.start < t.end < doc.text.index("Chiusura")


def test_row_pages_follow_where_each_row_is_printed() -> None:
    pdf = _report()
    _table(pdf, HEADER, ROWS)
    data = bytes(pdf.output())
    doc = parse_pdf(data)
    (t,) = doc.tables
    assert t.row_pages is not None
    first_on_two = t.row_pages.index(2)
    import pypdfium2 as pdfium

    page_two = pdfium.PdfDocument(data)[1].get_textpage().get_text_range()
    assert t.rows[first_on_two][0] in page_two
    assert t.rows[first_on_two - 1][0] not in page_two.replace(t.rows[first_on_two][0], "")


def test_table_continued_without_a_header_is_one_table() -> None:
    pdf = _report()
    _table(pdf, HEADER, ROWS, repeat=False)
    doc = parse_pdf(bytes(pdf.output()))
    (t,) = doc.tables
    assert t.header == HEADER and t.rows == ROWS
    assert set(t.row_pages or []) == {1, 2}
    _check_spans(doc)


def test_tables_whose_columns_differ_stay_apart() -> None:
    pdf = _report()
    _table(pdf, HEADER, ROWS[:36])
    # The next table starts at the top of page 2: same place, other columns.
    other = [["Trimestre", "Utenti", "Ore", "Operatori"]] + [
        [f"T{k}", str(40 + k), str(300 + k), str(5 + k)] for k in range(1, 5)
    ]
    assert pdf.page_no() == 1 and pdf.get_y() > 200  # the first table ends low on page 1
    pdf.add_page()
    _table(pdf, other[0], other[1:])
    doc = parse_pdf(bytes(pdf.output()))
    assert [t.header for t in doc.tables] == [HEADER, other[0]]
    assert [t.page for t in doc.tables] == [1, 2]
    assert all(t.row_pages is None for t in doc.tables)
    assert "continued_tables" not in doc.metadata
    _check_spans(doc)


def test_a_table_ending_mid_page_is_not_continued() -> None:
    pdf = _report()
    _table(pdf, HEADER, ROWS[:5])
    pdf.add_page()
    _table(pdf, HEADER, ROWS[5:10])
    doc = parse_pdf(bytes(pdf.output()))
    assert len(doc.tables) == 2
    assert [t.page for t in doc.tables] == [1, 2]


def test_a_new_header_with_the_same_columns_starts_a_new_table() -> None:
    pdf = _report()
    _table(pdf, HEADER, ROWS[:36])
    assert pdf.page_no() == 1 and pdf.get_y() > 200
    pdf.add_page()
    other = ["Servizio", "Ore erogate", "Importo pagato"]
    _table(pdf, other, [["Assistenza domiciliare", "1.200", "€ 24.000,00"],
                        ["Trasporto sociale", "300", "€ 4.500,00"]])
    doc = parse_pdf(bytes(pdf.output()))
    assert [t.header for t in doc.tables] == [HEADER, other]
    assert all(t.row_pages is None for t in doc.tables)


class _ReportWithNote(_Report):
    """A running footer that is not a page number: kept once, on the first page, under the table."""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("helvetica", "I", 8)
        self.cell(0, 5, "Documento approvato con delibera di Giunta n. 12", align="C")


def test_a_running_footer_kept_once_does_not_stop_the_join() -> None:
    pdf = _ReportWithNote(format="A4")
    pdf.core_fonts_encoding = "windows-1252"
    pdf.set_creation_date(FIXED)
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    _table(pdf, HEADER, ROWS)
    doc = parse_pdf(bytes(pdf.output()))
    assert doc.text.count("Documento approvato con delibera di Giunta n. 12") == 1
    (t,) = doc.tables
    assert t.rows == ROWS and set(t.row_pages or []) == {1, 2}
    _check_spans(doc)


def test_claims_quote_the_joined_table_and_the_compound_words() -> None:
    """Spans index the text as assembled: the joined rows and the rejoined words included."""
    from extractors.registry import extract_document

    pdf = _report()
    pdf.multi_cell(0, 6, "Il servizio socio-\neducativo e l'assistenza psico-\nsociale sono "
                   "finanziati con l'importo programmato di euro 48.000,00.")
    fin = ["Voce", "Importo programmato", "Importo erogato"]
    rows = [[f"Voce di spesa {k}", f"€ {k}.000,00", f"€ {k}.500,00"] for k in range(10, 70)]
    _table(pdf, fin, rows)
    doc = parse_pdf(bytes(pdf.output()))
    assert "socio-educativo" in doc.text and "psico-sociale" in doc.text
    (t,) = doc.tables
    assert t.rows == rows and t.row_pages is not None and t.row_pages[-1] == 2
    claims = extract_document(doc)
    assert claims
    for c in claims:
        assert doc.text[c.start : c.end] == c.text
    # An amount printed on page 2 is read from the one table, inside its span.
    last = [c for c in claims if c.kind == "amount" and t.start <= c.start < t.end
            and "69.000,00" in c.text]
    assert last
