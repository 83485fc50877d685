"""The HTML report as a reader sees it: rendered by headless Chromium, on a phone-sized window."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from browser import outer_probe
from insights_fixtures import VENEZIA_CUP

from inclusio.cli import main
from warehouse.db import connect
from warehouse.linking import link_all
from warehouse.reference import import_opencoesione
from warehouse.report import page_name

FIX = Path(__file__).parent.parent / "fixtures" / "reference"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

# Run inside the page: report the width the page needs and the text a reader sees to the
# outer page (headless Chromium will not make its own window narrower than 500 px, so the page
# is shown in an iframe of the phone's width).
PROBE = """<script>
parent.document.getElementById('probe').textContent = JSON.stringify({
  scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
  text: document.querySelector('main').innerText});
</script>"""


@pytest.fixture
def report_dir(warehouse_path: Path, tmp_path: Path) -> Path:
    with connect(warehouse_path) as con:
        link_all(con)
        import_opencoesione(con, FIX / "progetti_esteso_sample.csv")
    out = tmp_path / "report"
    assert main(["report", str(out), "--warehouse", str(warehouse_path)]) == 0
    return out


def render(page: Path, tmp_path: Path, width: int = 390, height: int = 844,
           probe: str = PROBE) -> dict:
    """Show ``page`` in a ``width`` px frame in headless Chromium; return what the probe saw."""
    inner = page.read_text(encoding="utf-8")
    outer = page.with_name("_probe_" + page.name)
    outer.write_text(
        '<!DOCTYPE html><html><body style="margin:0"><pre id="probe"></pre>'
        f'<iframe style="border:0;width:{width}px;height:{height}px" '
        f'srcdoc="{html.escape(inner, quote=True)}"></iframe>{outer_probe(probe)}</body></html>',
        encoding="utf-8",
    )
    result = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", f"--user-data-dir={tmp_path / 'chromium-profile'}",
         "--window-size=800,900", "--dump-dom", outer.as_uri()],
        capture_output=True, text=True, timeout=60, check=True,
    )
    outer.unlink()
    m = re.search(r'<pre id="probe">(.+?)</pre>', result.stdout, re.S)
    assert m, f"the probe did not run; chromium said: {result.stderr[-500:]}"
    return json.loads(html.unescape(m.group(1)))


def test_pages_are_written_escaped_and_mobile_ready(report_dir: Path) -> None:
    index = (report_dir / "index.html").read_text(encoding="utf-8")
    page = (report_dir / "projects" / page_name(VENEZIA_CUP)).read_text(encoding="utf-8")
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "&lt;fondi&gt;" in page and "<fondi>" not in page
    assert "&lt;partono&gt;" in page
    assert "<script" not in page and "http" not in (report_dir / "style.css").read_text()
    assert f"projects/{page_name(VENEZIA_CUP)}" in index
    assert "Comune di Carrara" in index  # a partner body is listed among the entities
    assert len(list((report_dir / "projects").glob("*.html"))) == 3


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium not installed "
                    "(Debian: apt-get install chromium)")
def test_reader_sees_cup_amounts_quotes_and_official_figures(report_dir: Path,
                                                            tmp_path: Path) -> None:
    seen = render(report_dir / "projects" / page_name(VENEZIA_CUP), tmp_path)
    text = seen["text"]
    assert VENEZIA_CUP in text
    assert "€ 1.149.465,93" in text and "€ 1.200.000,00" in text
    assert "impegni giuridicamente vincolanti per € 118.741,13" in text  # the quote in context
    assert "Conflitti tra fonti" in text and "1 conflitto" in text
    assert "IMPEGNI" in text and "€ -1.258,87" in text and "€ +50.534,07" in text
    assert "https://www.comune.venezia.it/progetti/ve4481a" not in text  # links show titles
    assert "PN Metro Plus: <fondi> per l'occupabilità" in text  # escaped, shown as written
    # Phone width: nothing wider than the screen.
    assert seen["innerWidth"] == 390
    assert seen["scrollWidth"] <= seen["innerWidth"]


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium not installed "
                    "(Debian: apt-get install chromium)")
def test_index_and_changes_render_on_a_phone(report_dir: Path, tmp_path: Path) -> None:
    index = render(report_dir / "index.html", tmp_path)
    assert "Occupabilità e inclusione sociale" in index["text"]
    assert "Comune di Massa" in index["text"]
    assert index["scrollWidth"] <= index["innerWidth"]
    massa = next(p for p in (report_dir / "projects").glob("rule-*.html")
                 if "Avviso 3/2016" in p.read_text(encoding="utf-8"))
    seen = render(massa, tmp_path)
    assert "Pagine cambiate nel tempo" in seen["text"]
    assert "30 esperienze di lavoro → 33 esperienze di lavoro" in seen["text"]
    assert "senza CUP" in seen["text"]
    assert seen["scrollWidth"] <= seen["innerWidth"]


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium not installed "
                    "(Debian: apt-get install chromium)")
@pytest.mark.parametrize("which", ["report", "compare"])
def test_content_policy_stops_a_script_and_keeps_the_style(
    which: str, report_dir: Path, warehouse_path: Path, tmp_path: Path,
) -> None:
    """Every page says no script may run: a script slipped into the page stays inert, while the
    page's own stylesheet (linked in the report, inline in compare) still applies."""
    if which == "report":
        page = report_dir / "projects" / page_name(VENEZIA_CUP)
    else:
        page = tmp_path / "compare.html"
        assert main(["compare", "--cup", VENEZIA_CUP, "--format", "html", "-o", str(page),
                     "--warehouse", str(warehouse_path)]) == 0
    text = page.read_text(encoding="utf-8")
    assert '<meta http-equiv="Content-Security-Policy" content="default-src &#x27;none&#x27;;' \
        in text
    slipped = page.with_name("slipped-" + page.name)
    slipped.write_text(text.replace("</main>", "<script>document.title = 'RAN';"
                                    "document.body.id = 'ran'</script></main>"),
                       encoding="utf-8")
    probe = """<script>parent.document.getElementById('probe').textContent = JSON.stringify({
      title: document.title, ran: document.body.id === 'ran',
      font: window.getComputedStyle(document.body).fontFamily,
      scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
      text: document.querySelector('main').innerText});</script>"""
    seen = render(slipped, tmp_path, probe=probe)
    assert seen["title"] != "RAN" and not seen["ran"]
    assert "system-ui" in seen["font"]  # the stylesheet was allowed
    assert seen["scrollWidth"] <= seen["innerWidth"]


def test_page_names_never_collide() -> None:
    ids = ["a/b", "a:b", "a-b", "Ab", "aB", "rule:0c88de13a57f6bd8", "F74H24002780007", "",
           "../../etc/passwd", "x" * 300]
    names = [page_name(i) for i in ids]
    assert len({n.lower() for n in names}) == len(ids)  # distinct even on a case-blind disk
    assert page_name("F74H24002780007") == "F74H24002780007.html"
    assert all(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,100}\.html", n) for n in names), names


def test_difference_text() -> None:
    from warehouse.report import difference_text

    assert difference_text(-1258.87, "EUR") == "€ -1.258,87"
    assert difference_text(3, "days") == "+3 giorni"
    assert difference_text(-1, "days") == "-1 giorno"
    assert difference_text(0.0, "EUR") == "uguale"
    assert difference_text(None, "EUR") == "dato mancante"
    assert difference_text(-2.0, "persone") == "-2 persone"
