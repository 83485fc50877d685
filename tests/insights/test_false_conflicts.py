"""A conflict is two pages giving different values for the same field and role of one project.

Stamps of a state, relative words, publication dates and the dates of one activity are true
dates but never the project's start or end; a target and an achieved count are two fields; a
page naming no CUP, programme proper or call never makes a project of its own.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from insights_fixtures import VENEZIA_CUP, Fact, add_document

from inclusio.cli import main
from warehouse.compare import ClaimItem, compare, date_note
from warehouse.db import connect
from warehouse.linking import link_all


def _date(value: str, before: str, role: str = "start", **kw) -> ClaimItem:
    return ClaimItem("c", "date", role, value, None, None, None, "q", 0, 1, "https://a/", "s",
                     None, None, "cup", 1.0, before=before, **kw)


def test_dates_that_do_not_date_the_project() -> None:
    assert date_note(_date("2023-12-31", "Al ")) == "data di una situazione"
    assert date_note(_date("2023-12-31", "I dati aggiornati al ")) == "data di una situazione"
    assert date_note(_date("2023-12-31", "Il progetto, iniziato nel 2022, al ")) \
        == "data di una situazione"
    # A range's end or a limit stays an end date.
    assert date_note(_date("2023-12-31", "attivo dal 1° marzo al ", role="end")) is None
    assert date_note(_date("2023-12-31", "prorogato fino al ", role="end")) is None
    assert date_note(_date("2025-12-31", "il progetto è prorogato al ", role="end")) is None
    assert date_note(_date("2025-06-30", "con conclusione al ", role="end")) is None
    assert date_note(_date("2018-02-20", "iniziata ieri, ", attrs={"relative": True})) \
        == "data relativa alla pubblicazione"
    from datetime import date
    assert date_note(_date("2024-01-10", "Pubblicato il ", published=date(2024, 1, 10))) \
        == "data di pubblicazione"
    assert date_note(_date("2017-01-01", "", attrs={"activity": "A) Fare legami"})) \
        == "date di un'attività"
    assert date_note(_date("2024-04-01", "Data inizio: ")) is None
    assert date_note(_date("2024-04-01", "Al ", role="signed")) is None  # only start/end


def test_no_false_conflict_on_dates_and_outcomes(warehouse_path: Path) -> None:
    with connect(warehouse_path) as con:
        add_document(
            con, url="https://www.comune.venezia.it/notizie/bilancio", source_id="venezia",
            title="Bilancio del progetto", published="2024-01-10",
            text="CUP F74H24002780007. Al 31 dicembre 2023 il progetto ha coinvolto 33 persone; "
                 "obiettivo 300 persone. Avviato ieri lo sportello. Pubblicato il 10/01/2024.",
            fetched_at="2026-02-02 10:00:00", facts=[
                Fact("cup", VENEZIA_CUP, VENEZIA_CUP),
                Fact("date", "2023-12-31", "31 dicembre 2023", role="start"),
                Fact("date", "2024-01-09", "ieri", role="start", attrs={"relative": True}),
                Fact("date", "2024-01-10", "10/01/2024", role="start"),
                Fact("outcome", "300", "300 persone", value_num=300, unit="persone",
                     status="target"),
            ])
        link_all(con)
        [view] = compare(con, cup=VENEZIA_CUP)
    starts = [g for g in view.groups if (g.kind, g.role) == ("date", "start")]
    assert not any(g.conflict for g in starts)
    project_start = [g for g in starts if g.qualifier is None]
    assert [g.values for g in project_start] == [["2024-04-01"]]
    notes = {g.qualifier for g in starts} - {None}
    assert notes == {"data di una situazione", "data relativa alla pubblicazione",
                     "data di pubblicazione"}
    people = [g for g in view.groups if g.unit == "persone"]
    assert {g.qualifier for g in people} == {"obiettivo", "raggiunto"}
    assert not any(g.conflict for g in people)
    # The one true conflict stays, with the quotes of both sides.
    [conflict] = view.conflicts
    assert (conflict.kind, conflict.role) == ("amount", "admitted")
    sides = conflict.sides()
    assert {s["value"] for s in sides} == {"€ 1.200.000,00", "€ 1.149.465,93"}
    assert all(s["quotes"] and s["pages"] for s in sides)


def test_csv_says_why_a_date_is_not_the_projects(warehouse_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    with connect(warehouse_path) as con:
        add_document(
            con, url="https://www.comune.venezia.it/notizie/stato", source_id="venezia",
            title="Stato", text=f"CUP {VENEZIA_CUP}. Al 31 dicembre 2023 spesi i primi fondi.",
            fetched_at="2026-02-02 10:00:00", facts=[
                Fact("cup", VENEZIA_CUP, VENEZIA_CUP),
                Fact("date", "2023-12-31", "31 dicembre 2023", role="start"),
            ])
        link_all(con)
    assert main(["compare", "--cup", VENEZIA_CUP, "--format", "csv",
                 "--warehouse", str(warehouse_path)]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    [stamp] = [r for r in rows if r["value"] == "2023-12-31"]
    assert stamp["qualifier"] == "data di una situazione" and stamp["conflict"] == ""


def test_measure_only_page_joins_its_lead_bodys_project(warehouse_path: Path) -> None:
    with connect(warehouse_path) as con:
        add_document(
            con, url="https://www.comune.livorno.it/notizie/protocollo-sia", source_id="livorno",
            title="Protocollo SIA", text="Il Comune di Livorno firma il protocollo per il SIA.",
            fetched_at="2026-02-12 08:00:00", facts=[
                Fact("programme", "SIA", "SIA"),
                Fact("organisation", "Comune di Livorno", "Comune di Livorno", role="lead"),
            ])
        add_document(
            con, url="https://www.comune.pisa.it/notizie/sia", source_id="livorno",
            title="SIA a Pisa", text="Il Comune di Pisa avvia il SIA.",
            fetched_at="2026-02-12 08:00:00", facts=[
                Fact("programme", "SIA", "SIA"),
                Fact("organisation", "Comune di Pisa", "Comune di Pisa", role="lead"),
            ])
        add_document(
            con, url="https://www.comune.livorno.it/", source_id="livorno",
            title="Comune di Livorno", text="Notizie: il PON Inclusione a Livorno.",
            fetched_at="2026-02-12 08:00:00", facts=[
                Fact("programme", "PON Inclusione 2014-2020", "PON Inclusione"),
            ])
        stats = link_all(con)
        links = dict(con.execute(
            "SELECT d.url, dp.project_id FROM document_projects dp JOIN documents d USING (sha256)"
        ).fetchall())
        bare = con.execute(
            "SELECT count(*) FROM projects p LEFT JOIN project_keys k USING (project_id)"
            " WHERE p.cup IS NULL AND k.call IS NULL"
            " AND lower(coalesce(p.programme, '')) IN ('', 'sia', 'rei', 'fse', 'fse+')"
        ).fetchone()[0]
    assert links["https://www.comune.livorno.it/notizie/protocollo-sia"] \
        == links["https://www.comune.livorno.it/notizie/rei"]
    assert "https://www.comune.pisa.it/notizie/sia" not in links
    assert "https://www.comune.livorno.it/" not in links  # a home page is no project
    assert stats["measure_only_pages"] == 1
    assert bare == 0


def test_counts_of_nothing_named_are_not_a_conflict() -> None:
    from warehouse.compare import _conflict_key

    assert not _conflict_key("outcome", None, "raggiunto", None)
    assert _conflict_key("outcome", None, "raggiunto", "persone")
    assert not _conflict_key("date", "start", "data relativa alla pubblicazione")
    assert _conflict_key("date", "end", "prevista")
