"""DOCX and ODT attachments, generated here with python-docx and odfpy, plus a zip bomb."""

from __future__ import annotations

import io
import zipfile

import docx
import pytest
from odf.opendocument import OpenDocumentText
from odf.table import Table, TableCell, TableColumn, TableRow
from odf.text import H, P

from parsers import ParseError, parse_bytes
from parsers.layout import render_table
from parsers.office import check_zip
from parsers.sniff import DOCX, ODT, sniff


def _docx() -> bytes:
    d = docx.Document()
    d.core_properties.title = "Relazione sul progetto"
    d.add_heading("Relazione finale del progetto di inclusione", level=1)
    d.add_paragraph("Il Comune di Esempio ha concluso le attività previste dall'Avviso 3/2016.")
    t = d.add_table(rows=3, cols=3)
    for r, row in enumerate(
        [
            ["Voce", "Importo programmato", "Importo erogato"],
            ["Tirocini", "€ 50.000,00", "€ 42.300,00"],
            ["Formazione", "€ 20.000,00", "€ 20.000,00"],
        ]
    ):
        for c, value in enumerate(row):
            t.cell(r, c).text = value
    d.add_paragraph("Paragrafo dopo la tabella.")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _odt() -> bytes:
    doc = OpenDocumentText()
    doc.text.addElement(H(outlinelevel=1, text="Scheda intervento"))
    doc.text.addElement(P(text="Soggetto attuatore: Cooperativa Sociale Esempio"))
    table = Table(name="Dati")
    table.addElement(TableColumn(numbercolumnsrepeated=2))
    for label, value in [("Data inizio", "01/03/2023"), ("Importo erogato", "€ 12.500,00")]:
        row = TableRow()
        for v in (label, value):
            cell = TableCell()
            cell.addElement(P(text=v))
            row.addElement(cell)
        table.addElement(row)
    doc.text.addElement(table)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def test_docx_text_and_table_in_order() -> None:
    data = _docx()
    assert sniff(data, url="http://x/relazione.docx") == DOCX
    doc = parse_bytes(data, url="http://x/relazione.docx")
    assert doc.title == "Relazione sul progetto"
    assert doc.text.startswith("Relazione finale del progetto di inclusione")
    assert len(doc.tables) == 1
    t = doc.tables[0]
    assert t.header == ["Voce", "Importo programmato", "Importo erogato"]
    assert t.rows[0] == ["Tirocini", "€ 50.000,00", "€ 42.300,00"]
    assert doc.text[t.start : t.end] == render_table(t)
    assert doc.text.index("Avviso 3/2016") < t.start < doc.text.index("Paragrafo dopo")


def test_odt_text_and_key_value_table() -> None:
    data = _odt()
    assert sniff(data) == ODT
    doc = parse_bytes(data, url="http://x/scheda.odt")
    assert "Scheda intervento" in doc.text
    assert "Soggetto attuatore: Cooperativa Sociale Esempio" in doc.text
    t = doc.tables[0]
    assert t.header == []  # first row holds a date: it is data, not a header
    assert t.rows == [["Data inizio", "01/03/2023"], ["Importo erogato", "€ 12.500,00"]]
    assert doc.text[t.start : t.end] == render_table(t)


def test_corrupt_and_truncated_office_files() -> None:
    data = _docx()
    with pytest.raises(ParseError, match="corrupt or truncated|unreadable"):
        parse_bytes(data[: len(data) // 2], url="http://x/relazione.docx")
    with pytest.raises(ParseError, match="unreadable ODT|corrupt"):
        parse_bytes(b"PK\x03\x04" + b"mimetypeapplication/vnd.oasis.opendocument.text" + b"\0" * 50)


def test_zip_bomb_is_refused_from_declared_sizes() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", b"\0" * (40 * 1024 * 1024))
    data = buf.getvalue()
    assert len(data) < 200_000
    with pytest.raises(ParseError, match="decompression bomb"):
        check_zip(data, max_unzipped=32 * 1024 * 1024)
    with pytest.raises(ParseError, match="decompression bomb"):
        parse_bytes(data, url="http://x/bomba.docx")  # ratio rule at the default limits
