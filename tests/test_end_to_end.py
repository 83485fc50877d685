"""The whole pipeline over the bundled sample site, served on 127.0.0.1 and crawled over HTTP.

Runs the real Prefect flow into a real DuckDB file in a temporary project folder, twice, and
checks the seeds' facts and that the second run changes no row counts.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import socket
import subprocess
from pathlib import Path
from typing import Any

import duckdb
import pytest

from inclusio.settings import configure_prefect

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "sample"
TABLES = (
    "sources", "fetches", "documents", "document_tables", "claims", "projects",
    "document_projects", "problems",
)

pytestmark = pytest.mark.e2e


def _counts(db: Path) -> dict[str, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    finally:
        con.close()


@pytest.fixture(scope="module")
def demo_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("project")
    configure_prefect(root)
    from flows.pipeline import pipeline_flow
    from inclusio.sample_site import localised_sources, serve

    with serve(SAMPLE / "site") as base:
        sources = localised_sources(SAMPLE / "sources.toml", base, root / "sources.toml")
        first = pipeline_flow(str(sources), root=str(root))
        db = root / "data" / "curated" / "inclusio.duckdb"
        counts_first = _counts(db)
        second = pipeline_flow(str(sources), root=str(root))
        counts_second = _counts(db)
    return {
        "root": root, "db": db, "first": first, "second": second,
        "counts_first": counts_first, "counts_second": counts_second, "base": base,
    }


@pytest.fixture()
def con(demo_runs: dict[str, Any]) -> duckdb.DuckDBPyConnection:
    c = duckdb.connect(str(demo_runs["db"]), read_only=True)
    yield c
    c.close()


def _doc(con: duckdb.DuckDBPyConnection, url_part: str) -> str:
    rows = con.execute(
        "SELECT sha256 FROM documents WHERE url LIKE ?", [f"%{url_part}%"]
    ).fetchall()
    assert rows, f"no document from a URL containing {url_part!r}"
    return rows[0][0]


def test_documents_fetched_parsed_and_counted(demo_runs: dict[str, Any]) -> None:
    first = demo_runs["first"]
    assert first["documents"] >= 5
    assert first["parsed"] >= 5
    assert first["failed"] >= 3  # a 404, a fake PDF, an empty file
    assert first["claims_by_kind"].get("amount", 0) > 0
    assert first["projects"] >= 1


def test_massa_amount(con: duckdb.DuckDBPyConnection) -> None:
    sha = _doc(con, "massa")
    amounts = [r[0] for r in con.execute(
        "SELECT value_num FROM claims WHERE sha256 = ? AND kind = 'amount'", [sha]
    ).fetchall()]
    assert 496931.00 in amounts
    updated = con.execute("SELECT updated FROM documents WHERE sha256 = ?", [sha]).fetchone()[0]
    assert str(updated) == "2021-05-19"


def test_venezia_cup_and_dates(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute(
        "SELECT DISTINCT sha256 FROM claims WHERE kind = 'cup' AND value = 'F74H24002780007'"
    ).fetchall()
    assert rows
    shas = [r[0] for r in rows]
    dates = con.execute(
        "SELECT value, role FROM claims WHERE kind = 'date' AND sha256 IN "
        "(SELECT unnest(?::VARCHAR[]))",
        [shas],
    ).fetchall()
    assert ("2024-04-01", "start") in dates
    assert ("2029-09-30", "end") in dates
    project = con.execute(
        "SELECT count(*) FROM document_projects WHERE project_id = 'F74H24002780007'"
    ).fetchone()[0]
    assert project >= 1


def test_livorno_protocol_date(con: duckdb.DuckDBPyConnection) -> None:
    sha = _doc(con, "livorno-sia-rei")
    dates = [r[0] for r in con.execute(
        "SELECT value FROM claims WHERE sha256 = ? AND kind = 'date'", [sha]
    ).fetchall()]
    assert "2017-07-04" in dates


def test_cremona_indicator_rows(con: duckdb.DuckDBPyConnection) -> None:
    sha = _doc(con, "cremona")
    tables = con.execute(
        "SELECT header, rows FROM document_tables WHERE sha256 = ? ORDER BY table_no", [sha]
    ).fetchall()
    indicator = [
        (h, json.loads(r)) for h, r in tables if any("raggiunto" in c.lower() for c in h)
    ]
    assert indicator, "no indicator table stored for the Cremona objective"
    header, rows = indicator[0]
    assert len(rows) == 5
    flat = [" ".join(r) for r in rows]
    assert any("53.00" in r and "20.00" in r for r in flat)
    assert any("95.00" in r and "30.00" in r for r in flat)


def test_every_quote_matches_its_span(con: duckdb.DuckDBPyConnection) -> None:
    bad = con.execute(
        "SELECT count(*) FROM claims c JOIN documents d USING (sha256) "
        "WHERE substring(d.text, c.start_char + 1, c.end_char - c.start_char) <> c.quote"
    ).fetchone()[0]
    assert bad == 0


def test_bad_inputs_are_recorded_with_reasons(con: duckdb.DuckDBPyConnection) -> None:
    problems = con.execute("SELECT stage, coalesce(url, ''), reason FROM problems").fetchall()
    reasons = " | ".join(f"{s}:{u}:{r}" for s, u, r in problems)
    assert "404" in reasons
    assert any(s == "parse" and "PDF" in r for s, _, r in problems), reasons
    assert any(s in ("parse", "fetch") and "empty" in r.lower() for s, _, r in problems), reasons


def test_second_run_changes_no_row_counts(demo_runs: dict[str, Any]) -> None:
    assert demo_runs["counts_first"] == demo_runs["counts_second"]
    assert demo_runs["second"]["fetched_new"] == 0


@pytest.mark.slow
def test_notebooks_run_on_the_demo_warehouse(demo_runs: dict[str, Any], tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """What `make demo` leaves is what researchers open first: both notebooks run on it, with
    the official figures imported, and draw their charts."""
    import nbformat
    from nbclient import NotebookClient

    from warehouse.db import connect
    from warehouse.reference import import_opencoesione

    db = tmp_path / "demo.duckdb"
    db.write_bytes(demo_runs["db"].read_bytes())  # the module's warehouse stays as the run left it
    with connect(db) as c:
        import_opencoesione(c, REPO / "tests" / "fixtures" / "reference" /
                            "progetti_esteso_sample.csv")
    monkeypatch.setenv("INCLUSIO_WAREHOUSE", str(db))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    outputs = {}
    for name in ("researchers.ipynb", "journalists.ipynb"):
        book = nbformat.read(REPO / "notebooks" / name, as_version=4)
        NotebookClient(book, timeout=120, kernel_name="python3",
                       resources={"metadata": {"path": str(REPO / "notebooks")}}).execute()
        outs = [o for cell in book.cells for o in cell.get("outputs", [])]
        assert not [o for o in outs if o.get("output_type") == "error"]
        outputs[name] = (
            "\n".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in outs),
            sum("image/png" in o.get("data", {}) for o in outs),
        )
    text, images = outputs["researchers.ipynb"]
    assert "PON Inclusione" in text and "PN Metro Plus" in text and images >= 2
    text, images = outputs["journalists.ipynb"]
    assert "IMPEGNI" in text and "F74H24002780007" in text and images >= 1


def test_a_run_cut_short_by_its_time_budget_is_completed_by_the_next(
    demo_runs: dict[str, Any], tmp_path: Path
) -> None:
    """`inclusio run --max-duration`: the first run keeps what it fetched and says it stopped;
    the next run, without a budget, ends with the same rows as an uninterrupted one."""
    configure_prefect(tmp_path)
    from flows.pipeline import pipeline_flow
    from flows.runlog import RunFailed
    from inclusio.sample_site import localised_sources, serve

    with serve(SAMPLE / "site") as base:
        sources = localised_sources(SAMPLE / "sources.toml", base, tmp_path / "sources.toml")
        try:
            cut = pipeline_flow(str(sources), root=str(tmp_path), max_duration=0.001)
        except RunFailed as failed:  # the budget ran out before any page: a FAILED run
            cut = failed.summary
            assert failed.code == 6 and "time budget (max_duration) ran out" in cut["message"]
        assert cut["stopped"] >= 1
        db = tmp_path / "data" / "curated" / "inclusio.duckdb"
        con = duckdb.connect(str(db), read_only=True)
        try:
            stopped = con.execute(
                "SELECT count(*) FROM fetches WHERE outcome = 'stopped'"
            ).fetchone()[0]
            cut_docs = con.execute("SELECT count(*) FROM documents").fetchone()[0]
        finally:
            con.close()
        pipeline_flow(str(sources), root=str(tmp_path))
    assert stopped >= 1
    assert cut_docs < demo_runs["counts_first"]["documents"]
    after = _counts(db)
    for table in ("documents", "document_tables", "claims", "projects"):
        assert after[table] == demo_runs["counts_first"][table], table


# ---------------------------------------------------------------- the demo as a user runs it

CAPANNORI_CUP = "G54E22000000006"  # a real CUP of the OpenCUP extracts, used by the sample site
OPENCUP_FILES = ("progetti-opencup-PNRR-localizzazioni.csv", "progetti-opencup-PNRR-CIG.csv")


def real_opencup() -> Path | None:
    """The real OpenCUP extracts, read in place: ``$INCLUSIO_OPENCUP``, else ../shared beside
    the checkout, else the machine's shared folder (as the real-text set is found)."""
    env = os.environ.get("INCLUSIO_OPENCUP", "").strip()
    candidates = [Path(env)] if env else [REPO.parent / "shared" / "reference" / "opencup",
                                          Path("/work/shared/reference/opencup")]
    return next((c for c in candidates if all((c / f).is_file() for f in OPENCUP_FILES)), None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def demo_editions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """`inclusio demo` into an empty INCLUSIO_HOME, a copy of the warehouse it left, then
    `inclusio demo --edition 2` on the same port (the same URLs, as `make demo` twice)."""
    from inclusio.cli import main

    home = tmp_path_factory.mktemp("home")
    port = _free_port()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("INCLUSIO_HOME", str(home))
        mp.chdir(home)
        assert main(["demo", "--port", str(port)]) == 0
        db = home / "data" / "curated" / "inclusio.duckdb"
        first = home / "edition1.duckdb"
        first.write_bytes(db.read_bytes())
        assert main(["demo", "--port", str(port), "--edition", "2"]) == 0
    con = duckdb.connect(str(db), read_only=True)
    try:
        runs = [r for (r,) in con.execute(
            "SELECT DISTINCT run_id FROM fetches ORDER BY run_id").fetchall()]
    finally:
        con.close()
    return {"home": home, "first": first, "db": db, "runs": runs,
            "base": f"http://127.0.0.1:{port}/"}


def _import_real_opencup(db: Path, capsys: pytest.CaptureFixture[str]) -> str:
    from inclusio.cli import main

    folder = real_opencup()
    if folder is None:
        pytest.skip("the real OpenCUP extracts are not here: set INCLUSIO_OPENCUP to the folder "
                    "holding " + " and ".join(OPENCUP_FILES) + " (../shared/reference/opencup)")
    for name in OPENCUP_FILES:
        assert main(["reference", "import", "opencup", str(folder / name),
                     "--warehouse", str(db)]) == 0
    return capsys.readouterr().out


# Run from the outer page once the framed page has loaded (the page's own policy forbids
# scripts): where the card, its money table and the first single claim are.
FIRST_SCREEN = """<script>window.addEventListener('load', function () {
  var f = document.querySelector('iframe'), d = f.contentDocument, w = f.contentWindow;
  var r = function (sel) { var e = d.querySelector(sel);
    return e ? e.getBoundingClientRect() : null; };
  document.getElementById('probe').textContent = JSON.stringify({
    innerHeight: w.innerHeight, innerWidth: w.innerWidth,
    scrollWidth: d.documentElement.scrollWidth, scripts: d.scripts.length,
    card: r('section.card'), money: r('section.card table.money'),
    claim: r('ul.cards > li'), text: d.querySelector('section.card').innerText});
});</script>"""


def _first_screen(page: Path, tmp_path: Path, width: int, height: int) -> dict:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.fail("headless Chromium is not installed (Debian: apt-get install chromium)")
    outer = tmp_path / f"outer-{width}.html"
    outer.write_text(
        '<!DOCTYPE html><html><body style="margin:0"><pre id="probe"></pre>'
        f'<iframe style="border:0;width:{width}px;height:{height}px" srcdoc="'
        f'{html.escape(page.read_text(encoding="utf-8"), quote=True)}"></iframe>'
        f"{FIRST_SCREEN}</body></html>", encoding="utf-8")
    result = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", f"--user-data-dir={tmp_path / f'profile-{width}'}",
         f"--window-size={max(width, 800) + 100},{height + 200}", "--dump-dom", outer.as_uri()],
        capture_output=True, text=True, timeout=60, check=True,
    )
    m = re.search(r'<pre id="probe">(.+?)</pre>', result.stdout, re.S)
    assert m, f"the probe did not run; chromium said: {result.stderr[-500:]}"
    return json.loads(html.unescape(m.group(1)))


def test_demo_then_real_opencup_card_shows_place_and_cigs_first(
    demo_editions: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 12's first "done when": after the demo and `reference import opencup` of the real
    files, `compare --cup` on a CUP in both opens on the card with OpenCUP's place and CIGs,
    and the html page shows money by role in the first screen, on a desktop and a phone."""
    from inclusio.cli import main

    db = tmp_path / "demo.duckdb"
    db.write_bytes(demo_editions["first"].read_bytes())
    imported = _import_real_opencup(db, capsys)
    assert "7814 rows read" in imported and "161 rows read" in imported
    assert imported.count("warehouse CUPs matched: 1 of 2") == 2  # Capannori's; not Venezia's
    assert main(["compare", "--cup", CAPANNORI_CUP, "--warehouse", str(db)]) == 0
    out = capsys.readouterr().out
    card = out[: out.index("Che cosa dicono le fonti")]
    assert "Luogo: CAPANNORI (LU), TOSCANA (fonte: OpenCUP)" in card
    assert "CIG Z14354B021: confermato da OpenCUP" in card
    assert "CIG Z903547A4A: confermato da OpenCUP" in card
    assert "CIG ZC33547859: solo OpenCUP" in card  # listed by OpenCUP, quoted by no page yet
    assert "Pagamenti: € 38.250,00 (1 fonte)" in card and "Impegni: € 96.000,00" in card
    assert "Programma: PNRR Missione 5 · Avviso: Avviso 1/2022" in card
    page = tmp_path / "capannori.html"
    assert main(["compare", "--cup", CAPANNORI_CUP, "--format", "html", "-o", str(page),
                 "--warehouse", str(db)]) == 0
    for width, height in ((1280, 800), (390, 844)):
        seen = _first_screen(page, tmp_path, width, height)
        assert seen["innerWidth"] == width and seen["scripts"] == 0
        assert seen["card"]["top"] < seen["innerHeight"]
        # Money by role whole in the first screen, before any single claim.
        assert seen["money"]["bottom"] <= seen["innerHeight"], width
        assert seen["claim"] is None or seen["money"]["bottom"] <= seen["claim"]["top"]
        text = seen["text"]
        assert "Pagamenti" in text and "€ 38.250,00" in text
        assert "CAPANNORI (LU), TOSCANA" in text and "ZC33547859" in text
        assert seen["scrollWidth"] <= seen["innerWidth"], width


def test_second_edition_shows_in_changes_and_in_the_feed(
    demo_editions: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 12's second "done when", as the README tells a user: `inclusio demo`, then
    `inclusio demo --edition 2`, then `inclusio changes` and `inclusio feed`."""
    import feedparser

    from inclusio.cli import main

    db = str(demo_editions["db"])
    base = demo_editions["base"]
    scheda, notizia = base + "capannori-scheda-pnrr.html", base + "capannori-notizia-servizio.html"
    assert main(["changes", "--warehouse", db]) == 0
    out = capsys.readouterr().out
    assert f"Servizi domiciliari per le persone fragili · {scheda}" in out
    assert "cambiato  Importo — pagato: € 38.250,00 → € 74.900,00" in out
    assert "prima «€ 38.250,00»" in out and "dopo  «€ 74.900,00»" in out
    assert "cambiato  CIG: Z14354B021, Z903547A4A → Z14354B021, Z903547A4A, ZC33547859" in out
    assert f"· {notizia} ·" in out and "nuovo     CIG: — → ZC33547859" in out
    # Nothing else moved: the first crawl is the baseline, and only Capannori's pages changed.
    assert {line.split(" · ")[1] for line in out.splitlines()
            if not line.startswith(" ")} == {scheda, notizia}
    second = demo_editions["runs"][-1]
    assert main(["changes", "--run", second, "--format", "json", "--warehouse", db]) == 0
    arrived = json.loads(capsys.readouterr().out)
    assert {(e["url"], e["change"]) for e in arrived if e["kind"] == "amount"} == {
        (scheda, "changed"), (notizia, "appeared")}
    assert main(["feed", str(tmp_path / "feed"), "--warehouse", db]) == 0
    parsed = feedparser.parse((tmp_path / "feed" / "changes.xml").read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    by_link = {e.link: e for e in parsed.entries}
    assert set(by_link) == {scheda, notizia}
    assert "€ 74.900,00" in by_link[scheda].title
    assert "prima: «€ 38.250,00»" in by_link[scheda].content[0].value
    assert "dopo: «ZC33547859»" in by_link[notizia].content[0].value
    project_feed = tmp_path / "feed" / "feeds" / f"{CAPANNORI_CUP}.xml"
    assert len(feedparser.parse(project_feed.read_bytes()).entries) == 2


@pytest.mark.parametrize("edition", ["first", "db"])
def test_demo_warehouse_has_no_false_conflict_and_no_bare_project(
    demo_editions: dict[str, Any], edition: str
) -> None:
    """Issue 12's third "done when", after each edition: no demo project is in conflict with
    itself, none is made of a page naming no CUP, programme or call, and no partner is named
    twice (a generic "Centro per l'Impiego" beside the one of Livorno)."""
    from warehouse.card import project_card
    from warehouse.compare import compare
    from warehouse.db import connect
    from warehouse.linking import is_programme_proper

    with connect(demo_editions[edition], read_only=True) as con:
        views = compare(con)
    bare = [v.project_id for v in views
            if not (v.cup or v.call or is_programme_proper(v.programme))]
    assert len(views) == 5 and bare == []
    assert [(v.project_id, g.kind, g.role, g.values) for v in views for g in v.conflicts] == []
    partners = {v.project_id: project_card(v).partners for v in views}
    livorno = next(p for p in partners.values() if "Centro per l'Impiego di Livorno" in p)
    assert "Centro per l'Impiego" not in livorno
    assert partners["F74H24002780007"] == ["Centro per l'Impiego", "Veneto Lavoro",
                                           "Regione Veneto"]  # the Venezia card names all three


WORD = r"[a-z][a-z0-9_-]*"


def enumerated_values(comment: str | None) -> str | None:
    """The list of values a column comment enumerates ("cup, rule or manual"; after a label,
    "Dates: day, month or year"), or None when it gives none or only examples ("e.g.")."""
    text = re.sub(r"\([^)]*\)", "", comment or "")
    text = re.sub(r"\s+([,.;])", r"\1", re.sub(r"[ \t]+", " ", text))
    for i, segment in enumerate(re.split(r"\.\s+|:\s+|;\s*", text)):
        segment = segment.strip().rstrip(".;,")
        if segment.startswith(("e.g.", "i.e.")):
            continue
        m = re.fullmatch(rf"({WORD})((?:, {WORD})*)(?:,? (?:or|and) ({WORD}))?(, .*)?", segment)
        if m and (m.group(3) or (m.group(2) and (i > 0 or m.group(2).count(",") >= 2))):
            return segment
    return None


def test_enumerated_values_reads_lists_not_sentences() -> None:
    assert enumerated_values("fetch, parse, extract or load.") == "fetch, parse, extract or load"
    assert enumerated_values("Dates: day, month or year, as precise as the text is.")
    assert enumerated_values("cup (the page names the CUP), rule (rules), manual (file).")
    assert enumerated_values("True when some page had no text layer and was read.") is None
    assert enumerated_values("What the bytes are (sniffed), e.g. text/html, application/pdf.") \
        is None
    assert enumerated_values("Where redirects ended, when not at url.") is None


def test_schema_comments_list_every_value_the_demo_holds(
    demo_editions: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`inclusio schema` tells a reader which values a column holds: for every column whose
    comment lists values, none the demo warehouse (both editions, official files imported)
    holds is left out."""
    from inclusio.cli import main

    db = tmp_path / "demo.duckdb"
    db.write_bytes(demo_editions["db"].read_bytes())
    assert main(["reference", "import", "opencoesione", str(
        REPO / "tests" / "fixtures" / "reference" / "progetti_esteso_sample.csv"),
        "--warehouse", str(db)]) == 0
    if real_opencup() is not None:
        _import_real_opencup(db, capsys)
    con = duckdb.connect(str(db), read_only=True)
    try:
        columns = con.execute(
            "SELECT c.table_name, c.column_name, c.comment FROM duckdb_columns() c"
            " JOIN duckdb_tables() t USING (database_name, schema_name, table_name)"
            " WHERE c.comment IS NOT NULL ORDER BY 1, 2").fetchall()
        checked, missing = set(), []
        for table, column, comment in columns:
            if enumerated_values(comment) is None:
                continue
            checked.add(f"{table}.{column}")
            for (value,) in con.execute(
                    f'SELECT DISTINCT "{column}" FROM "{table}" WHERE "{column}" IS NOT NULL'
            ).fetchall():
                if not re.search(rf"(?<![\w-]){re.escape(str(value))}(?![\w-])", comment):
                    missing.append(f"{table}.{column}: {value}")
    finally:
        con.close()
    assert {"claims.kind", "claims.role", "claims.status", "claims.precision",
            "fetches.outcome", "document_projects.method", "claim_projects.method",
            "project_keys.method", "problems.stage", "ref_imports.dataset"} <= checked
    assert missing == []
