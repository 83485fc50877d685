"""A small warehouse built with plain SQL inserts: two municipalities, a CUP project card, a rule
linked project page that changed between two crawls, and sources that disagree on amounts."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from warehouse.db import connect

VENEZIA_CUP = "F74H24002780007"


@dataclass
class Fact:
    kind: str
    value: str | None
    quote: str
    role: str | None = None
    value_num: float | None = None
    unit: str | None = None
    type: str | None = None
    status: str | None = None
    precision: str | None = None
    occurrence: int = 0
    attrs: dict = field(default_factory=dict)


def add_source(con, source_id: str, entity: str, host: str) -> None:
    con.execute(
        "INSERT INTO sources (source_id, entity, start_urls, allowed_hosts, updated_at)"
        " VALUES (?, ?, ?, ?, TIMESTAMP '2026-01-01 00:00:00')",
        [source_id, entity, [f"https://{host}/"], [host]],
    )


def add_document(
    con, *, url: str, source_id: str, title: str, text: str, facts: list[Fact],
    fetched_at: str, published: str | None = None,
) -> str:
    """Insert a document, its fetch and its claims; every quote is located in the text."""
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    con.execute(
        "INSERT INTO documents (sha256, url, source_id, media_type, title, published, text,"
        " n_chars, parser) VALUES (?, ?, ?, 'text/html', ?, ?, ?, ?, 'test')",
        [sha, url, source_id, title, published, text, len(text)],
    )
    con.execute(
        "INSERT INTO fetches (fetch_id, run_id, source_id, url, fetched_at, status,"
        " content_type, sha256, n_bytes, outcome)"
        " VALUES (?, 'run-test', ?, ?, ?, 200, 'text/html', ?, ?, 'stored')",
        [uuid.uuid4().hex, source_id, url, fetched_at, sha, len(text.encode())],
    )
    for fact in facts:
        start = -1
        for _ in range(fact.occurrence + 1):
            start = text.index(fact.quote, start + 1)
        end = start + len(fact.quote)
        con.execute(
            "INSERT INTO claims (claim_id, sha256, kind, value, value_num, unit, currency, role,"
            " precision, type, status, start_char, end_char, quote, extractor, confidence, attrs,"
            " extracted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1.0, ?, ?)",
            [
                hashlib.sha1(f"{sha}:{fact.kind}:{start}:{end}".encode()).hexdigest(), sha,
                fact.kind, fact.value, fact.value_num, fact.unit,
                "EUR" if fact.kind == "amount" else None, fact.role, fact.precision, fact.type,
                fact.status, start, end, text[start:end], f"{fact.kind}s@test",
                json.dumps(fact.attrs), datetime(2026, 1, 1),
            ],
        )
    return sha


VENEZIA_CARD = (
    "Scheda progetto: Occupabilità e inclusione sociale nei Comuni dell'Ambito veneziano.\n"
    "Codice CUP: F74H24002780007. Programma PN Metro Plus 2021-2027, finanziato dal FSE+.\n"
    "Avvio delle attività il 01/04/24 e chiusura prevista il 30/09/29.\n"
    "Importo programmato e ammesso: € 1.149.465,93; impegni giuridicamente vincolanti per "
    "€ 118.741,13; pagamenti effettuati € 36.500,93.\n"
    "Collaborano i CPI, la Regione Veneto e Veneto Lavoro.\n"
    "Partecipanti raggiunti finora: 40 persone."
)
VENEZIA_NEWS = (
    "Il Comune di Venezia comunica che il progetto CUP F74H24002780007 del PN Metro Plus "
    "dispone di € 1.200.000,00 ammessi a finanziamento. Le attività <partono> ad aprile 2024."
)
MASSA_V1 = (
    "Progetto Avviso 3/2016 PON Inclusione.\n"
    "L'Ambito della zona apuana ha ottenuto € 496.931,00 per il progetto con capofila il "
    "Comune di Massa e partner il Comune di Carrara e il Comune di Montignoso.\n"
    "Risultati: 30 esperienze di lavoro e 11 percorsi formativi."
)
MASSA_V2 = MASSA_V1.replace("30 esperienze", "33 esperienze") + (
    "\nData ultima modifica: 19 maggio 2021."
)
MASSA_NEWS = (
    "Comune di Massa: con l'Avviso 3/2016 del PON Inclusione sono arrivati € 500.000,00 "
    "per i servizi sociali dell'ambito, capofila il Comune di Massa. Il centro per l'impiego "
    "collabora alle equipe multidisciplinari."
)
LIVORNO_NEWS = (
    "Livorno: € 609.734 dal PON Inclusione 2014-2020 per la presa in carico dei beneficiari del "
    "ReI; protocollo firmato con il Centro per l'impiego il 04/07/2017. Circa 700 domande."
)


def build_warehouse(path: Path) -> dict[str, str]:
    """Create the fixture warehouse at ``path``; return the sha256 of each document by name."""
    shas: dict[str, str] = {}
    with connect(path) as con:
        add_source(con, "venezia", "Comune di Venezia", "www.comune.venezia.it")
        add_source(con, "massa", "Comune di Massa", "www.comune.massa.ms.it")
        add_source(con, "livorno", "Comune di Livorno", "www.comune.livorno.it")
        shas["venezia_card"] = add_document(
            con, url="https://www.comune.venezia.it/progetti/ve4481a", source_id="venezia",
            title="Occupabilità e inclusione sociale", text=VENEZIA_CARD,
            fetched_at="2026-02-01 10:00:00", facts=[
                Fact("cup", VENEZIA_CUP, VENEZIA_CUP),
                Fact("programme", "PN Metro Plus 2021-2027", "PN Metro Plus 2021-2027"),
                Fact("date", "2024-04-01", "01/04/24", role="start"),
                Fact("date", "2029-09-30", "30/09/29", role="end"),
                Fact("amount", "1149465.93", "€ 1.149.465,93", role="admitted",
                     value_num=1149465.93),
                Fact("amount", "118741.13", "€ 118.741,13", role="committed", value_num=118741.13),
                Fact("amount", "36500.93", "€ 36.500,93", role="paid", value_num=36500.93),
                Fact("organisation", "Regione Veneto", "Regione Veneto", role="partner"),
                Fact("outcome", "40", "40 persone", value_num=40, unit="persone",
                     status="achieved"),
            ])
        shas["venezia_news"] = add_document(
            con, url="https://www.comune.venezia.it/notizie/metro-plus", source_id="venezia",
            title="PN Metro Plus: <fondi> per l'occupabilità", text=VENEZIA_NEWS,
            fetched_at="2026-02-01 10:05:00", facts=[
                Fact("cup", VENEZIA_CUP, VENEZIA_CUP),
                Fact("amount", "1200000.00", "€ 1.200.000,00", role="admitted",
                     value_num=1200000.0),
            ])
        massa_facts = [
            Fact("programme", "PON Inclusione 2014-2020", "PON Inclusione"),
            Fact("amount", "496931.00", "€ 496.931,00", role="allocated", value_num=496931.0),
            Fact("organisation", "Comune di Massa", "Comune di Massa", role="lead"),
            Fact("organisation", "Comune di Carrara", "Comune di Carrara", role="partner"),
            Fact("outcome", "11", "11 percorsi formativi", value_num=11, unit="percorsi formativi",
                 status="achieved"),
        ]
        url_massa = "https://www.comune.massa.ms.it/progetto-pon-sia"
        shas["massa_v1"] = add_document(
            con, url=url_massa, source_id="massa", title="Progetto PON SIA", text=MASSA_V1,
            fetched_at="2026-01-10 09:00:00", facts=massa_facts + [
                Fact("outcome", "30", "30 esperienze di lavoro", value_num=30,
                     unit="esperienze di lavoro", status="achieved"),
            ])
        shas["massa_v2"] = add_document(
            con, url=url_massa, source_id="massa", title="Progetto PON SIA", text=MASSA_V2,
            fetched_at="2026-02-10 09:00:00", facts=massa_facts + [
                Fact("outcome", "33", "33 esperienze di lavoro", value_num=33,
                     unit="esperienze di lavoro", status="achieved"),
                Fact("date", "2021-05-19", "19 maggio 2021", role="updated"),
            ])
        shas["massa_news"] = add_document(
            con, url="https://www.comune.massa.ms.it/notizie/pon-inclusione", source_id="massa",
            title="Fondi PON per il sociale", text=MASSA_NEWS, fetched_at="2026-02-10 09:05:00",
            facts=[
                Fact("programme", "PON Inclusione 2014-2020", "PON Inclusione"),
                Fact("amount", "500000.00", "€ 500.000,00", role="allocated", value_num=500000.0),
                Fact("organisation", "Comune di Massa", "Comune di Massa", role="lead",
                     occurrence=1),
            ])
        shas["livorno_news"] = add_document(
            con, url="https://www.comune.livorno.it/notizie/rei", source_id="livorno",
            title="REI a Livorno", text=LIVORNO_NEWS, fetched_at="2026-02-11 08:00:00",
            published="2018-02-21", facts=[
                Fact("programme", "PON Inclusione 2014-2020", "PON Inclusione 2014-2020"),
                Fact("amount", "609734", "€ 609.734", role="allocated", value_num=609734.0),
                Fact("date", "2017-07-04", "04/07/2017", role="signed"),
                Fact("organisation", "Centro per l'impiego", "Centro per l'impiego",
                     role="partner"),
            ])
    return shas
