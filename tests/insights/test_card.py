"""The project card: one summary per project, each value traced, official data beside it.

Built on the small fixture warehouse, with the OpenCUP extracts of tests/fixtures/reference
(written for these tests) and, where ../shared is present, the real OpenCUP files.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from browser import outer_probe
from insights_fixtures import VENEZIA_CUP, Fact, add_document

from inclusio.cli import main
from warehouse.card import project_card, readable_title
from warehouse.compare import compare
from warehouse.db import connect
from warehouse.linking import link_all
from warehouse.reference import import_opencoesione, import_opencup

FIX = Path(__file__).parent.parent / "fixtures" / "reference"
REPO = Path(__file__).resolve().parents[2]
# The real OpenCUP extracts: $INCLUSIO_OPENCUP, else ../shared beside the checkout, else the
# shared folder of the machine (as tests/test_end_to_end.py finds them).
_REAL_CANDIDATES = ([Path(os.environ["INCLUSIO_OPENCUP"])] if os.environ.get("INCLUSIO_OPENCUP")
                    else [REPO.parent / "shared" / "reference" / "opencup",
                          Path("/work/shared/reference/opencup")])
REAL = next((p for p in _REAL_CANDIDATES if p.is_dir()), _REAL_CANDIDATES[0])
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CIG_CONFIRMED = "Z1A2B3C4D5"  # listed by the OpenCUP fixture for the Venezia CUP
CIG_ONLY_HERE = "Z9Z8Y7X6W5"


@pytest.fixture
def carded(warehouse_path: Path) -> Path:
    """The fixture warehouse with a page quoting two CIGs, linked, and the official files in."""
    with connect(warehouse_path) as con:
        add_document(
            con, url="https://www.comune.venezia.it/bandi/affidamento-ve4481a",
            source_id="venezia", title="",
            text=f"Affidamento del servizio, CUP {VENEZIA_CUP}, CIG {CIG_CONFIRMED}; "
                 f"servizio accessorio CIG {CIG_ONLY_HERE}.",
            fetched_at="2026-02-03 10:00:00", facts=[
                Fact("cup", VENEZIA_CUP, VENEZIA_CUP),
                Fact("cig", CIG_CONFIRMED, CIG_CONFIRMED),
                Fact("cig", CIG_ONLY_HERE, CIG_ONLY_HERE),
            ])
        link_all(con)
        import_opencoesione(con, FIX / "progetti_esteso_sample.csv")
        for name in ("opencup_progetti_sample.csv", "opencup_localizzazioni_sample.csv",
                     "opencup_cig_sample.csv"):
            import_opencup(con, FIX / name)
    return warehouse_path


def test_card_has_money_by_role_place_cigs_and_official_figures(carded: Path) -> None:
    with connect(carded, read_only=True) as con:
        [view] = compare(con, cup=VENEZIA_CUP)
    card = project_card(view)
    money = {f.label: f for f in card.money}
    assert list(money)[:1] == ["Finanziamento assegnato"]
    admitted = money["Importo ammesso"]
    assert admitted.conflict  # € 1.149.465,93 on the card, € 1.200.000,00 in the news
    assert {(v.value, v.sources) for v in admitted.values} == {
        ("€ 1.149.465,93", 1), ("€ 1.200.000,00", 1)}
    assert admitted.key == "amount-admitted"
    committed = money["Impegni"]
    assert committed.official == "€ 120.000,00" and committed.difference == "€ -1.258,87"
    assert "OpenCoesione" in committed.official_source
    assert money["Pagamenti"].values[0].value == "€ 36.500,93"
    assert card.official_paid_share == "3,2 %"
    assert card.place == ["VENEZIA (VE), VENETO"] and card.place_source == "OpenCUP"
    cigs = {c.cig: c for c in card.cigs}
    assert cigs[CIG_CONFIRMED].confirmed
    assert not cigs[CIG_ONLY_HERE].confirmed and cigs[CIG_ONLY_HERE].sources == 1
    assert cigs["9876543210"].in_opencup and not cigs["9876543210"].confirmed
    [people] = [o for o in card.outcomes if o.label == "persone"]
    assert people.achieved == "40 persone"
    assert (people.official_target, people.official_achieved) == ("300", "42")  # OpenCoesione
    starts = [f for f in card.dates if f.label == "Inizio"]
    assert starts[0].values[0].value == "2024-04-01" and starts[0].difference == "uguale"


def test_card_first_in_every_format(carded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wh = str(carded)
    assert main(["compare", "--cup", VENEZIA_CUP, "--warehouse", wh]) == 0
    out = capsys.readouterr().out
    assert out.index("Impegni: € 118.741,13") < out.index("Che cosa dicono le fonti")
    assert "Luogo: VENEZIA (VE), VENETO (fonte: OpenCUP)" in out
    assert f"CIG {CIG_CONFIRMED}: confermato da OpenCUP" in out
    assert "generato il" in out.splitlines()[0]

    assert main(["compare", "--cup", VENEZIA_CUP, "--format", "json", "--warehouse", wh]) == 0
    data = json.loads(capsys.readouterr().out)
    assert list(data[0])[0] == "card"
    card = data[0]["card"]
    assert card["place"] == ["VENEZIA (VE), VENETO"]
    assert {c["cig"]: c["confirmed"] for c in card["cigs"]}[CIG_CONFIRMED] is True
    [conflict] = data[0]["conflicts"]
    assert {s["value"] for s in conflict["sides"]} == {"€ 1.149.465,93", "€ 1.200.000,00"}
    assert all(s["quotes"] for s in conflict["sides"])

    assert main(["compare", "--cup", VENEZIA_CUP, "--format", "html", "--warehouse", wh]) == 0
    page = capsys.readouterr().out
    assert page.index('class="card"') < page.index('id="affermazioni"')
    assert "generato il" in page and "confermato da OpenCUP" in page
    assert "fonti in disaccordo" in page
    # Identical claims are one line with their count of sources.
    assert page.count("«€ 36.500,93»") <= 1


def test_reconciliation_view_has_places_and_confirmed_cigs(carded: Path) -> None:
    with connect(carded, read_only=True) as con:
        rows = con.execute(
            "SELECT kind, claimed_value, official_value FROM reconciliation"
            " WHERE kind IN ('cig', 'place') ORDER BY ALL"
        ).fetchall()
    assert ("place", None, "VENEZIA (VE), VENETO") in rows
    assert ("cig", CIG_CONFIRMED, CIG_CONFIRMED) in rows
    assert ("cig", CIG_ONLY_HERE, None) in rows


def test_reference_import_says_what_it_read_and_matched(
    carded: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wh = str(carded)
    assert main(["reference", "import", "opencup", str(FIX / "opencup_cig_sample.csv"),
                 "--warehouse", wh]) == 0
    out = capsys.readouterr().out
    assert "2 rows read" in out and "warehouse CUPs matched: 1 of 1" in out
    assert "no amounts in this file" in out
    assert main(["reference", "import", "opencoesione", str(FIX / "progetti_esteso_sample.csv"),
                 "--warehouse", wh]) == 0
    out = capsys.readouterr().out
    assert "amounts (FINANZ_TOTALE_PUBBLICO, IMPEGNI, TOT_PAGAMENTI)" in out


def test_real_opencup_files_import_and_count_matches(carded: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    if not (REAL / "progetti-opencup-PNRR-localizzazioni.csv").is_file():
        pytest.skip(f"the real OpenCUP files are not at {REAL}")
    wh = str(carded)
    assert main(["reference", "import", "opencup",
                 str(REAL / "progetti-opencup-PNRR-localizzazioni.csv"), "--warehouse", wh]) == 0
    out = capsys.readouterr().out
    assert "7814 rows read" in out and "CUPs in the file: 7807" in out
    assert "warehouse CUPs matched: 0 of 1" in out and "no amounts in this file" in out
    assert main(["reference", "import", "opencup", str(REAL / "progetti-opencup-PNRR-CIG.csv"),
                 "--warehouse", wh]) == 0
    assert "CUP-CIG pairs" in capsys.readouterr().out
    # The fixture's place and CIGs for the sample CUP are still there beside the real rows.
    with connect(carded, read_only=True) as con:
        [view] = compare(con, cup=VENEZIA_CUP)
    assert project_card(view).place == ["VENEZIA (VE), VENETO"]


def test_readable_title_for_untitled_files() -> None:
    assert readable_title(None, "https://x.it/allegati/cremona-obiettivo_2017.pdf") \
        == "Cremona obiettivo 2017 (PDF)"
    assert readable_title("scheda-progetto.pdf", None) == "Scheda progetto (PDF)"
    assert readable_title("Una scheda", "https://x.it/a.pdf") == "Una scheda"
    assert readable_title("", None) is None


# Reports to the outer page where the card, its money table and the first single claim are.
PROBE = """<script>
var r = function (sel) { var e = document.querySelector(sel);
  return e ? e.getBoundingClientRect() : null; };
parent.document.getElementById('probe').textContent = JSON.stringify({
  innerHeight: window.innerHeight, innerWidth: window.innerWidth,
  scrollWidth: document.documentElement.scrollWidth,
  card: r('section.card'), money: r('section.card table.money'),
  claim: r('ul.cards > li'), text: document.querySelector('section.card').innerText});
</script>"""


def _first_screen(page: Path, tmp_path: Path, width: int, height: int) -> dict:
    inner = page.read_text(encoding="utf-8")
    outer = tmp_path / f"outer-{width}.html"
    outer.write_text(
        '<!DOCTYPE html><html><body style="margin:0"><pre id="probe"></pre>'
        f'<iframe style="border:0;width:{width}px;height:{height}px" '
        f'srcdoc="{html.escape(inner, quote=True)}"></iframe>{outer_probe(PROBE)}</body></html>',
        encoding="utf-8",
    )
    result = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", f"--user-data-dir={tmp_path / f'profile-{width}'}",
         f"--window-size={max(width, 800) + 100},{height + 200}", "--dump-dom", outer.as_uri()],
        capture_output=True, text=True, timeout=60, check=True,
    )
    m = re.search(r'<pre id="probe">(.+?)</pre>', result.stdout, re.S)
    assert m, f"the probe did not run; chromium said: {result.stderr[-500:]}"
    return json.loads(html.unescape(m.group(1)))


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium not installed "
                    "(Debian: apt-get install chromium)")
@pytest.mark.parametrize(("width", "height"), [(1280, 800), (390, 844)])
def test_card_with_money_is_in_the_first_screen(carded: Path, tmp_path: Path, width: int,
                                                height: int) -> None:
    page = tmp_path / "venezia.html"
    assert main(["compare", "--cup", VENEZIA_CUP, "--format", "html", "-o", str(page),
                 "--warehouse", str(carded)]) == 0
    seen = _first_screen(page, tmp_path, width, height)
    assert seen["innerWidth"] == width
    assert seen["card"]["top"] < seen["innerHeight"]
    # Money by role is shown whole in the first screen, before any single claim.
    assert seen["money"]["bottom"] <= seen["innerHeight"]
    assert seen["claim"] is None or seen["money"]["bottom"] <= seen["claim"]["top"]
    assert "Pagamenti" in seen["text"] and "€ 36.500,93" in seen["text"]
    assert seen["scrollWidth"] <= seen["innerWidth"]
