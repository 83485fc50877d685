"""The pool of parser workers: the same Documents as in-process, limits per document, and a
document that hangs or blows up costs only its own worker."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pdf_builders import image_pdf
from PIL import Image

from parsers import ParseError, parse_bytes
from parsers.pdf import PdfLimits
from parsers.pool import ParseJob, ParsePool

SITE = Path(__file__).resolve().parents[2] / "data" / "sample" / "site"
PDF = SITE / "cremona-obiettivo-2017_3504.pdf"
HTML = SITE / "livorno-sia-rei.html"


def _huge_scan() -> bytes:
    """A scanned page that, rendered for OCR at 80 Mpixel, needs far more than 256 MB."""
    buf = io.BytesIO()
    Image.new("L", (200, 200), color=255).save(buf, format="PNG")
    return image_pdf(buf.getvalue())


def test_pool_returns_the_same_documents_and_reuses_its_workers() -> None:
    pdf, html = PDF.read_bytes(), HTML.read_bytes()
    jobs = [ParseJob(pdf), ParseJob(html, "text/html", "http://127.0.0.1/a.html")] * 3
    with ParsePool(2, timeout=60) as pool:
        got = pool.map(jobs)
        assert pool.started == 2  # six documents, two processes
    here_pdf, here_html = parse_bytes(pdf), parse_bytes(html, content_type="text/html",
                                                         url="http://127.0.0.1/a.html")
    for doc in got[0::2]:
        assert doc.text == here_pdf.text
        assert [t.rows for t in doc.tables] == [t.rows for t in here_pdf.tables]
    for doc in got[1::2]:
        assert doc.text == here_html.text and doc.title == here_html.title


def test_parse_errors_and_unreadable_bodies_are_per_document() -> None:
    def gone() -> bytes:
        raise FileNotFoundError("no such body")

    with ParsePool(1, timeout=60) as pool:
        got = pool.map([ParseJob(b"<html>x</html>", url="http://127.0.0.1/a.pdf"),
                        ParseJob(gone), ParseJob(HTML.read_bytes(), "text/html")])
    assert isinstance(got[0], ParseError) and "not a PDF" in str(got[0])
    assert isinstance(got[1], FileNotFoundError)
    assert got[2].text


def test_a_document_over_time_is_stopped_and_its_worker_replaced() -> None:
    pdf, html = PDF.read_bytes(), HTML.read_bytes()
    with ParsePool(1, timeout=0.001) as pool:
        first = pool.map([ParseJob(pdf)])
    assert isinstance(first[0], ParseError) and "longer than 0.001 s" in str(first[0])
    # The next documents get a fresh worker and a normal time limit.
    with ParsePool(1, timeout=60) as pool:
        pool.timeout = 0.001
        assert isinstance(pool.map([ParseJob(pdf)])[0], ParseError)
        pool.timeout = 60
        after = pool.map([ParseJob(html, "text/html")] * 2)
        assert all(not isinstance(d, Exception) and d.text for d in after)
        assert pool.started == 2  # the killed worker and its replacement


def test_a_memory_blow_up_is_a_parse_error_and_the_run_goes_on() -> None:
    limits = PdfLimits(max_render_pixels=80_000_000, ocr_dpi=1200)
    html = HTML.read_bytes()
    with ParsePool(1, timeout=60, memory_mb=256, pdf_limits=limits) as pool:
        got = pool.map([ParseJob(_huge_scan()), ParseJob(html, "text/html")])
    assert isinstance(got[0], ParseError)
    assert re_memory(str(got[0]))
    assert not isinstance(got[1], Exception) and got[1].text


def re_memory(reason: str) -> bool:
    return any(w in reason for w in ("memory", "died", "failed"))


@pytest.mark.parametrize("workers", [1, 2])
def test_results_come_back_for_every_index(workers: int) -> None:
    html = HTML.read_bytes()
    with ParsePool(workers, timeout=60) as pool:
        seen = sorted(i for i, _ in pool.imap([ParseJob(html, "text/html")] * 5))
    assert seen == [0, 1, 2, 3, 4]


def test_workers_do_not_run_the_main_script_again(tmp_path: Path) -> None:
    """A forkserver child would import the parent's main script before serving; a script that
    imports the whole pipeline made every worker start cost seconds."""
    import subprocess
    import sys

    marks = tmp_path / "imports.txt"
    script = tmp_path / "main_script.py"
    script.write_text(
        "from pathlib import Path\n"
        f"with Path({str(marks)!r}).open('a') as fh:\n"
        "    fh.write('imported\\n')\n"
        "from parsers.pool import ParseJob, ParsePool\n"
        "if __name__ == '__main__':\n"
        "    with ParsePool(2, timeout=60) as pool:\n"
        "        docs = pool.map([ParseJob(b'<html><body><p>Avviso pubblico</p></body></html>',\n"
        "                                  'text/html')] * 4)\n"
        "    print(docs[0].text)\n",
        encoding="utf-8",
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, str(script)], cwd=root, capture_output=True,
                         text=True, timeout=120, env={**__import__("os").environ,
                                                      "PYTHONPATH": str(root)})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "Avviso pubblico"
    assert marks.read_text().splitlines() == ["imported"]  # the parent only
