"""Build the binary files of the bundled sample site (PDFs and the deliberately bad attachments).

Run from the repository root with ``.venv/bin/python data/sample/make_sample.py``. The output is
deterministic (fixed creation date, fixed file id), so re-running it leaves git clean unless this
script changed. The HTML pages of the site are written by hand and are not touched here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

SITE = Path(__file__).resolve().parent / "site"
CREATED = datetime(2024, 6, 1, 9, 0, 0, tzinfo=UTC)


class SamplePDF(FPDF):
    """An A4 PDF with a running header and a "Pagina N di M" footer on every page.

    The repeated header and footer are there on purpose: the PDF parser must strip them.
    """

    def __init__(self, header_text: str, footer_text: str) -> None:
        super().__init__(format="A4")
        self.core_fonts_encoding = "windows-1252"  # so that € and ’ print with the core fonts
        self.header_text = header_text
        self.footer_text = footer_text
        self.set_creation_date(CREATED)
        self.set_producer("inclusio sample generator")
        self.set_creator("data/sample/make_sample.py")
        self.set_auto_page_break(auto=True, margin=20)
        self.alias_nb_pages()

    def header(self) -> None:
        self.set_font("helvetica", "I", 8)
        self.cell(0, 6, self.header_text, align="R", new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font("helvetica", "I", 8)
        self.cell(0, 6, f"{self.footer_text} - Pagina {self.page_no()} di {{nb}}", align="C")

    def heading(self, text: str, size: int = 13) -> None:
        self.set_font("helvetica", "B", size)
        self.multi_cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def para(self, text: str) -> None:
        self.set_font("helvetica", "", 10)
        self.multi_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def bullets(self, items: list[str]) -> None:
        self.set_font("helvetica", "", 10)
        for item in items:
            self.multi_cell(0, 5, f"- {item}", new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def output_fixed(self, path: Path) -> None:
        """Write the file with a fixed /ID so that two runs give identical bytes."""
        fixed = "<00112233445566778899AABBCCDDEEFF>"
        self.file_id = lambda: fixed + fixed
        path.write_bytes(bytes(self.output()))


ACTIVITIES = [
    (
        "A) FARE LEGAMI: attività della seconda annualità (empowerment, scouting, regolamento del "
        'fondo "Mettersi in proprio", patti generativi per l\'autonomia, monitoraggio, '
        "valutazione e rendicontazione)",
        "100", "01/01/2017", "01/01/2017", "31/10/2017", "31/10/2017",
    ),
    (
        "A) FARE LEGAMI: programmazione dei compiti della Provincia per la terza annualità e "
        "stesura del nuovo accordo",
        "100", "01/04/2017", "01/04/2017", "31/10/2017", "31/10/2017",
    ),
    (
        "A) FARE LEGAMI: svolgimento dei compiti della Provincia nella terza annualità",
        "100", "01/10/2017", "01/10/2017", "31/12/2017", "31/12/2017",
    ),
    (
        "B) SIA: avvio dei Gruppi di riferimento negli ambiti di Crema e Cremona secondo le linee "
        "guida del Ministero; stesura e diffusione dei Manuali Operativi per la presa in carico "
        "integrata",
        "100", "01/01/2017", "01/01/2017", "31/03/2017", "31/03/2017",
    ),
    (
        "B) SIA: stesura degli accordi di rete finanziati dal PON FSE",
        "100", "01/01/2017", "01/01/2017", "30/06/2017", "30/06/2017",
    ),
    (
        "B) SIA: controllo della condizione occupazionale dei primi beneficiari in età di lavoro, "
        "formazione delle équipe multidisciplinari e indicazioni per i progetti integrati",
        "100", "01/01/2017", "01/01/2017", "30/04/2017", "30/04/2017",
    ),
    (
        "B) SIA: monitoraggio dei progetti integrati e supervisione delle équipe multidisciplinari",
        "100", "01/05/2017", "01/05/2017", "31/12/2017", "31/12/2017",
    ),
    (
        "C) SPRAR: partecipazione ai tavoli di coordinamento del Comune di Cremona per un "
        "modello di presa in carico integrata rivolto all'inserimento lavorativo di rifugiati "
        "e richiedenti asilo",
        "100", "01/01/2017", "01/01/2017", "31/05/2017", "31/05/2017",
    ),
    (
        "C) SPRAR: accordo con il Comune di Cremona sui percorsi di inserimento lavorativo di "
        "rifugiati e richiedenti asilo e sulla gestione delle risorse assegnate",
        "100", "01/06/2017", "01/06/2017", "31/10/2017", "31/10/2017",
    ),
    (
        "C) SPRAR: avvio delle attività previste dall'accordo firmato con il Comune di Cremona",
        "100", "01/11/2017", "01/11/2017", "31/12/2017", "31/12/2017",
    ),
]

INDICATORS = [
    (
        "Nuove fonti di finanziamento ottenute nel 2017 rispetto al 2016 (minimo 2)",
        "RISULTATO", "2.00", "3.00",
    ),
    ("N. di accordi di rete o protocolli firmati (minimo 2)", "RISULTATO", "2.00", "3.00"),
    (
        "Utenti seguiti con presa in carico integrata tra servizi sociali e servizi per il lavoro "
        "nel 2017 rispetto a quelli del 2016, pari a 20 (valore in %)",
        "RISULTATO", "30.00", "95.00",
    ),
    ("N. di incontri di coordinamento, informazione e formazione (minimo 20)", "RISULTATO",
     "20.00", "53.00"),
    (
        "N. di sperimentazioni di nuove modalità integrate tra servizi sociali e servizi per il "
        "lavoro, con colloqui congiunti tra operatori e utenti (minimo 4)",
        "RISULTATO", "4.00", "4.00",
    ),
]


def make_cremona(path: Path) -> None:
    """The performance-plan objective 2017_3504: prose, an activity table, an indicator table."""
    pdf = SamplePDF("Provincia di Cremona - Piano della Performance 2017", "Obiettivo 2017_3504")
    pdf.set_title("Obiettivo 2017_3504 - Presa in carico integrata")
    pdf.set_author("Provincia di Cremona")
    pdf.add_page()
    pdf.heading("Obiettivo: 2017_3504", 14)
    pdf.set_font("helvetica", "", 10)
    pdf.multi_cell(
        0, 5,
        "Centro di Responsabilità: SETTORE LAVORO E FORMAZIONE\nResponsabile: RECH DARIO",
        new_x="LMARGIN", new_y="NEXT",
    )
    pdf.ln(2)
    pdf.heading("Descrizione", 11)
    pdf.para(
        "Prendere in carico le persone più vulnerabili mettendo insieme politiche del lavoro e "
        "politiche sociali si sta dimostrando un modo efficace di erogare i servizi, e le "
        "situazioni di fragilità crescono anche sul nostro territorio. Per il 2017 l'obiettivo "
        "è consolidare questa presa in carico integrata. Servono perciò risorse dedicate, un "
        "dialogo costante con la rete di enti pubblici e privati che erogano i servizi, un "
        "contributo alla progettazione, al monitoraggio e alla valutazione, e il ruolo di "
        "proposta e coordinamento che i partenariati dei progetti chiedono alla Provincia."
    )
    pdf.para(
        "Il coordinamento comprende la diffusione di metodi e linee guida comuni, la formazione "
        "degli operatori pubblici e privati dei partenariati, la preparazione di modelli e "
        "strumenti operativi, l'affiancamento alle equipe multidisciplinari integrate nella "
        "stesura dei progetti individualizzati, soprattutto per l'attivazione al lavoro, e la "
        "sperimentazione di nuovi modi di erogare i servizi. Saranno promossi accordi di rete e "
        "protocolli dedicati. La Provincia opera inoltre come ente accreditato ai servizi per il "
        "lavoro in Lombardia. Il modello è quello del Progetto FARE LEGAMI (A), sostenuto da "
        "Fondazione Cariplo, della misura nazionale Sostegno all'Inclusione Attiva - SIA, con i "
        "progetti di Crema e Cremona (B) finanziati dal PON FSE Inclusione, e del Progetto SPRAR "
        "Cremona (C), finanziato dal Ministero dell'Interno."
    )
    pdf.heading("Finalità", 11)
    pdf.bullets(
        [
            "Coordinare le reti che servono alla presa in carico integrata nei diversi progetti",
            "Rinnovare i servizi per il lavoro secondo i bisogni degli utenti",
            "Estendere la sperimentazione della presa in carico integrata tra servizi sociali e "
            "servizi per il lavoro",
        ]
    )
    pdf.heading("Fasi di attuazione", 11)
    pdf.set_font("helvetica", "", 8)
    head_style = FontFace(emphasis="BOLD", fill_color=(225, 225, 225))
    with pdf.table(
        col_widths=(72, 26, 21, 21, 21, 21),
        text_align=("LEFT", "CENTER", "CENTER", "CENTER", "CENTER", "CENTER"),
        headings_style=head_style,
        line_height=4,
        repeat_headings=1,
    ) as table:
        table.row(
            [
                "Descrizione", "% avanzamento",
                "Inizio prev.", "Inizio eff.", "Fine prev.", "Fine eff.",
            ]
        )
        for activity in ACTIVITIES:
            table.row(list(activity))
    pdf.ln(6)
    pdf.heading("Indicatori", 11)
    pdf.set_font("helvetica", "", 8)
    with pdf.table(
        col_widths=(110, 26, 27, 27),
        text_align=("LEFT", "CENTER", "RIGHT", "RIGHT"),
        headings_style=head_style,
        line_height=4,
    ) as table:
        table.row(["descrizione", "tipo", "valore previsto", "valore raggiunto"])
        for indicator in INDICATORS:
            table.row(list(indicator))
    pdf.output_fixed(path)


VENEZIA_DATI = [
    ("Città (OI)", "Venezia"),
    ("CLP", "VE4.4.8.1.a"),
    ("Priorità", "4"),
    ("Azione", "4.4.8.1"),
    ("Beneficiario", "Area Coesione sociale"),
    ("Codice Unico Progetto - CUP", "F74H24002780007"),
    ("Data inizio", "01/04/24"),
    ("Data fine", "30/09/29"),
    ("Risorse PN Metro", "1.149.465,93"),
    ("Altre risorse", "€ 0,00"),
    ("Fondo", "FSE+"),
]

VENEZIA_FINANZE = [
    ("Importo programmato", "€ 1.149.465,93"),
    ("Importo ammesso a finanziamento", "€ 1.149.465,93"),
    ("Importo Giuridicamente Vincolante", "€ 118.741,13"),
    ("Importo erogato", "€ 36.500,93"),
]


def make_venezia(path: Path) -> None:
    """The PN Metro Plus card: prose, a label/value "Dati" block and a ruled financial table."""
    pdf = SamplePDF("PN Metro Plus 2021-2027 - Città di Venezia", "Scheda progetto VE4.4.8.1.a")
    pdf.set_title("Occupabilità e competenze per l'inclusione sociale")
    pdf.set_author("Comune di Venezia")
    pdf.add_page()
    pdf.heading("Occupabilità e competenze per l’inclusione sociale", 14)
    pdf.heading("Descrizione dell'intervento", 11)
    pdf.para(
        "L'intervento prosegue il lavoro avviato con il PON METRO 2014-2020 e punta ad aprire "
        "l'accesso al lavoro alle persone più svantaggiate. I servizi sociali dei Comuni "
        "dell'Ambito saranno rafforzati per costruire, insieme al terzo settore e agli operatori "
        "del mercato del lavoro, percorsi di attivazione per i cittadini più fragili."
    )
    pdf.para(
        "Dopo una profilazione che considera bisogni e capacità, ogni persona riceverà un "
        "accompagnamento socio-educativo personalizzato verso il percorso più adatto. Le misure "
        "offerte da soggetti esterni al Comune, come CPI, Regione Veneto ed enti del Terzo "
        "settore, diventano così raggiungibili dagli utenti dei servizi sociali. Al tavolo di "
        "concertazione siedono il Centro per l'Impiego, Veneto Lavoro, la Regione Veneto e gli "
        "enti del Terzo settore."
    )
    pdf.heading("Dati", 11)
    for label, value in VENEZIA_DATI:
        pdf.set_font("helvetica", "B", 9)
        pdf.cell(0, 5, label, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("helvetica", "", 10)
        pdf.cell(0, 5, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.heading("Avanzamento finanziario", 11)
    pdf.set_font("helvetica", "", 9)
    with pdf.table(
        col_widths=(110, 60),
        width=170,
        text_align=("LEFT", "RIGHT"),
        first_row_as_headings=False,
        line_height=6,
    ) as table:
        for label, value in VENEZIA_FINANZE:
            table.row([label, value])
    pdf.ln(4)
    pdf.set_font("helvetica", "B", 10)
    pdf.cell(0, 6, "PN Metro Plus", new_x="LMARGIN", new_y="NEXT")
    pdf.output_fixed(path)


def make_bad_files(folder: Path) -> None:
    """Attachments a real crawl meets: an HTML error page saved as .pdf, an empty file."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "delibera-rotta.pdf").write_text(
        "<!DOCTYPE html>\n<html lang=\"it\"><head><meta charset=\"utf-8\">"
        "<title>Documento non disponibile</title></head>\n<body><h1>Documento non disponibile"
        "</h1><p>Il file richiesto è stato spostato dall'archivio.</p></body></html>\n",
        encoding="utf-8",
    )
    (folder / "avviso-vuoto.txt").write_bytes(b"")


def main() -> None:
    make_cremona(SITE / "cremona-obiettivo-2017_3504.pdf")
    make_venezia(SITE / "venezia-scheda-progetto.pdf")
    make_bad_files(SITE / "allegati")
    for path in sorted(SITE.rglob("*")):
        if path.is_file():
            print(f"{path.relative_to(SITE)}\t{path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
