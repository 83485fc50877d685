"""Generated documents for the benchmarks: municipal pages (and PDFs) put straight into a
project's raw store with a fetch log, as a crawl would have left them.

The pages speak of inclusion projects in the way the extractors read (amounts, dates, a CUP,
bodies, programmes, outcomes), in wording made up here; every page differs, so the raw store
holds one body each.
"""

from __future__ import annotations

import random
import sys
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from flows import stages  # noqa: E402
from models.records import FetchRecord  # noqa: E402

TOWNS = ["Borgoverde", "Montalto", "Riva Chiara", "Sasso Alto", "Valdoro", "Pietrabianca",
         "Campofiore", "Lago Scuro"]
PROGRAMMES = ["PON Inclusione", "PN Metro Plus 2021-2027", "FSE+", "PNRR Missione 5",
              "Avviso 3/2016"]
MONTHS = ["gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "settembre",
          "ottobre", "novembre"]


def page(n: int, rnd: random.Random) -> bytes:
    """One news page of a municipality about one of its projects (about 2.5 KB of text)."""
    town = rnd.choice(TOWNS)
    prog = rnd.choice(PROGRAMMES)
    euros = f"{rnd.randint(20, 900)}.{rnd.randint(100, 999)},00"
    cup = f"F{rnd.randint(10, 99)}H{rnd.randint(10**10, 10**11 - 1)}"
    day = f"{rnd.randint(1, 28)} {rnd.choice(MONTHS)} 20{rnd.randint(17, 25)}"
    paras = [
        f"Il Comune di {town} comunica l'avvio del progetto n. {n} finanziato dal {prog}, "
        f"con una dotazione di euro {euros} assegnata con determina del {day}.",
        f"Il progetto (CUP {cup}) prevede la presa in carico di {rnd.randint(20, 400)} nuclei "
        "familiari, tirocini di inclusione e percorsi di accompagnamento al lavoro, in rete "
        "con il Centro per l'impiego e con le cooperative sociali del territorio.",
        f"Le attività si concluderanno entro il 31 dicembre 20{rnd.randint(24, 27)}; sono "
        f"stati già attivati {rnd.randint(5, 60)} tirocini e {rnd.randint(2, 30)} borse "
        "lavoro. L'ambito territoriale coordina l'équipe multidisciplinare.",
        "Per informazioni rivolgersi al segretariato sociale negli orari di apertura al "
        "pubblico, oppure scrivere all'ufficio politiche sociali del Comune.",
    ]
    body = "".join(f"<p>{p}</p>" for p in paras)
    nav = "".join(f'<li><a href="/voce{i}.html">Voce {i}</a></li>' for i in range(12))
    return (f"<!doctype html><html lang=it><head><meta charset=utf-8><title>Progetto {n} - "
            f"Comune di {town}</title></head><body><nav><ul>{nav}</ul></nav><main><article>"
            f"<h1>Progetto {n}: inclusione sociale a {town}</h1>{body}</article></main>"
            "<footer>Comune - Ufficio stampa</footer></body></html>").encode()


def pdf(n: int, pages: int = 6) -> tuple[bytes, int]:
    """A performance-plan PDF (prose, two columns, ruled tables) and its table count."""
    from bench_pdf import _doc

    return _doc(n, pages)


def make_project(root: Path, n_docs: int, *, pdf_every: int = 0, seed: int = 7,
                 run_id: str = "bench-crawl") -> list[FetchRecord]:
    """``n_docs`` bodies in ``root``'s raw store and fetch log; returns the fetch records.
    Every ``pdf_every``-th document is a PDF (0: none)."""
    ws = stages.Workspace.at(root)
    rnd = random.Random(seed)
    store = ws.raw
    now = datetime.now()
    records = []
    for n in range(n_docs):
        is_pdf = bool(pdf_every) and n % pdf_every == pdf_every - 1
        if is_pdf:
            body, _ = pdf(n)
            url, ctype = f"http://127.0.0.1:9/atti/atto{n}.pdf", "application/pdf"
        else:
            body = page(n, rnd)
            url, ctype = f"http://127.0.0.1:9/notizie/n{n}.html", "text/html; charset=utf-8"
        sha = store.put(body)
        rec = FetchRecord(fetch_id=f"f{n}", run_id=run_id, source_id="bench", url=url,
                          fetched_at=now, outcome="stored", status=200, content_type=ctype,
                          sha256=sha, n_bytes=len(body))
        stages.append_fetch_log(ws, rec)
        records.append(rec)
    return records
