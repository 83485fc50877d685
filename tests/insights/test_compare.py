"""Compare: claims side by side per project, conflicts between pages, changes over time."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from insights_fixtures import VENEZIA_CUP

from inclusio.cli import main
from warehouse.compare import compare, display_value
from warehouse.db import connect
from warehouse.linking import link_all
from warehouse.reference import import_opencoesione

FIX = Path(__file__).parent.parent / "fixtures" / "reference"


@pytest.fixture
def linked(warehouse_path: Path) -> Path:
    with connect(warehouse_path) as con:
        link_all(con)
        import_opencoesione(con, FIX / "progetti_esteso_sample.csv")
    return warehouse_path


def test_conflict_between_two_pages_on_the_same_role(linked: Path) -> None:
    with connect(linked, read_only=True) as con:
        [view] = compare(con, cup=VENEZIA_CUP)
    admitted = next(g for g in view.groups if (g.kind, g.role) == ("amount", "admitted"))
    assert admitted.conflict
    assert admitted.values == ["€ 1.200.000,00", "€ 1.149.465,93"]
    urls = {c.url for c in admitted.claims}
    assert urls == {"https://www.comune.venezia.it/notizie/metro-plus",
                    "https://www.comune.venezia.it/progetti/ve4481a"}
    assert all(c.fetched_at is not None and c.quote for c in admitted.claims)
    # Financed is not paid: roles stay apart and a single source is no conflict.
    paid = next(g for g in view.groups if (g.kind, g.role) == ("amount", "paid"))
    assert not paid.conflict and paid.values == ["€ 36.500,93"]
    assert [(g.kind, g.role) for g in view.conflicts] == [("amount", "admitted")]


def test_entity_finds_lead_and_partner_projects(linked: Path) -> None:
    with connect(linked, read_only=True) as con:
        massa = compare(con, entity="comune di massa")
        carrara = compare(con, entity="Comune di Carrara")
        nobody = compare(con, entity="Comune di Nessuno")
    assert len(massa) == 1 and massa[0].call == "Avviso 3/2016"
    assert [v.project_id for v in carrara] == [massa[0].project_id]
    assert nobody == []


def test_changes_over_time_only_from_same_url(linked: Path) -> None:
    with connect(linked, read_only=True) as con:
        [view] = compare(con, entity="Comune di Massa")
    # The older body of the card is a change, not a second source: 30 -> 33 is no conflict.
    outcome = next(g for g in view.groups if g.unit == "esperienze di lavoro")
    assert not outcome.conflict and outcome.values == ["33 esperienze di lavoro"]
    [change] = view.changes
    assert change.url == "https://www.comune.massa.ms.it/progetto-pon-sia"
    assert change.before_fetched_at < change.after_fetched_at
    moved = {(d["kind"], d["unit"]): (d["before"], d["after"]) for d in change.differences}
    assert moved[("outcome", "esperienze di lavoro")] == (["30 esperienze di lavoro"],
                                                           ["33 esperienze di lavoro"])
    allocated = next(g for g in view.groups if g.role == "allocated")
    assert allocated.conflict and len(allocated.claims) == 2


def test_official_figures_beside_claims(linked: Path) -> None:
    with connect(linked, read_only=True) as con:
        [view] = compare(con, cup=VENEZIA_CUP)
    committed = [r for r in view.reconciliation if r["role"] == "committed"]
    assert committed[0]["official_field"] == "IMPEGNI"
    assert committed[0]["difference"] == pytest.approx(-1258.87)


def test_formats(linked: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wh = str(linked)
    assert main(["compare", "--cup", VENEZIA_CUP, "--format", "json", "--warehouse", wh]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data[0]["cup"] == VENEZIA_CUP and data[0]["conflicts"][0]["role"] == "admitted"

    assert main(["compare", "--entity", "Comune di Massa", "--format", "csv",
                 "--warehouse", wh]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    conflicted = {r["value"] for r in rows if r["conflict"] == "yes"}
    assert conflicted == {"€ 496.931,00", "€ 500.000,00"}
    assert all(r["url"].startswith("https://www.comune.massa.ms.it/") for r in rows)

    assert main(["compare", "--cup", VENEZIA_CUP, "--warehouse", wh]) == 0
    out = capsys.readouterr().out
    assert "CONFLITTO" in out and "«€ 118.741,13»" in out and "IMPEGNI" in out

    assert main(["compare", "--cup", VENEZIA_CUP, "--format", "html", "--warehouse", wh]) == 0
    html = capsys.readouterr().out
    assert "&lt;fondi&gt;" in html and "<fondi>" not in html  # titles are escaped

    assert main(["compare", "--cup", "X00X00000000000", "--warehouse", wh]) == 1


def test_display_value() -> None:
    assert display_value("amount", "1149465.93", 1149465.93, None) == "€ 1.149.465,93"
    assert display_value("outcome", "11", 11.0, "percorsi") == "11 percorsi"
    assert display_value("date", "2024-04-01", None, None) == "2024-04-01"


def test_page_that_went_back_to_an_earlier_body(linked: Path) -> None:
    # The unchanged re-crawl of the first body updates last_seen_at: that body is current again.
    with connect(linked) as con:
        con.execute(
            "UPDATE fetches SET last_seen_at = TIMESTAMP '2026-03-01 09:00:00'"
            " WHERE url = 'https://www.comune.massa.ms.it/progetto-pon-sia'"
            " AND fetched_at = TIMESTAMP '2026-01-10 09:00:00'"
        )
        [view] = compare(con, entity="Comune di Massa")
    outcome = next(g for g in view.groups if g.unit == "esperienze di lavoro")
    assert outcome.values == ["30 esperienze di lavoro"]
    assert outcome.claims[0].fetched_at.month == 3
    assert len(view.changes) == 1


def test_pages_sharing_a_value_do_not_conflict() -> None:
    from warehouse.compare import ClaimItem, _pages_disagree

    def item(url: str, value: float, start: int = 0) -> ClaimItem:
        return ClaimItem("c", "amount", "allocated", str(value), value, None, None, "q", start,
                         start + 1, url, url, None, None, "cup", 1.0)

    # Both pages list the same two figures (a total and a zero co-financing line): no conflict.
    assert not _pages_disagree([item("a", 1149465.93), item("a", 0.0, 5),
                                item("b", 1149465.93), item("b", 0.0, 5)])
    assert not _pages_disagree([item("a", 1.0), item("a", 2.0, 5), item("b", 1.0)])
    assert _pages_disagree([item("a", 1.0), item("b", 2.0)])
    assert not _pages_disagree([item("a", 1.0), item("a", 2.0, 5)])  # one page alone


def test_official_figure_is_set_once_beside_a_value_many_claims_repeat() -> None:
    """The card and the prose of a page, and its PDF copy, all quote the same admitted amount:
    one line beside the official figure naming both pages, not one line per claim."""
    from warehouse.compare import ProjectView, official_lines, to_table

    def row(url: str, claim_id: str) -> dict:
        return {"kind": "amount", "role": "admitted", "unit": None, "claim_id": claim_id,
                "url": url, "official_dataset": "opencoesione",
                "official_field": "FINANZ_TOTALE_PUBBLICO", "official_value": "1149465.93",
                "claimed_value": "1149465.93", "claimed_num": 1149465.93, "difference": 0.0,
                "difference_unit": "EUR"}

    view = ProjectView(VENEZIA_CUP, VENEZIA_CUP, "Progetto", None, None, None)
    view.reconciliation = [row("https://a/scheda.html", "1"), row("https://a/scheda.html", "2"),
                           row("https://a/scheda.pdf", "3"), row("https://a/scheda.pdf", "4")]
    other = row("https://a/notizia.html", "5") | {"claimed_value": "1200000.0",
                                                   "claimed_num": 1200000.0,
                                                   "difference": 50534.07}
    view.reconciliation.append(other)
    lines = official_lines(view)
    assert [(r["claimed_value"], r["claims"], r["urls"]) for r in lines] == [
        ("1149465.93", 4, ["https://a/scheda.html", "https://a/scheda.pdf"]),
        ("1200000.0", 1, ["https://a/notizia.html"]),
    ]
    text = to_table([view])
    assert text.count("FINANZ_TOTALE_PUBBLICO") == 2
    assert "(4 affermazioni, 2 pagine)" in text
    assert "+50,534.07 EUR  (1 affermazione, 1 pagina)" in text


def test_entity_accepts_partial_and_differently_written_names(
    linked: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wh = str(linked)
    with connect(linked, read_only=True) as con:
        massa = compare(con, entity="massa")
        venezia = compare(con, entity="Città di Venezia")
    assert [v.call for v in massa] == ["Avviso 3/2016"]
    assert [v.cup for v in venezia] == [VENEZIA_CUP]
    assert main(["compare", "--entity", "comune di venezzia", "--warehouse", wh]) == 1
    err = capsys.readouterr().err
    assert "did you mean 'Comune di Venezia'" in err and len(err.strip().splitlines()) == 1


def test_malformed_cup_is_not_a_valid_cup(linked: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    wh = str(linked)
    assert main(["compare", "--cup", "F74H2400278", "--warehouse", wh]) == 2
    err = capsys.readouterr().err
    assert "is not a valid CUP" in err and "Traceback" not in err
    assert main(["compare", "--cup", "f74h 24002780007", "--warehouse", wh]) == 0  # spaces, case
    capsys.readouterr()
    assert main(["compare", "--cup", "X00X00000000000", "--warehouse", wh]) == 1  # well formed
    assert "no project for X00X00000000000" in capsys.readouterr().err
