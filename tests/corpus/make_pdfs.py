"""Render the corpus PDFs from the plain sources in tests/corpus/pdf_src/<set>/<name>.txt.

Run with ``.venv/bin/python tests/corpus/make_pdfs.py``; the PDFs are committed, so tests never
need fpdf2 or fonts. Source format, one line each:

- ``HEADER: text`` (first line): printed at the top of every page, like an act's letterhead;
- ``---page---``: start a new page;
- ``# text``: a bold heading;
- ``| a | b | c |``: consecutive such lines form a ruled table, the first one is its header;
- any other line: a paragraph. Every page ends with "Pagina N di M".

A Unicode TrueType font is needed for "€" and typographic quotes (DejaVu or Liberation, found in
the usual Debian folders); the script stops with a clear message if none is installed.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from fpdf import FPDF

HERE = Path(__file__).resolve().parent
FONT_CANDIDATES = [
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
     "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
     "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf"),
]


class Act(FPDF):
    """A page with a running letterhead and a page-number footer, as municipal PDFs have."""

    letterhead = ""

    def header(self) -> None:
        self.set_font("body", size=8)
        self.cell(0, 5, self.letterhead, new_x="LMARGIN", new_y="NEXT", align="C")
        self.ln(3)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font("body", size=8)
        self.cell(0, 8, f"Pagina {self.page_no()} di {{nb}}", align="C")


def _font(pdf: FPDF) -> None:
    for regular, bold in FONT_CANDIDATES:
        if Path(regular).exists() and Path(bold).exists():
            pdf.add_font("body", "", regular)
            pdf.add_font("body", "B", bold)
            return
    sys.exit("make_pdfs: no Unicode TrueType font found (install fonts-dejavu-core)")


def render(source: Path, target: Path) -> None:
    lines = source.read_text("utf-8").splitlines()
    pdf = Act(format="A4")
    # A fixed date keeps the committed files byte-identical between runs.
    pdf.set_creation_date(datetime(2024, 1, 1, tzinfo=UTC))
    _font(pdf)
    if lines and lines[0].startswith("HEADER:"):
        pdf.letterhead = lines.pop(0)[len("HEADER:") :].strip()
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    table: list[list[str]] = []

    def flush() -> None:
        if not table:
            return
        pdf.set_font("body", size=8)
        with pdf.table(first_row_as_headings=True, line_height=5) as t:
            for row in table:
                r = t.row()
                for cell in row:
                    r.cell(cell)
        pdf.ln(3)
        table.clear()

    for line in lines:
        if line.startswith("|"):
            table.append([c.strip() for c in line.strip().strip("|").split("|")])
            continue
        flush()
        if line.strip() == "---page---":
            pdf.add_page()
        elif line.startswith("# "):
            pdf.set_font("body", "B", size=11)
            pdf.multi_cell(0, 6, line[2:], new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
        elif not line.strip():
            pdf.ln(3)
        else:
            pdf.set_font("body", size=10)
            pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    flush()
    target.write_bytes(bytes(pdf.output()))


def main() -> None:
    for source in sorted((HERE / "pdf_src").glob("*/*.txt")):
        target = HERE / source.parent.name / f"{source.stem}.pdf"
        render(source, target)
        print(f"{target.relative_to(HERE)}")


if __name__ == "__main__":
    main()
