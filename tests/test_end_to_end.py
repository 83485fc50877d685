"""The whole pipeline over the bundled sample site, served on 127.0.0.1 and crawled over HTTP.

Runs the real Prefect flow into a real DuckDB file in a temporary project folder, twice, and
checks the seeds' facts and that the second run changes no row counts.
"""

from __future__ import annotations

import json
import re
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


def test_demo_card_shows_opencup_place_and_cigs_and_no_false_conflict(
    demo_runs: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """After the demo and an OpenCUP import, `compare --cup` opens on the project card with the
    place and CIGs from OpenCUP; no demo project is in conflict with itself or made of a page
    naming no CUP, programme or call."""
    from inclusio.cli import main
    from warehouse.compare import compare
    from warehouse.db import connect
    from warehouse.linking import is_programme_proper

    db = tmp_path / "demo.duckdb"
    db.write_bytes(demo_runs["db"].read_bytes())
    real = next((p for p in (REPO.parent / "shared" / "reference" / "opencup",
                             Path("/work/shared/reference/opencup")) if p.is_dir()), None)
    files = sorted(real.glob("*.csv")) if real else []
    # The real extracts hold no sample CUP: the fixture's rows for it are imported beside them.
    files += [REPO / "tests" / "fixtures" / "reference" / name
              for name in ("opencup_localizzazioni_sample.csv", "opencup_cig_sample.csv")]
    for f in files:
        assert main(["reference", "import", "opencup", str(f), "--warehouse", str(db)]) == 0
    imported = capsys.readouterr().out
    assert "warehouse CUPs matched: 1 of 1" in imported
    assert main(["compare", "--cup", "F74H24002780007", "--warehouse", str(db)]) == 0
    out = capsys.readouterr().out
    card = out[: out.index("Che cosa dicono le fonti")]
    assert "Luogo: VENEZIA (VE), VENETO (fonte: OpenCUP)" in card
    assert "CIG Z1A2B3C4D5" in card and "Pagamenti: € 36.500,93" in card
    with connect(db, read_only=True) as con:
        views = compare(con)
        bare = [v.project_id for v in views
                if not (v.cup or v.call or is_programme_proper(v.programme))]
    assert views and bare == []
    assert [(v.project_id, g.kind, g.role, g.values) for v in views for g in v.conflicts] == []


def test_a_page_changed_between_two_demo_runs_shows_in_changes_and_feed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The sample site serves a second version of the Massa page (33 work experiences become
    35) between two runs: `inclusio changes` lists it with both quotes, by date and by run,
    and the Atom feed a feed parser reads back carries it."""
    import os
    import shutil
    import time

    import feedparser

    from inclusio.cli import main

    configure_prefect(tmp_path)
    from flows.pipeline import pipeline_flow
    from inclusio.sample_site import localised_sources, serve

    site = tmp_path / "site"
    shutil.copytree(SAMPLE / "site", site)
    root = tmp_path / "project"
    page = site / "massa-pon-inclusione.html"
    with serve(site) as base:
        sources = localised_sources(SAMPLE / "sources.toml", base, root / "sources.toml")
        pipeline_flow(str(sources), root=str(root))
        page.write_text(page.read_text(encoding="utf-8").replace(
            "Attivate 33 work experience", "Attivate 35 work experience"), encoding="utf-8")
        later = time.time() + 5  # a Last-Modified the second crawl sees as newer
        os.utime(page, (later, later))
        second = pipeline_flow(str(sources), root=str(root))
    db = str(root / "data" / "curated" / "inclusio.duckdb")
    assert main(["changes", "--warehouse", db]) == 0
    out = capsys.readouterr().out
    assert "33 work experience → 35 work experience" in out
    assert "prima «33 work experience»" in out and "dopo  «35 work experience»" in out
    con = duckdb.connect(db, read_only=True)
    try:
        run2 = con.execute(
            "SELECT run_id FROM fetches WHERE url LIKE '%massa-pon-inclusione%'"
            " ORDER BY fetched_at DESC LIMIT 1").fetchone()[0]
    finally:
        con.close()
    assert main(["changes", "--run", run2, "--format", "json", "--warehouse", db]) == 0
    moved = json.loads(capsys.readouterr().out)
    assert any(d["after"] == ["35 work experience"] for d in moved), moved
    assert second["documents"] >= 1
    assert main(["feed", str(tmp_path / "feed"), "--warehouse", db]) == 0
    parsed = feedparser.parse((tmp_path / "feed" / "changes.xml").read_bytes())
    assert not parsed.bozo
    [entry] = [e for e in parsed.entries if "massa-pon-inclusione" in e.link]
    assert "35 work experience" in entry.title
    assert "prima: «33 work experience»" in entry.content[0].value


def test_schema_comments_list_every_value_the_demo_holds(con: duckdb.DuckDBPyConnection) -> None:
    """`inclusio schema` tells a reader which values a column holds: none is left out."""
    columns = [("claims", "kind"), ("claims", "role"), ("claims", "type"), ("claims", "status"),
               ("claims", "precision"), ("document_projects", "method"),
               ("claim_projects", "method"), ("project_keys", "method"),
               ("fetches", "outcome"), ("problems", "stage")]
    missing = []
    for table, column in columns:
        comment = con.execute(
            "SELECT comment FROM duckdb_columns() WHERE table_name = ? AND column_name = ?",
            [table, column]).fetchone()[0] or ""
        for (value,) in con.execute(
                f"SELECT DISTINCT {column} FROM {table} WHERE {column} IS NOT NULL").fetchall():
            if not re.search(rf"(?<![\w-]){re.escape(str(value))}(?![\w-])", comment):
                missing.append(f"{table}.{column}: {value}")
    assert missing == []
